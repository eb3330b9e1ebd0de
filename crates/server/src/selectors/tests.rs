use serde_json::json;

use super::*;

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
        let parsed = Selectors::parse(selector, "").unwrap();
        assert_eq!(parsed.matches(&web), matches_web, "{selector} on web");
        assert_eq!(parsed.matches(&db), matches_db, "{selector} on db");
    }
}

#[test]
fn field_selectors_name_and_namespace() {
    let a = object("a", json!({}));
    assert!(Selectors::parse("", "metadata.name=a").unwrap().matches(&a));
    assert!(
        !Selectors::parse("", "metadata.name!=a")
            .unwrap()
            .matches(&a)
    );
    assert!(
        Selectors::parse("", "metadata.namespace=dev,metadata.name==a")
            .unwrap()
            .matches(&a)
    );
    let error = Selectors::parse("", "spec.nodeName=x").unwrap_err();
    assert_eq!(error.http_code(), 400);
}

#[test]
fn malformed_label_selector_is_a_bad_request() {
    assert_eq!(
        Selectors::parse("app in web", "").unwrap_err().http_code(),
        400
    );
}
