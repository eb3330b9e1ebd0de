use serde_json::json;

use super::*;

fn fields(set: &Set) -> Value {
    set.to_fields_v1()
}

#[test]
fn to_field_set_owns_leaves_items_and_map_entries() {
    let object = json!({
        "metadata": {"labels": {"app": "web"}, "finalizers": ["a"]},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": {"spec": {
            "containers": [{"name": "web", "image": "nginx", "resources": {}}]
        }}}
    });
    assert_eq!(
        fields(&to_field_set(Shape::Builtin, &object)),
        json!({
            "f:metadata": {"f:labels": {"f:app": {}}, "f:finalizers": {"v:\"a\"": {}}},
            "f:spec": {"f:replicas": {}, "f:selector": {}, "f:template": {"f:spec": {"f:containers": {
                "k:{\"name\":\"web\"}": {".": {}, "f:image": {}, "f:name": {}, "f:resources": {}}
            }}}}
        })
    );
}

#[test]
fn compare_finds_added_modified_and_removed_fields() {
    let old = json!({"spec": {"replicas": 1, "paused": true}, "data": {"a": "1"}});
    let new = json!({"spec": {"replicas": 2}, "data": {"a": "1", "b": "2"}, "extra": {"x": 1}});
    let comparison = compare(Shape::Builtin, &old, &new);
    assert_eq!(
        fields(&comparison.modified),
        json!({"f:spec": {"f:replicas": {}}})
    );
    assert_eq!(
        fields(&comparison.removed),
        json!({"f:spec": {"f:paused": {}}})
    );
    // A new object is a member itself (".") as well as its fields.
    assert_eq!(
        fields(&comparison.added),
        json!({"f:data": {"f:b": {}}, "f:extra": {".": {}, "f:x": {}}})
    );
}

#[test]
fn merge_keeps_live_fields_and_merges_keyed_lists() {
    let live = json!({"spec": {"replicas": 3, "template": {"spec": {"containers": [
        {"name": "a", "image": "a:1", "tty": true},
        {"name": "side", "image": "s:1"}
    ]}}}});
    let config = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "new", "image": "n:1"},
        {"name": "a", "image": "a:2"}
    ]}}}});
    assert_eq!(
        merge(Shape::Builtin, &live, &config),
        json!({"spec": {"replicas": 3, "template": {"spec": {"containers": [
            {"name": "new", "image": "n:1"},
            {"name": "a", "image": "a:2", "tty": true},
            {"name": "side", "image": "s:1"}
        ]}}}})
    );
    // Atomic lists are replaced; a null drops the field.
    let live = json!({"rules": [{"verbs": ["get"]}], "data": {"a": "1", "b": "2"}});
    let config = json!({"rules": [{"verbs": ["list"]}], "data": {"a": null}});
    assert_eq!(
        merge(Shape::Builtin, &live, &config),
        json!({"rules": [{"verbs": ["list"]}], "data": {"b": "2"}})
    );
}

#[test]
fn remove_items_drops_fields_items_and_emptied_parents() {
    let object =
        json!({"data": {"a": "1"}, "spec": {"containers": [{"name": "a"}, {"name": "b"}], "x": 1}});
    let mut remove = Set::new();
    remove.insert(&[
        PathElement::Field("data".into()),
        PathElement::Field("a".into()),
    ]);
    remove.insert(&[
        PathElement::Field("spec".into()),
        PathElement::Field("containers".into()),
        PathElement::Key(r#"{"name":"b"}"#.into()),
    ]);
    assert_eq!(
        remove_items(Shape::Builtin, &object, &remove),
        json!({"spec": {"containers": [{"name": "a"}], "x": 1}})
    );
}
