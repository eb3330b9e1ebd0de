use serde_json::json;

use super::*;

#[test]
fn builtin_lists_follow_the_go_tags() {
    let shape = Shape::Builtin;
    assert_eq!(
        shape.list_type(&["spec", "template", "spec", "containers"]),
        ListType::Map(vec!["name".to_string()])
    );
    assert_eq!(
        shape.list_type(&["spec", "template", "spec", "containers", "ports"]),
        ListType::Map(vec!["containerPort".to_string(), "protocol".to_string()])
    );
    assert_eq!(
        shape.list_type(&["spec", "ports"]),
        ListType::Map(vec!["port".to_string(), "protocol".to_string()])
    );
    assert_eq!(shape.list_type(&["metadata", "finalizers"]), ListType::Set);
    assert_eq!(shape.list_type(&["rules"]), ListType::Atomic);
    assert_eq!(shape.list_type(&["subjects"]), ListType::Atomic);
    assert!(shape.is_atomic_object(&["spec", "selector"]));
    assert!(shape.is_map_entry(&["metadata", "labels", "app"]));
    assert!(shape.is_map_entry(&["data", "color"]));
    assert!(!shape.is_map_entry(&["spec", "replicas"]));
    assert!(shape.is_value_struct(&["spec", "template"]));
    assert!(!shape.is_value_struct(&["data", "spec"]));
}

#[test]
fn custom_resources_read_their_schema() {
    let schema = json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "ports": {"type": "array", "x-kubernetes-list-type": "map",
                  "x-kubernetes-list-map-keys": ["port"],
                  "items": {"type": "object", "properties": {"port": {"type": "integer"}}}},
        "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
        "args": {"type": "array", "items": {"type": "string"}},
        "env": {"type": "object", "additionalProperties": {"type": "string"}},
        "ref": {"type": "object", "x-kubernetes-map-type": "atomic"}
    }}}});
    let shape = Shape::Custom(&schema);
    assert_eq!(
        shape.list_type(&["spec", "ports"]),
        ListType::Map(vec!["port".to_string()])
    );
    assert_eq!(shape.list_type(&["spec", "tags"]), ListType::Set);
    assert_eq!(shape.list_type(&["spec", "args"]), ListType::Atomic);
    assert!(shape.is_map_entry(&["spec", "env", "A"]));
    assert!(!shape.is_map_entry(&["spec", "ports"]));
    assert!(shape.is_atomic_object(&["spec", "ref"]));
    // Metadata is the built-in one.
    assert!(shape.is_map_entry(&["metadata", "labels", "app"]));
    assert_eq!(shape.list_type(&["metadata", "finalizers"]), ListType::Set);
}
