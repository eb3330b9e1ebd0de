use serde_json::{Value, json};

use crate::test_support::{ADMIN, TestServer};
use kubeward_store::StoreOptions;

fn events(body: &str) -> Vec<(String, String)> {
    body.lines()
        .map(|line| {
            let event: Value = serde_json::from_str(line).unwrap();
            (
                event["type"].as_str().unwrap().to_string(),
                event["object"]["metadata"]["name"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect()
}

fn config_map(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}})
}

#[tokio::test]
async fn a_watch_resumes_after_a_resource_version() {
    let server = TestServer::start().await;
    let path = "/api/v1/namespaces/default/configmaps";
    let first = server.admin("POST", path, Some(&config_map("one"))).await;
    let since = first["metadata"]["resourceVersion"].as_str().unwrap().to_string();
    server.admin("POST", path, Some(&config_map("two"))).await;
    server.admin("DELETE", &format!("{path}/one"), None).await;
    let answer = server
        .request(
            "GET",
            &format!("{path}?watch=true&resourceVersion={since}&timeoutSeconds=1"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(answer.code, 200);
    assert_eq!(
        events(&answer.text()),
        [
            ("ADDED".to_string(), "two".to_string()),
            ("DELETED".to_string(), "one".to_string())
        ]
    );
}

#[tokio::test]
async fn a_watch_from_now_starts_with_the_current_objects() {
    let server = TestServer::start().await;
    let answer = server
        .request(
            "GET",
            "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1",
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(
        events(&answer.text()),
        [("ADDED".to_string(), "kube-root-ca.crt".to_string())]
    );
}

#[tokio::test]
async fn a_compacted_resource_version_is_410_gone() {
    let server = TestServer::start_with(StoreOptions {
        event_log_length: 3,
        ..StoreOptions::default()
    })
    .await;
    let path = "/api/v1/namespaces/default/configmaps";
    for name in ["a", "b", "c", "d", "e"] {
        server.admin("POST", path, Some(&config_map(name))).await;
    }
    let answer = server
        .request("GET", &format!("{path}?watch=true&resourceVersion=2"), Some(ADMIN), None)
        .await;
    assert_eq!(answer.code, 410);
    let body = answer.json();
    assert_eq!(body["reason"], "Expired");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("too old resource version: 2 ("),
        "{body}"
    );
}
