use serde_json::json;

use super::*;
use crate::registry::kinds::find;

#[test]
fn strict_refuses_unknown_fields_with_their_paths() {
    let def = find("rbac.authorization.k8s.io", "v1", "roles").unwrap();
    let role = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "r", "labels": {"a": "b"}, "colour": "red"},
        "rules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"], "verb": ["x"]}],
        "extra": true
    });
    let error = check(def, &role, &[], Directive::Strict).unwrap_err();
    assert_eq!(error.http_code(), 400);
    assert_eq!(
        serde_json::from_str::<Value>(&error.to_json()).unwrap(),
        json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "Role in version \"v1\" cannot be handled as a Role: strict decoding error: unknown field \"extra\", unknown field \"metadata.colour\", unknown field \"rules[0].verb\"",
            "reason": "BadRequest", "code": 400
        })
    );
    let warnings = check(def, &role, &[], Directive::Warn).unwrap();
    assert_eq!(warnings.len(), 3);
    assert!(
        check(def, &role, &[], Directive::Ignore)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_valid_object_with_nulls_and_empties_passes() {
    let def = find("", "v1", "configmaps").unwrap();
    let map = json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c", "creationTimestamp": null, "annotations": {}},
        "data": {"k": "v"}
    });
    assert_eq!(
        check(def, &map, &[], Directive::Strict).unwrap(),
        Vec::<String>::new()
    );
}

#[test]
fn wrong_types_cannot_be_handled() {
    let def = find("", "v1", "configmaps").unwrap();
    let map =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": "oops"});
    assert!(
        check(def, &map, &[], Directive::Ignore).is_err(),
        "Ignore skips unknown fields, not types"
    );
    let error = check(def, &map, &[], Directive::Warn).unwrap_err();
    assert!(
        error
            .to_json()
            .contains("ConfigMap in version \\\"v1\\\" cannot be handled as a ConfigMap: "),
        "{}",
        error.to_json()
    );
}
