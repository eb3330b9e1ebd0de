use serde_json::json;
use time::macros::datetime;

use super::*;

#[test]
fn endpoints_show_three_addresses_then_how_many_more() {
    let now = datetime!(2026-11-22 10:00:00 UTC);
    let endpoints = json!({"metadata": {"name": "e"}, "subsets": [{
        "addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}],
        "ports": [{"port": 80}, {"port": 443}],
    }]});
    assert_eq!(
        endpoints_cells(&endpoints, now)[1],
        "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more..."
    );
    assert_eq!(endpoints_cells(&json!({}), now)[1], "<none>");
}

#[test]
fn quotas_split_requests_and_limits() {
    let now = datetime!(2026-11-22 10:00:00 UTC);
    let quota = json!({"metadata": {"name": "q"}, "status": {
        "hard": {"pods": "2", "limits.cpu": "1", "requests.memory": "1Gi"},
        "used": {"pods": "1"},
    }});
    let cells = quota_cells(&quota, now);
    assert_eq!(cells[2], "pods: 1/2, requests.memory: 0/1Gi");
    assert_eq!(cells[3], "limits.cpu: 0/1");
}

#[test]
fn access_modes_print_in_kubectls_order() {
    assert_eq!(
        objects_modes(Some(&json!(["ReadWriteMany", "ReadWriteOnce"]))),
        "RWO,RWX"
    );
}

#[test]
fn replication_controllers_select_their_template_labels_by_default() {
    let mut rc = json!({"metadata": {"name": "rc"}, "spec": {"template": {
        "metadata": {"labels": {"app": "a"}},
        "spec": {"containers": [{"name": "c", "image": "i"}]},
    }}});
    ControllerStrategy::defaults(&mut rc);
    assert_eq!(rc["spec"]["selector"], json!({"app": "a"}));
    assert_eq!(rc["metadata"]["labels"], json!({"app": "a"}));
    assert_eq!(rc["spec"]["replicas"], 1);
    assert!(ControllerStrategy.validate(&rc).is_empty());
}
