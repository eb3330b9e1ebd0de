use serde_json::json;

use super::*;

#[test]
fn the_resource_version_is_not_stored_and_comes_back_from_the_revision() {
    let object = json!({"metadata": {"name": "x", "resourceVersion": "12"}, "data": {"k": "v"}});
    let bytes = encode_value(&object).unwrap();
    let stored: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        stored,
        json!({"metadata": {"name": "x"}, "data": {"k": "v"}})
    );
    let read = decode_value(&bytes, 15).unwrap();
    assert_eq!(read["metadata"]["resourceVersion"], "15");
    assert_eq!(read["data"]["k"], "v");
}

#[test]
fn only_json_objects_are_stored() {
    for bad in [
        json!("text"),
        json!([1]),
        json!({"metadata": 3}),
        json!(null),
    ] {
        assert!(matches!(encode_value(&bad), Err(StoreError::Invalid(_))));
    }
    assert_eq!(
        serde_json::from_slice::<Value>(&encode_value(&json!({})).unwrap()).unwrap(),
        json!({"metadata": {}})
    );
}

#[test]
fn foreign_values_are_backend_errors() {
    assert!(matches!(
        decode_value(b"k8s\x00\x0a\x09", 3),
        Err(StoreError::Backend(_))
    ));
    assert!(matches!(
        decode_value(b"[1, 2]", 3),
        Err(StoreError::Backend(_))
    ));
}

#[test]
fn revisions_convert_without_wrapping() {
    assert_eq!(revision_of(-1), 0);
    assert_eq!(revision_of(42), 42);
    assert_eq!(etcd_revision(u64::MAX), i64::MAX);
    assert_eq!(etcd_revision(7), 7);
}
