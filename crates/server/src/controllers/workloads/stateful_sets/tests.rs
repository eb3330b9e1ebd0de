use std::time::Duration;

use serde_json::{Value, json};

use super::*;
use crate::test_support::TestServer;

const SETS: &str = "/apis/apps/v1/namespaces/default/statefulsets";
const PODS: &str = "/api/v1/namespaces/default/pods";

/// The names of the pods in `default`, once `done` holds for them (or after 10 s).
async fn pods_when(server: &TestServer, done: impl Fn(&[String]) -> bool) -> Vec<String> {
    let mut names = Vec::new();
    for _ in 0..200 {
        let list = server.admin("GET", PODS, None).await;
        names = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        if done(&names) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    names
}

fn set(name: &str, replicas: i64, policy: &str) -> Value {
    json!({
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "serviceName": "db",
            "podManagementPolicy": policy,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                         "spec": {"containers": [{"name": "c", "image": "postgres"}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"],
                         "resources": {"requests": {"storage": "1Gi"}}}}],
        },
    })
}

#[tokio::test]
async fn ordered_ready_makes_the_next_pod_only_once_the_previous_one_is_ready() {
    let server = TestServer::start().await;
    server
        .admin("POST", SETS, Some(&set("db", 2, "OrderedReady")))
        .await;
    let names = pods_when(&server, |n| !n.is_empty()).await;
    assert_eq!(names, ["db-0"]);
    let pod = server.admin("GET", &format!("{PODS}/db-0"), None).await;
    assert_eq!(pod["spec"]["hostname"], "db-0");
    assert_eq!(pod["spec"]["subdomain"], "db");
    assert_eq!(pod["metadata"]["labels"][POD_NAME_LABEL], "db-0");
    assert_eq!(pod["metadata"]["labels"][POD_INDEX_LABEL], "0");
    assert_eq!(
        pod["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
        "data-db-0"
    );
    server
        .admin(
            "GET",
            "/api/v1/namespaces/default/persistentvolumeclaims/data-db-0",
            None,
        )
        .await;
    // Still one pod a moment later: db-0 is not ready.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(pods_when(&server, |_| true).await, ["db-0"]);

    let mut running = pod.clone();
    running["status"] = json!({"phase": "Running",
                               "conditions": [{"type": "Ready", "status": "True"}]});
    // Unconditional: the controller writes the status meanwhile.
    running["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    server
        .admin("PUT", &format!("{PODS}/db-0/status"), Some(&running))
        .await;
    assert_eq!(pods_when(&server, |n| n.len() == 2).await, ["db-0", "db-1"]);
    let status = server.admin("GET", &format!("{SETS}/db"), None).await["status"].clone();
    assert_eq!(status["replicas"], 2, "{status}");
    assert_eq!(status["currentRevision"], status["updateRevision"]);
}

#[tokio::test]
async fn parallel_makes_and_removes_every_pod_at_once() {
    let server = TestServer::start().await;
    server
        .admin("POST", SETS, Some(&set("web", 3, "Parallel")))
        .await;
    assert_eq!(
        pods_when(&server, |n| n.len() == 3).await,
        ["web-0", "web-1", "web-2"]
    );
    let mut scaled = server.admin("GET", &format!("{SETS}/web"), None).await;
    scaled["spec"]["replicas"] = json!(1);
    scaled["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    server
        .admin("PUT", &format!("{SETS}/web"), Some(&scaled))
        .await;
    assert_eq!(pods_when(&server, |n| n.len() == 1).await, ["web-0"]);
}

#[test]
fn ordinals_are_read_from_the_set_s_own_names_only() {
    assert_eq!(
        ordinal("db", &json!({"metadata": {"name": "db-12"}})),
        Some(12)
    );
    assert_eq!(ordinal("db", &json!({"metadata": {"name": "dbx-1"}})), None);
    assert_eq!(ordinal("db", &json!({"metadata": {"name": "db-a"}})), None);
}
