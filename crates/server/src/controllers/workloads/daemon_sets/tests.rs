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

/// Marks every pod of `default` on `node` that is not ready yet Running and Ready (a ready one
/// may be deleted meanwhile: a surge deletes the old pod once the new one is ready).
async fn make_ready_on(server: &TestServer, node: &str) {
    let items = server.admin("GET", PODS, None).await["items"]
        .as_array()
        .unwrap()
        .clone();
    for pod in items
        .iter()
        .filter(|p| node_of(p).as_deref() == Some(node) && !ready(p))
    {
        server.make_pod_ready("default", objects::name(pod)).await;
    }
}

/// A server with nodes `n1` and `n2` and the DaemonSet `agent` of `strategy` (`{}`: the
/// default) rolled out and ready on both, whose template has just been changed; the old
/// revision.
async fn rolled_out_then_changed(strategy: Value) -> (TestServer, String) {
    let server = TestServer::start().await;
    for name in ["n1", "n2"] {
        server
            .admin("POST", "/api/v1/nodes", Some(&node(name, json!({}))))
            .await;
    }
    const SETS: &str = "/apis/apps/v1/namespaces/default/daemonsets";
    let mut set = json!({
        "metadata": {"name": "agent"},
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {"metadata": {"labels": {"app": "agent"}},
                         "spec": {"containers": [{"name": "c", "image": "fluentd"}]}},
        },
    });
    if strategy != json!({}) {
        set["spec"]["updateStrategy"] = strategy;
    }
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
    (server, old)
}

#[tokio::test]
async fn a_new_template_replaces_one_available_pod_at_a_time() {
    let (server, old) = rolled_out_then_changed(json!({})).await;
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

#[tokio::test]
async fn with_surge_a_new_pod_starts_beside_the_old_one_which_goes_once_it_is_ready() {
    let (server, old) = rolled_out_then_changed(json!({"type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}))
    .await;
    // One node gets its new pod beside the old one, which stays until the new one is ready.
    let surged = placements_when(&server, |p| p.len() == 3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let still = placements_when(&server, |_| true).await;
    assert_eq!(still, surged);
    assert_eq!(still.len(), 3, "{still:?}");
    let (surged_node, new, _) = still.iter().find(|(_, r, _)| *r != old).unwrap().clone();
    assert_eq!(
        still.iter().filter(|(n, _, _)| *n == surged_node).count(),
        2,
        "the old pod stays beside the new one: {still:?}"
    );
    assert!(still.iter().all(|(_, r, ready)| *r == new || *ready));

    make_ready_on(&server, &surged_node).await;
    let other = if surged_node == "n1" { "n2" } else { "n1" };
    // The old pod goes, and the other node surges next.
    let next = placements_when(&server, |p| {
        p.len() == 3 && p.iter().filter(|(n, r, _)| n == other && *r == new).count() == 1
    })
    .await;
    assert_eq!(
        next.iter().filter(|(n, _, _)| *n == surged_node).count(),
        1,
        "{next:?}"
    );
    make_ready_on(&server, other).await;
    let done = placements_when(&server, |p| {
        p.len() == 2 && p.iter().all(|(_, r, _)| *r == new)
    })
    .await;
    assert_eq!(done.len(), 2, "{done:?}");
    assert!(done.iter().all(|(_, r, _)| *r == new), "{done:?}");
}
