use serde_json::json;
use time::macros::datetime;

use super::*;

#[test]
fn events_print_as_kubectl_prints_them() {
    let now = datetime!(2026-11-22 10:00:00 UTC);
    let event = json!({
        "metadata": {"name": "web.1"},
        "involvedObject": {"kind": "Pod", "name": "web", "fieldPath": "spec.containers{c}"},
        "reason": "Pulled", "type": "Normal", "message": "pulled \n",
        "source": {"component": "kubelet", "host": "node-1"},
        "firstTimestamp": "2026-11-22T09:58:00Z", "lastTimestamp": "2026-11-22T09:59:00Z",
        "count": 2,
    });
    assert_eq!(
        core_event_cells(&event, now),
        [
            json!("60s"),
            json!("Normal"),
            json!("Pulled"),
            json!("pod/web"),
            json!("spec.containers{c}"),
            json!("kubelet, node-1"),
            json!("pulled"),
            json!("2m"),
            json!(2),
            json!("web.1")
        ]
    );
    let newer = json!({"metadata": {"name": "e"}, "regarding": {"kind": "Node"},
                       "eventTime": "2026-11-22T09:59:30.000000Z", "note": "n",
                       "reportingController": "kubeward"});
    let cells = new_event_cells(&newer, now);
    assert_eq!(cells[0], "30s");
    assert_eq!(cells[3], "node");
    assert_eq!(cells[5], "kubeward");
    assert_eq!(cells[8], 1);
}
