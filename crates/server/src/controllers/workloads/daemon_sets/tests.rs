use std::time::Duration;

use serde_json::{Value, json};

use super::*;
use crate::test_support::TestServer;

const PODS: &str = "/api/v1/namespaces/default/pods";

/// The pods in `default` once there are `count` (or after 10 s).
async fn pods(server: &TestServer, count: usize) -> Vec<Value> {
    let mut items = Vec::new();
    for _ in 0..200 {
        items = server.admin("GET", PODS, None).await["items"]
            .as_array()
            .unwrap()
            .clone();
        if items.len() == count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    items
}

fn node(name: &str, labels: Value) -> Value {
    json!({"metadata": {"name": name, "labels": labels}})
}

#[tokio::test]
async fn one_pod_is_pinned_to_every_selected_node() {
    let server = TestServer::start().await;
    for (name, labels) in [
        ("ssd-1", json!({"disk": "ssd"})),
        ("ssd-2", json!({"disk": "ssd"})),
        ("hdd-1", json!({"disk": "hdd"})),
    ] {
        server
            .admin("POST", "/api/v1/nodes", Some(&node(name, labels)))
            .await;
    }
    let set = json!({
        "metadata": {"name": "agent"},
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {"metadata": {"labels": {"app": "agent"}},
                         "spec": {"nodeSelector": {"disk": "ssd"},
                                  "containers": [{"name": "c", "image": "fluentd"}]}},
        },
    });
    server
        .admin(
            "POST",
            "/apis/apps/v1/namespaces/default/daemonsets",
            Some(&set),
        )
        .await;
    let placed = pods(&server, 2).await;
    let mut nodes: Vec<String> = placed.iter().filter_map(node_of).collect();
    nodes.sort();
    assert_eq!(nodes, ["ssd-1", "ssd-2"]);
    let pod = &placed[0];
    assert!(objects::name(pod).starts_with("agent-"));
    assert_eq!(pod["metadata"]["labels"]["pod-template-generation"], "1");
    assert!(
        pod["spec"]["tolerations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["key"] == "node.kubernetes.io/unschedulable"),
        "{pod}"
    );

    // A node labelled later gets its pod too.
    let mut relabelled = server.admin("GET", "/api/v1/nodes/hdd-1", None).await;
    relabelled["metadata"]["labels"]["disk"] = json!("ssd");
    // Unconditional: the controller writes the status meanwhile.
    relabelled["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    server
        .admin("PUT", "/api/v1/nodes/hdd-1", Some(&relabelled))
        .await;
    assert_eq!(pods(&server, 3).await.len(), 3);
    let status = server
        .admin(
            "GET",
            "/apis/apps/v1/namespaces/default/daemonsets/agent",
            None,
        )
        .await["status"]
        .clone();
    assert_eq!(status["desiredNumberScheduled"], 3, "{status}");
    assert_eq!(status["currentNumberScheduled"], 3, "{status}");
}

#[test]
fn taints_keep_pods_away_unless_tolerated() {
    let taint = json!({"key": "dedicated", "value": "gpu", "effect": "NoSchedule"});
    let node = json!({"metadata": {"name": "n"}, "spec": {"taints": [taint]}});
    let template = json!({"spec": {}});
    assert!(!belongs_on(&template, &node, &daemon_tolerations(false)));
    let toleration = json!({"key": "dedicated", "operator": "Equal", "value": "gpu"});
    assert!(belongs_on(&template, &node, &[toleration]));
    assert!(!tolerates(
        &json!({"key": "dedicated", "value": "cpu"}),
        &taint
    ));
}
