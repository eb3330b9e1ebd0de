use serde_json::json;
use time::macros::datetime;

use super::*;

#[test]
fn generate_name_gets_a_five_character_suffix() {
    let mut object = json!({"metadata": {"generateName": "csr-"}});
    prepare_create(&mut object, None, datetime!(2026-11-22 10:23:22.5 UTC));
    let generated = name(&object);
    assert_eq!(generated.len(), "csr-".len() + 5);
    assert!(generated.starts_with("csr-"));
    assert!(generated[4..].bytes().all(|b| SUFFIX_ALPHABET.contains(&b)));
    assert_eq!(
        object.pointer("/metadata/creationTimestamp"),
        Some(&json!("2026-11-22T10:23:22Z"))
    );
    assert_eq!(uid(&object).len(), 36);
}

#[test]
fn create_sets_the_namespace_of_the_path_and_drops_the_resource_version() {
    let mut object = json!({"metadata": {"name": "a", "resourceVersion": "7"}});
    prepare_create(&mut object, Some("dev"), datetime!(2026-01-01 0:00 UTC));
    assert_eq!(namespace(&object), "dev");
    assert_eq!(resource_version(&object), "");
}

#[test]
fn update_keeps_the_identity_of_the_stored_object() {
    let stored = json!({"metadata": {"name": "a", "uid": "u1", "creationTimestamp": "2026-01-01T00:00:00Z"}});
    let mut object = json!({"metadata": {"name": "a", "labels": {"x": "y"}, "creationTimestamp": "2030-01-01T00:00:00Z"}});
    preserve_on_update(&mut object, &stored);
    assert_eq!(uid(&object), "u1", "a left-out uid is the stored one");
    assert_eq!(object["metadata"]["labels"], json!({"x": "y"}));
    assert_eq!(creation_time(&object), Some(datetime!(2026-01-01 0:00 UTC)));
    let mut forged = json!({"metadata": {"name": "a", "uid": "forged"}});
    preserve_on_update(&mut forged, &stored);
    assert_eq!(uid(&forged), "forged", "validation refuses a different uid");
}
