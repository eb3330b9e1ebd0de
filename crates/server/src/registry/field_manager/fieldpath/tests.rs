use serde_json::json;

use super::*;

fn f(name: &str) -> PathElement {
    PathElement::Field(name.to_string())
}

#[test]
fn fields_v1_round_trips_with_dots_for_members_that_have_children() {
    let fields = json!({
        "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
        "f:spec": {
            "f:replicas": {},
            "f:template": {"f:spec": {"f:containers": {
                "k:{\"name\":\"web\"}": {".": {}, "f:image": {}, "f:name": {}}
            }}}
        },
        "f:finalizers": {"v:\"a\"": {}}
    });
    let set = Set::from_fields_v1(&fields).unwrap();
    assert!(set.has(&[f("spec"), f("replicas")]));
    assert!(set.has(&[f("metadata"), f("labels")]));
    assert!(!set.has(&[f("spec")]));
    let web = PathElement::Key(r#"{"name":"web"}"#.to_string());
    let item = [f("spec"), f("template"), f("spec"), f("containers"), web];
    assert!(set.has(&item));
    assert_eq!(set.to_fields_v1(), fields);
}

#[test]
fn bad_fields_v1_is_an_error() {
    assert!(Set::from_fields_v1(&json!({"x:spec": {}})).is_err());
    assert!(Set::from_fields_v1(&json!({"k:{not json": {}})).is_err());
    assert!(Set::from_fields_v1(&json!([])).is_err());
}

#[test]
fn paths_are_written_as_in_conflict_messages() {
    let key = key_element(
        &json!({"containerPort": 80, "protocol": "TCP", "name": "x"}),
        &["containerPort".to_string(), "protocol".to_string()],
    );
    assert_eq!(
        key,
        PathElement::Key(r#"{"containerPort":80,"protocol":"TCP"}"#.to_string())
    );
    let path = vec![f("spec"), f("ports"), key, f("name")];
    assert_eq!(
        path_string(&path),
        r#".spec.ports[containerPort=80,protocol="TCP"].name"#
    );
    let value = PathElement::Value(canonical(&json!("a")));
    assert_eq!(
        path_string(&[f("metadata"), f("finalizers"), value]),
        r#".metadata.finalizers[="a"]"#
    );
    assert_eq!(PathElement::Index(3).to_string(), "[3]");
}

#[test]
fn set_algebra() {
    let mut a = Set::new();
    a.insert(&[f("spec"), f("replicas")]);
    a.insert(&[f("spec"), f("paused")]);
    a.insert(&[f("data"), f("x")]);
    let mut b = Set::new();
    b.insert(&[f("spec"), f("replicas")]);
    b.insert(&[f("data")]);
    let mut only_paused = Set::new();
    only_paused.insert(&[f("spec"), f("paused")]);
    let mut with_x = only_paused.clone();
    with_x.insert(&[f("data"), f("x")]);
    assert_eq!(a.difference(&b), with_x);
    assert_eq!(a.recursive_difference(&b), only_paused);
    let mut replicas = Set::new();
    replicas.insert(&[f("spec"), f("replicas")]);
    assert_eq!(a.intersection(&b), replicas);
    assert_eq!(a.union(&b).paths().len(), 4);
    assert!(a.difference(&a).is_empty());
    // Members of a level come before the levels below it.
    assert_eq!(path_string(&a.union(&b).paths()[0]), ".data");
}
