use serde_json::json;
use time::macros::datetime;

use super::*;

#[test]
fn a_node_row_has_kubectl_s_status_roles_and_wide_columns() {
    let node = json!({
        "metadata": {"name": "lab", "labels": {
            "node-role.kubernetes.io/control-plane": "",
            "kubernetes.io/role": "worker",
            "node-role.kubernetes.io/": "x",
        }},
        "spec": {"unschedulable": true},
        "status": {
            "conditions": [{"type": "Ready", "status": "True"}],
            "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}, {"type": "Hostname", "address": "lab"}],
            "nodeInfo": {"kubeletVersion": "v1.33.0", "osImage": "Debian", "kernelVersion": "6.1", "containerRuntimeVersion": "kubeward-lab://1"},
        },
    });
    let row = cells(&node, datetime!(2026-11-22 10:00:00 UTC));
    assert_eq!(row.len(), COLUMNS.len());
    assert_eq!(
        row[1..3],
        [
            json!("Ready,SchedulingDisabled"),
            json!("control-plane,worker")
        ]
    );
    assert_eq!(
        row[4..],
        [
            json!("v1.33.0"),
            json!("127.0.0.1"),
            json!("<none>"),
            json!("Debian"),
            json!("6.1"),
            json!("kubeward-lab://1")
        ]
    );
    let bare = cells(
        &json!({"metadata": {"name": "n"}}),
        datetime!(2026-11-22 10:00:00 UTC),
    );
    assert_eq!(bare[1..3], [json!("Unknown"), json!("<none>")]);
    assert_eq!(bare[7], json!("<unknown>"));
}
