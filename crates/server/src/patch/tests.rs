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
fn server_side_apply_is_unsupported_media() {
    let error = PatchKind::from_content_type("application/apply-patch+yaml").unwrap_err();
    assert_eq!(error.http_code(), 415);
}
