use serde_json::json;

use super::*;

#[test]
fn events_are_shaped_as_client_go_records_them() {
    let deployment = json!({"metadata": {"name": "web", "namespace": "dev", "uid": "u-1",
                                         "resourceVersion": "42"}});
    let kind = kinds::find("apps", "v1", "deployments").unwrap();
    let made = event(
        "deployment-controller",
        kind,
        &deployment,
        (
            NORMAL,
            "ScalingReplicaSet",
            "Scaled up replica set web-abc from 0 to 2",
        ),
        1_764_900_000_123_456_789,
    );
    assert_eq!(made["metadata"]["name"], "web.187e2f3303720d15");
    assert_eq!(made["metadata"]["namespace"], "dev");
    assert_eq!(
        made["involvedObject"],
        json!({"kind": "Deployment", "namespace": "dev", "name": "web", "uid": "u-1",
               "apiVersion": "apps/v1", "resourceVersion": "42"})
    );
    assert_eq!(
        made["source"],
        json!({"component": "deployment-controller"})
    );
    assert_eq!(made["firstTimestamp"], made["lastTimestamp"]);
    assert_eq!(made["count"], 1);
    assert_eq!(made["type"], "Normal");
    let node = json!({"metadata": {"name": "n1", "uid": "u-2"}});
    let on_node = event("x", kinds::core::nodes(), &node, (NORMAL, "R", "m"), 1);
    assert_eq!(on_node["metadata"]["namespace"], "default");
    assert!(on_node["involvedObject"].get("namespace").is_none());
}
