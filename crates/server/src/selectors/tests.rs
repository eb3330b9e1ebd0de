use serde_json::json;

use super::*;

/// Selectors on `metadata.name`/`metadata.namespace` only.
fn parse(label_selector: &str, field_selector: &str) -> Result<Selectors, Status> {
    Selectors::parse_with(label_selector, field_selector, &[])
}

fn object(name: &str, labels: Value) -> Value {
    json!({"metadata": {"name": name, "namespace": "dev", "labels": labels}})
}

#[test]
fn label_selectors_follow_kubernetes_syntax() {
    let web = object("a", json!({"app": "web", "tier": "front"}));
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
        ("", true, true),
    ];
    for (selector, matches_web, matches_db) in cases {
        let parsed = parse(selector, "").unwrap();
        assert_eq!(parsed.matches(&web), matches_web, "{selector} on web");
        assert_eq!(parsed.matches(&db), matches_db, "{selector} on db");
    }
}

#[test]
fn field_selectors_name_and_namespace() {
    let a = object("a", json!({}));
    assert!(parse("", "metadata.name=a").unwrap().matches(&a));
    assert!(!parse("", "metadata.name!=a").unwrap().matches(&a));
    assert!(
        parse("", "metadata.namespace=dev,metadata.name==a")
            .unwrap()
            .matches(&a)
    );
    let error = parse("", "spec.nodeName=x").unwrap_err();
    assert_eq!(error.http_code(), 400);
}

#[test]
fn malformed_label_selector_is_a_bad_request() {
    assert_eq!(parse("app in web", "").unwrap_err().http_code(), 400);
}

#[test]
fn events_take_their_own_field_labels() {
    let event =
        json!({"metadata": {"name": "e"}, "involvedObject": {"name": "web", "kind": "Pod"}});
    let selected = Selectors::parse_with(
        "",
        "involvedObject.name=web,involvedObject.kind=Pod",
        EVENT_FIELDS,
    )
    .unwrap();
    assert!(selected.matches(&event));
    let other = Selectors::parse_with("", "involvedObject.name=db", EVENT_FIELDS).unwrap();
    assert!(!other.matches(&event));
    assert!(parse("", "involvedObject.name=web").is_err());
}
