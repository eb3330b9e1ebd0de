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

/// The `(node, revision, ready)` of each pod in `default` once `done` holds (or after 10 s).
async fn placements_when(
    server: &TestServer,
    done: impl Fn(&[(String, String, bool)]) -> bool,
) -> Vec<(String, String, bool)> {
    let mut placed = Vec::new();
    for _ in 0..200 {
        let items = server.admin("GET", PODS, None).await["items"]
            .as_array()
            .unwrap()
            .clone();
        placed = items
            .iter()
            .map(|p| {
                let revision = p["metadata"]["labels"]["controller-revision-hash"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                (node_of(p).unwrap_or_default(), revision, ready(p))
            })
            .collect();
        placed.sort();
        if done(&placed) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    placed
}

/// Marks every pod of `default` on `node` Running and Ready.
async fn make_ready_on(server: &TestServer, node: &str) {
    let items = server.admin("GET", PODS, None).await["items"]
        .as_array()
        .unwrap()
        .clone();
    for pod in items.iter().filter(|p| node_of(p).as_deref() == Some(node)) {
        server.make_pod_ready("default", objects::name(pod)).await;
    }
}

#[tokio::test]
async fn a_new_template_replaces_one_available_pod_at_a_time() {
    let server = TestServer::start().await;
    for name in ["n1", "n2"] {
        server
            .admin("POST", "/api/v1/nodes", Some(&node(name, json!({}))))
            .await;
    }
    const SETS: &str = "/apis/apps/v1/namespaces/default/daemonsets";
    let set = json!({
        "metadata": {"name": "agent"},
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {"metadata": {"labels": {"app": "agent"}},
                         "spec": {"containers": [{"name": "c", "image": "fluentd"}]}},
        },
    });
    server.admin("POST", SETS, Some(&set)).await;
    let first = placements_when(&server, |p| p.len() == 2).await;
    let old = first[0].1.clone();
    make_ready_on(&server, "n1").await;
    make_ready_on(&server, "n2").await;
    placements_when(&server, |p| p.iter().all(|(_, _, ready)| *ready)).await;

    let mut changed = server.admin("GET", &format!("{SETS}/agent"), None).await;
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = json!("fluentd:2");
    changed["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    server
        .admin("PUT", &format!("{SETS}/agent"), Some(&changed))
        .await;
    // One node at a time: its new pod is not ready, so the other keeps its old one.
    let rolled = placements_when(&server, |p| {
        p.len() == 2 && p.iter().any(|(_, r, _)| *r != old)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let still = placements_when(&server, |_| true).await;
    assert_eq!(still, rolled);
    assert_eq!(
        still.iter().filter(|(_, r, _)| *r == old).count(),
        1,
        "{still:?}"
    );
    let (updated_node, new, _) = still.iter().find(|(_, r, _)| *r != old).unwrap().clone();
    make_ready_on(&server, &updated_node).await;
    let done = placements_when(&server, |p| {
        p.len() == 2 && p.iter().all(|(_, r, _)| *r == new)
    })
    .await;
    assert_eq!(done.len(), 2, "{done:?}");
    assert!(done.iter().all(|(_, r, _)| *r == new), "{done:?}");
}
