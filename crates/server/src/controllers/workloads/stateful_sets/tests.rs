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

    server.make_pod_ready("default", "db-0").await;
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

/// The revision label of each pod in `default`, once `done` holds for them (or after 10 s).
async fn revisions_when(server: &TestServer, done: impl Fn(&[String]) -> bool) -> Vec<String> {
    let mut revisions = Vec::new();
    for _ in 0..200 {
        let list = server.admin("GET", PODS, None).await;
        let mut pods: Vec<(String, String)> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let name = p["metadata"]["name"].as_str().unwrap().to_string();
                let revision = p["metadata"]["labels"][REVISION_LABEL]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                (name, revision)
            })
            .collect();
        pods.sort();
        revisions = pods.into_iter().map(|(_, r)| r).collect();
        if done(&revisions) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    revisions
}

#[tokio::test]
async fn a_new_template_rolls_out_from_the_highest_ordinal_one_ready_pod_at_a_time() {
    let server = TestServer::start().await;
    server
        .admin("POST", SETS, Some(&set("db", 2, "Parallel")))
        .await;
    let old = revisions_when(&server, |r| r.len() == 2).await;
    assert_eq!(old[0], old[1]);
    server.make_pod_ready("default", "db-0").await;
    server.make_pod_ready("default", "db-1").await;

    let mut changed = server.admin("GET", &format!("{SETS}/db"), None).await;
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = json!("postgres:17");
    changed["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    server
        .admin("PUT", &format!("{SETS}/db"), Some(&changed))
        .await;
    // db-1 first; db-0 stays at the old revision while db-1 is not ready.
    let rolled = revisions_when(&server, |r| r.len() == 2 && r[1] != old[1]).await;
    assert_eq!(rolled[0], old[0]);
    assert_ne!(rolled[1], old[1]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(revisions_when(&server, |_| true).await[0], old[0]);
    let status = server.admin("GET", &format!("{SETS}/db"), None).await["status"].clone();
    assert_eq!(status["currentRevision"], old[0], "{status}");
    assert_eq!(status["updateRevision"], rolled[1], "{status}");
    assert_eq!(status["updatedReplicas"], 1, "{status}");

    server.make_pod_ready("default", "db-1").await;
    let done = revisions_when(&server, |r| r.len() == 2 && r[0] == rolled[1]).await;
    assert_eq!(done, [rolled[1].clone(), rolled[1].clone()]);
    server.make_pod_ready("default", "db-0").await;
    for _ in 0..200 {
        let status = server.admin("GET", &format!("{SETS}/db"), None).await["status"].clone();
        if status["currentRevision"] == status["updateRevision"] {
            assert_eq!(status["updateRevision"], rolled[1]);
            assert_eq!(status["currentReplicas"], 2);
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the rollout never completed");
}
