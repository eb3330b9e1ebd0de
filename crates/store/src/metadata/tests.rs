use serde_json::json;

use super::*;

#[test]
fn the_resource_version_is_set_as_a_decimal_string() {
    let mut object = json!({"metadata": {"name": "x", "resourceVersion": "3"}});
    set_resource_version(&mut object, 12).unwrap();
    assert_eq!(
        object,
        json!({"metadata": {"name": "x", "resourceVersion": "12"}})
    );
    assert_eq!(resource_version(&object), "12");
}

#[test]
fn missing_metadata_is_created() {
    let mut object = json!({"data": {}});
    set_resource_version(&mut object, 1).unwrap();
    assert_eq!(object["metadata"]["resourceVersion"], "1");
}

#[test]
fn non_objects_are_refused() {
    for mut bad in [
        json!("text"),
        json!([1]),
        json!({"metadata": 5}),
        json!(null),
    ] {
        assert!(matches!(
            set_resource_version(&mut bad, 1),
            Err(StoreError::Invalid(_))
        ));
    }
}

#[test]
fn a_missing_or_non_string_resource_version_reads_empty() {
    assert_eq!(resource_version(&json!({})), "");
    assert_eq!(
        resource_version(&json!({"metadata": {"resourceVersion": 5}})),
        ""
    );
    assert_eq!(resource_version(&json!("x")), "");
}
