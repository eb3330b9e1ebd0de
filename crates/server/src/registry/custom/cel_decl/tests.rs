use serde_json::json;

use super::*;

#[test]
fn sizes_come_from_the_schema_limits_else_from_the_request_size() {
    let string = |schema| declare(&schema, false).unwrap().max_elements;
    assert_eq!(string(json!({"type": "string"})), 3_145_726);
    assert_eq!(string(json!({"type": "string", "maxLength": 10})), 40);
    assert_eq!(string(json!({"type": "string", "enum": ["a", "bbb"]})), 3);
    assert_eq!(string(json!({"type": "string", "format": "date-time"})), 32);
    assert_eq!(
        string(json!({"type": "string", "format": "byte", "maxLength": 10})),
        10
    );
    assert_eq!(
        string(json!({"x-kubernetes-int-or-string": true})),
        3_145_726
    );
    let list = declare(
        &json!({"type": "array", "items": {"type": "string"}}),
        false,
    )
    .unwrap();
    assert_eq!((list.max_elements, list.min_size), (1_048_575, 2));
    let map = declare(
        &json!({"type": "object", "additionalProperties": {"type": "integer"}}),
        false,
    )
    .unwrap();
    assert_eq!((map.kind, map.max_elements), (DeclKind::Map, 3_145_726 / 7));
    let bounded = declare(
        &json!({"type": "array", "maxItems": 3, "items": {"type": "integer"}}),
        false,
    );
    assert_eq!(bounded.unwrap().max_elements, 3);
    assert!(declare(&json!({"type": "array"}), false).is_none());
}

#[test]
fn required_fields_without_defaults_make_an_object_larger() {
    let object = declare(
        &json!({"type": "object", "required": ["name", "port"], "properties": {
            "name": {"type": "string"},
            "port": {"type": "integer", "default": 80},
        }}),
        false,
    )
    .unwrap();
    assert_eq!(object.min_size, 2 + 4 + 2 + 4);
    assert_eq!(object.fields.len(), 2);
}

#[test]
fn a_resource_root_declares_kind_api_version_and_metadata_names() {
    let root = declare(
        &json!({"type": "object", "properties": {"metadata": {"type": "object"}}}),
        true,
    )
    .unwrap();
    assert!(root.fields.contains_key("kind") && root.fields.contains_key("apiVersion"));
    let metadata = &root.fields["metadata"];
    assert_eq!(
        metadata.fields.keys().collect::<Vec<_>>(),
        ["generateName", "name"]
    );
}

#[test]
fn property_names_escape_as_cel_names() {
    assert_eq!(
        escape("foo-bar.baz/x").as_deref(),
        Some("foo__dash__bar__dot__baz__slash__x")
    );
    assert_eq!(escape("a__b").as_deref(), Some("a__underscores__b"));
    assert_eq!(escape("namespace").as_deref(), Some("__namespace__"));
    assert_eq!(escape("1a"), None);
    assert_eq!(escape("a b"), None);
}

#[test]
fn a_huge_max_length_saturates_instead_of_overflowing() {
    let string = |schema| declare(&schema, false).unwrap().max_elements;
    assert_eq!(
        string(json!({"type": "string", "maxLength": i64::MAX})),
        u64::MAX
    );
    assert_eq!(
        string(json!({"x-kubernetes-int-or-string": true, "maxLength": i64::MAX})),
        u64::MAX
    );
}
