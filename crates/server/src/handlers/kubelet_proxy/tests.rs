use serde_json::{Value, json};

use crate::test_support::{ADMIN, TestServer};

const PODS: &str = "/api/v1/namespaces/default/pods";

fn pod(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
           "spec": {"containers": [{"name": "app", "image": "busybox"}]}})
}

#[tokio::test]
async fn a_pod_without_a_node_has_empty_logs_and_nothing_to_exec_in() {
    let server = TestServer::start().await;
    server.admin("POST", PODS, Some(&pod("web"))).await;
    let logs = server
        .request("GET", &format!("{PODS}/web/log"), Some(ADMIN), None)
        .await;
    assert_eq!((logs.code, logs.text().as_str()), (200, ""));
    let exec = server
        .request(
            "POST",
            &format!("{PODS}/web/exec?command=true&stdout=true"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(exec.code, 400, "{}", exec.text());
    assert_eq!(
        exec.json()["message"],
        "pod web does not have a host assigned"
    );
    let wrong = server
        .request(
            "GET",
            &format!("{PODS}/web/log?container=side"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(
        wrong.json()["message"],
        "container side is not valid for pod web"
    );
    let missing = server
        .request("GET", &format!("{PODS}/nope/log"), Some(ADMIN), None)
        .await;
    assert_eq!(missing.json()["message"], "pods \"nope\" not found");
    let put = server
        .request("PUT", &format!("{PODS}/web/exec"), Some(ADMIN), None)
        .await;
    assert_eq!(put.code, 405, "{}", put.text());
}

#[tokio::test]
async fn without_a_kubelet_client_the_api_server_says_so() {
    let server = TestServer::start().await;
    server.admin("POST", PODS, Some(&pod("web"))).await;
    server
        .admin(
            "POST",
            &format!("{PODS}/web/binding"),
            Some(&json!({"metadata": {"name": "web"}, "target": {"name": "lab"}})),
        )
        .await;
    let no_node = server
        .request("GET", &format!("{PODS}/web/log"), Some(ADMIN), None)
        .await;
    assert_eq!(no_node.code, 404, "{}", no_node.text());
    assert_eq!(no_node.json()["message"], "nodes \"lab\" not found");
    server
        .admin(
            "POST",
            "/api/v1/nodes",
            Some(&json!({"metadata": {"name": "lab"}, "status": {
                "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
                "daemonEndpoints": {"kubeletEndpoint": {"Port": 1}}}})),
        )
        .await;
    let logs = server
        .request("GET", &format!("{PODS}/web/log"), Some(ADMIN), None)
        .await;
    assert_eq!(logs.code, 500, "{}", logs.text());
    assert_eq!(
        logs.json()["message"],
        "error dialing backend: the API server has no kubelet client certificate (--kubelet-client-certificate)"
    );
}
