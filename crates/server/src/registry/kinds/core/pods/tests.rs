use serde_json::json;
use time::macros::datetime;

use super::*;

#[test]
fn a_running_pod_on_a_node_gets_its_grace_period() {
    let pod = json!({"spec": {"nodeName": "lab", "terminationGracePeriodSeconds": 5}, "status": {"phase": "Running"}});
    assert_eq!(grace_period(&pod, None), 5);
    assert_eq!(grace_period(&pod, Some(1)), 1);
    assert_eq!(grace_period(&pod, Some(0)), 0);
    assert_eq!(grace_period(&pod, Some(-3)), 0);
    let defaulted = json!({"spec": {"nodeName": "lab"}});
    assert_eq!(grace_period(&defaulted, None), 30);
    assert_eq!(PodStrategy.grace_period(&defaulted, Some(7)), 7);
}

#[test]
fn pods_on_no_node_or_finished_go_at_once() {
    assert_eq!(grace_period(&json!({"spec": {}}), Some(30)), 0);
    let done = json!({"spec": {"nodeName": "lab"}, "status": {"phase": "Succeeded"}});
    assert_eq!(grace_period(&done, None), 0);
}

fn binding(name: &str, node: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name}, "target": {"kind": "Node", "name": node}})
}

#[test]
fn a_binding_names_the_pod_of_the_url_and_a_node() {
    assert_eq!(
        binding_target(&binding("web", "lab"), "web"),
        Ok("lab".to_string())
    );
    assert_eq!(
        binding_target(&binding("web", "lab"), "db")
            .unwrap_err()
            .message,
        "name in URL does not match name in Binding object"
    );
    let invalid = binding_target(
        &json!({"metadata": {"name": "web"}, "target": {"kind": "Pod"}}),
        "web",
    )
    .unwrap_err();
    assert_eq!(invalid.code, 422);
    assert_eq!(
        invalid.message,
        "Binding \"web\" is invalid: [target.kind: Unsupported value: \"Pod\": supported values: \"Node\", \"<empty>\", target.name: Required value]"
    );
}

#[test]
fn a_binding_places_the_pod_once() {
    let now = datetime!(2026-11-22 10:00:00 UTC);
    let pod = json!({
        "metadata": {"name": "web", "uid": "u1"},
        "spec": {"containers": [{"name": "app"}]},
        "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False"}]},
    });
    let mut request = binding("web", "lab");
    request["metadata"]["annotations"] = json!({"scheduled-by": "lab"});
    let placed = assign(pod.clone(), &request, "lab", now).expect("placed");
    assert_eq!(placed["spec"]["nodeName"], "lab");
    assert_eq!(placed["metadata"]["annotations"]["scheduled-by"], "lab");
    assert_eq!(
        placed["status"]["conditions"],
        json!([{"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-11-22T10:00:00Z"}])
    );
    let again = assign(placed, &request, "lab", now).unwrap_err();
    assert_eq!(again.code, 409);
    assert_eq!(
        again.message,
        "Operation cannot be fulfilled on pods/binding \"web\": pod web is already assigned to node \"lab\""
    );
    let mut other = request.clone();
    other["metadata"]["uid"] = json!("u2");
    assert_eq!(
        assign(pod.clone(), &other, "lab", now).unwrap_err().message,
        "Operation cannot be fulfilled on pods \"web\": Precondition failed: UID in precondition: u2, UID in object meta: u1"
    );
    let mut deleting = pod;
    deleting["metadata"]["deletionTimestamp"] = json!("2026-11-22T10:00:00Z");
    assert_eq!(
        assign(deleting, &request, "lab", now).unwrap_err().message,
        "Operation cannot be fulfilled on pods/binding \"web\": pod web is being deleted, cannot be assigned to a host"
    );
}

fn cells_of(pod: &Value) -> Vec<Value> {
    cells(pod, datetime!(2026-11-22 10:00:00 UTC))
}

#[test]
fn a_pod_row_reads_its_container_statuses_as_kubectl_does() {
    let pending = json!({"metadata": {"name": "web"}, "spec": {"containers": [{"name": "a"}]}});
    assert_eq!(
        cells_of(&pending)[1..4],
        [json!("0/1"), json!("Pending"), json!("0")]
    );
    let running = json!({
        "metadata": {"name": "web"},
        "spec": {"containers": [{"name": "a"}, {"name": "b"}], "nodeName": "lab"},
        "status": {"phase": "Running", "podIPs": [{"ip": "127.0.0.1"}], "containerStatuses": [
            {"name": "a", "ready": true, "restartCount": 2, "state": {"running": {}},
             "lastState": {"terminated": {"finishedAt": "2026-11-22T09:58:30Z"}}},
            {"name": "b", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
        ]},
    });
    let row = cells_of(&running);
    assert_eq!(
        row[1..4],
        [
            json!("1/2"),
            json!("CrashLoopBackOff"),
            json!("2 (90s ago)")
        ]
    );
    assert_eq!(row[5..7], [json!("127.0.0.1"), json!("lab")]);
    let failed = json!({
        "metadata": {"name": "web"},
        "spec": {"containers": [{"name": "a"}]},
        "status": {"phase": "Failed", "containerStatuses": [
            {"name": "a", "state": {"terminated": {"exitCode": 3}}}]},
    });
    assert_eq!(cells_of(&failed)[2], json!("ExitCode:3"));
    let mut terminating = running.clone();
    terminating["metadata"]["deletionTimestamp"] = json!("2026-11-22T10:00:30Z");
    terminating["status"]["containerStatuses"][1]["state"] = json!({"running": {}});
    terminating["status"]["containerStatuses"][1]["ready"] = json!(true);
    assert_eq!(cells_of(&terminating)[2], json!("Terminating"));
}
