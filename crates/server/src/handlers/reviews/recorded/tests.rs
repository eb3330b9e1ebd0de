use serde_json::json;

use super::*;
use crate::registry::kinds;

fn review() -> &'static Kind {
    kinds::find("authorization.k8s.io", "v1", "subjectaccessreviews").expect("SAR is served")
}

fn recorded(request: &Value, now: &str) -> Value {
    let mut request = request.clone();
    record(
        review(),
        "authorization.k8s.io/v1",
        "curl",
        now,
        &mut request,
    );
    request
}

/// What the field manager records without the memory.
fn computed(request: &Value, now: &str) -> Value {
    let mut request = request.clone();
    objects::metadata_mut(&mut request);
    let writer = generic::field_writer(review(), "authorization.k8s.io/v1", "", "curl", now);
    field_manager::record_update(&writer, None, &mut request);
    request
}

#[test]
fn a_remembered_shape_records_what_the_field_manager_records_at_the_new_time() {
    let first = json!({
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "spec": {"user": "jane", "groups": ["dev"], "resourceAttributes": {"verb": "get", "resource": "pods"}},
    });
    let second = json!({
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "spec": {"user": "joe", "groups": ["dev"], "resourceAttributes": {"verb": "list", "resource": "secrets"}},
    });
    let early = "2026-12-05T10:00:00Z";
    let late = "2026-12-05T10:00:07Z";
    assert_eq!(recorded(&first, early), computed(&first, early));
    let again = recorded(&second, late);
    assert_eq!(again, computed(&second, late));
    assert_eq!(again["metadata"]["managedFields"][0]["time"], late);
}

#[test]
fn other_shapes_and_client_sent_fields_are_worked_out_afresh() {
    let now = "2026-12-05T10:00:00Z";
    let resource = json!({"spec": {"user": "jane", "resourceAttributes": {"verb": "get"}}});
    let non_resource = json!({"spec": {"user": "jane", "nonResourceAttributes": {"path": "/healthz", "verb": "get"}}});
    let groups = json!({"spec": {"user": "jane", "groups": ["a", "b"], "resourceAttributes": {"verb": "get"}}});
    let sent = json!({
        "metadata": {"managedFields": [{"manager": "other", "operation": "Update", "apiVersion": "authorization.k8s.io/v1",
            "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:uid": {}}}}]},
        "spec": {"user": "jane", "resourceAttributes": {"verb": "get"}},
    });
    for request in [&resource, &non_resource, &groups, &resource, &sent] {
        assert_eq!(recorded(request, now), computed(request, now), "{request}");
    }
    assert_ne!(
        recorded(&resource, now)["metadata"]["managedFields"],
        recorded(&non_resource, now)["metadata"]["managedFields"]
    );
}
