use serde_json::json;

use super::*;

#[test]
fn strategic_merge_adds_labels_and_drops_directives() {
    let current =
        json!({"metadata": {"name": "a", "labels": {"x": "1"}}, "rules": [{"verbs": ["get"]}]});
    let patch = json!({
        "metadata": {"labels": {"y": "2", "x": null}},
        "$setElementOrder/rules": [{"verbs": ["list"]}],
        "rules": [{"verbs": ["list"]}]
    });
    let patched = apply(PatchKind::StrategicMerge, &current, &patch).unwrap();
    assert_eq!(
        patched,
        json!({"metadata": {"name": "a", "labels": {"y": "2"}}, "rules": [{"verbs": ["list"]}]})
    );
}

#[test]
fn json_patch_and_merge_patch() {
    let current = json!({"data": {"a": "1"}});
    let added = apply(
        PatchKind::Json,
        &current,
        &json!([{"op": "add", "path": "/data/b", "value": "2"}]),
    )
    .unwrap();
    assert_eq!(added, json!({"data": {"a": "1", "b": "2"}}));
    let merged = apply(PatchKind::Merge, &current, &json!({"data": {"a": null}})).unwrap();
    assert_eq!(merged, json!({"data": {}}));
    let failed = apply(
        PatchKind::Json,
        &current,
        &json!([{"op": "test", "path": "/data/a", "value": "9"}]),
    );
    assert_eq!(failed.unwrap_err().http_code(), 422);
}

#[test]
fn server_side_apply_is_the_field_managers_and_other_media_are_unsupported() {
    assert_eq!(
        PatchKind::from_content_type("application/apply-patch+yaml; charset=utf-8").unwrap(),
        None
    );
    assert_eq!(
        PatchKind::from_content_type("application/merge-patch+json").unwrap(),
        Some(PatchKind::Merge)
    );
    let error = PatchKind::from_content_type("application/cbor").unwrap_err();
    assert_eq!(error.http_code(), 415);
}

#[test]
fn kubectl_apply_of_a_changed_image_keeps_the_rest_of_the_container() {
    let current = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "web", "image": "nginx:1", "ports": [{"containerPort": 80}], "env": [{"name": "A", "value": "1"}]},
        {"name": "sidecar", "image": "busybox"}
    ]}}}});
    let patch = json!({"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "web"}, {"name": "sidecar"}],
        "containers": [{"name": "web", "image": "nginx:2", "env": [{"name": "B", "value": "2"}]}]
    }}}});
    let patched = apply(PatchKind::StrategicMerge, &current, &patch).unwrap();
    assert_eq!(
        patched["spec"]["template"]["spec"]["containers"],
        json!([
            {"name": "web", "image": "nginx:2", "ports": [{"containerPort": 80}],
             "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
            {"name": "sidecar", "image": "busybox"}
        ])
    );
    let removal = json!({"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}});
    let removed = apply(PatchKind::StrategicMerge, &patched, &removal).unwrap();
    assert_eq!(
        removed["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn finalizers_merge_as_a_set_and_unkeyed_lists_are_replaced() {
    let current =
        json!({"metadata": {"finalizers": ["a"]}, "subjects": [{"kind": "User", "name": "x"}]});
    let patch = json!({"metadata": {"finalizers": ["b", "a"]}, "subjects": [{"kind": "User", "name": "y"}]});
    let patched = apply(PatchKind::StrategicMerge, &current, &patch).unwrap();
    assert_eq!(patched["metadata"]["finalizers"], json!(["a", "b"]));
    assert_eq!(patched["subjects"], json!([{"kind": "User", "name": "y"}]));
}
