use serde_json::{Value, json};

use crate::test_support::{ALICE, TestServer};

const PODS: &str = "/api/v1/namespaces/default/pods";

fn pod(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
           "spec": {"containers": [{"name": "app", "image": "busybox"}]}})
}

fn binding(name: &str, node: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name},
           "target": {"apiVersion": "v1", "kind": "Node", "name": node}})
}

#[tokio::test]
async fn a_binding_places_a_pod_once_as_kube_scheduler_expects() {
    let server = TestServer::start().await;
    server.admin("POST", PODS, Some(&pod("web"))).await;
    let path = format!("{PODS}/web/binding");
    let bound = server
        .admin("POST", &path, Some(&binding("web", "lab")))
        .await;
    assert_eq!(
        bound,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201})
    );
    let placed = server.admin("GET", &format!("{PODS}/web"), None).await;
    assert_eq!(placed["spec"]["nodeName"], "lab");
    assert_eq!(placed["status"]["conditions"][0]["type"], "PodScheduled");
    let again = server
        .request(
            "POST",
            &path,
            Some(crate::test_support::ADMIN),
            Some(&binding("web", "other")),
        )
        .await;
    assert_eq!(again.code, 409, "{}", again.text());
    assert_eq!(
        again.json()["message"],
        "Operation cannot be fulfilled on pods/binding \"web\": pod web is already assigned to node \"lab\""
    );
    // Placing pods takes `create` on `pods/binding`, which a plain user does not have.
    let denied = server
        .request("POST", &path, Some(ALICE), Some(&binding("web", "lab")))
        .await;
    assert_eq!(denied.code, 403, "{}", denied.text());
    let missing = server
        .request(
            "POST",
            &format!("{PODS}/nope/binding"),
            Some(crate::test_support::ADMIN),
            Some(&binding("nope", "lab")),
        )
        .await;
    assert_eq!(missing.code, 404);
    assert_eq!(missing.json()["message"], "pods \"nope\" not found");
    let read = server
        .request("GET", &path, Some(crate::test_support::ADMIN), None)
        .await;
    assert_eq!(read.code, 405, "{}", read.text());
}
