use serde_json::json;

use super::*;
use crate::registry::kinds::find;

fn configmaps() -> &'static Kind {
    find("", "v1", "configmaps").unwrap()
}

fn parse(label_selector: &str, field_selector: &str) -> Result<Selectors, Status> {
    Selectors::parse(configmaps(), label_selector, field_selector)
}

fn object(name: &str, labels: Value) -> Value {
    json!({"metadata": {"name": name, "namespace": "dev", "labels": labels}})
}

#[test]
fn label_selectors_follow_kubernetes_syntax() {
    let web = object("a", json!({"app": "web", "tier": "front", "size": "3"}));
    let db = object("b", json!({"app": "db"}));
    let cases = [
        ("app=web", true, false),
        ("app==web", true, false),
        ("app!=web", false, true),
        ("tier", true, false),
        ("!tier", false, true),
        ("app in (web, db)", true, true),
        ("app notin (web)", false, true),
        ("app=web,tier=front", true, false),
        ("size>2", true, false),
        ("", true, true),
    ];
    for (selector, matches_web, matches_db) in cases {
        let parsed = parse(selector, "").unwrap();
        assert_eq!(parsed.matches(&web), matches_web, "{selector} on web");
        assert_eq!(parsed.matches(&db), matches_db, "{selector} on db");
    }
}

#[test]
fn field_selectors_name_and_namespace_with_escapes() {
    let a = object("a", json!({}));
    assert!(parse("", "metadata.name=a").unwrap().matches(&a));
    assert!(!parse("", "metadata.name!=a").unwrap().matches(&a));
    assert!(
        parse("", "metadata.namespace=dev,metadata.name==a")
            .unwrap()
            .matches(&a)
    );
    assert!(!parse("", "metadata.name=a\\,b").unwrap().matches(&a));
}

#[test]
fn unsupported_field_labels_are_refused_in_kubernetes_words() {
    let error = parse("", "spec.nodeName=x").unwrap_err();
    assert_eq!(error.http_code(), 400);
    assert_eq!(
        error.message,
        "\"spec.nodeName\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
    );
    let pods = find("", "v1", "pods").unwrap();
    let on_node = Selectors::parse(pods, "", "spec.host=n1,status.phase=Running").unwrap();
    let pod = json!({"metadata": {"name": "p"}, "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}});
    assert!(on_node.matches(&pod));
    let error = Selectors::parse(pods, "", "spec.containers=x").unwrap_err();
    assert_eq!(error.message, "field label not supported: spec.containers");
    let namespaces = find("", "v1", "namespaces").unwrap();
    assert!(Selectors::parse(namespaces, "", "metadata.namespace=x").is_err());
}

#[test]
fn malformed_selectors_are_bad_requests_with_apimachinery_messages() {
    let error = parse("app in web", "").unwrap_err();
    assert_eq!(error.http_code(), 400);
    assert_eq!(
        error.message,
        "unable to parse requirement: found 'web' expected: '('"
    );
    let error = parse("", "name").unwrap_err();
    assert_eq!(
        error.message,
        "invalid selector: 'name'; can't understand 'name'"
    );
}

#[test]
fn events_take_their_own_field_labels() {
    let events = find("", "v1", "events").unwrap();
    let event =
        json!({"metadata": {"name": "e"}, "involvedObject": {"name": "web", "kind": "Pod"}});
    let selected = Selectors::parse(
        events,
        "",
        "involvedObject.name=web,involvedObject.kind=Pod",
    )
    .unwrap();
    assert!(selected.matches(&event));
}
