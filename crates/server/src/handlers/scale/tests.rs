use serde_json::json;

use super::*;

#[test]
fn a_deployment_scale_carries_its_replicas_and_selector() {
    let deployment = json!({
        "metadata": {"name": "web", "namespace": "dev", "uid": "u", "resourceVersion": "7",
                     "labels": {"app": "web"}},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web", "tier": "fe"}}},
        "status": {"replicas": 2},
    });
    let scale = built_in_scale(&deployment);
    assert_eq!(scale["kind"], "Scale");
    assert_eq!(scale["metadata"]["resourceVersion"], "7");
    assert!(scale["metadata"].get("labels").is_none());
    assert_eq!(scale["spec"]["replicas"], 3);
    assert_eq!(
        scale["status"],
        json!({"replicas": 2, "selector": "app=web,tier=fe"})
    );
}

#[test]
fn a_replication_controller_selects_with_a_label_map() {
    let rc = json!({"metadata": {"name": "rc"}, "spec": {"replicas": 0, "selector": {"app": "a"}}});
    let scale = built_in_scale(&rc);
    assert_eq!(scale["spec"], json!({}));
    assert_eq!(scale["status"], json!({"replicas": 0, "selector": "app=a"}));
}

#[test]
fn negative_replicas_are_invalid() {
    let failure = replicas(&json!({"spec": {"replicas": -1}}), "web").unwrap_err();
    assert_eq!(failure.code, 422);
    assert!(failure.message.contains("spec.replicas: Invalid value: -1"));
}

#[test]
fn a_custom_resource_scale_reads_its_definition_s_paths() {
    let paths = ScalePaths::of(&json!({
        "specReplicasPath": ".spec.size",
        "statusReplicasPath": ".status.ready.count",
        "labelSelectorPath": ".status.selector",
    }));
    assert_eq!(paths.spec_replicas, ["spec", "size"]);
    let object = json!({"metadata": {"name": "c"}, "spec": {"size": 4},
                        "status": {"ready": {"count": 2}, "selector": "app=c"}});
    let scale = custom_scale(&object, &paths);
    assert_eq!(scale["spec"], json!({"replicas": 4}));
    assert_eq!(scale["status"], json!({"replicas": 2, "selector": "app=c"}));
    let empty = custom_scale(&json!({"metadata": {"name": "c"}}), &paths);
    assert_eq!(empty["status"], json!({"replicas": 0}));

    let mut written = json!({"spec": {}});
    set_at(&mut written, &["spec".into(), "size".into()], json!(5));
    assert_eq!(written, json!({"spec": {"size": 5}}));
}
