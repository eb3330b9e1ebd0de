use serde_json::json;

use crate::test_support::{ADMIN, TestServer};

const SECRETS: &str = "/api/v1/namespaces/default/secrets";

#[tokio::test]
async fn string_data_becomes_data_and_the_type_defaults_to_opaque() {
    let server = TestServer::start().await;
    let created = server
        .admin(
            "POST",
            SECRETS,
            Some(
                &json!({"metadata": {"name": "s"}, "data": {"a": "YQ==", "b": "Yg=="},
                         "stringData": {"b": "hello"}}),
            ),
        )
        .await;
    assert_eq!(created["type"], "Opaque");
    assert_eq!(created["data"], json!({"a": "YQ==", "b": "aGVsbG8="}));
    assert!(created.get("stringData").is_none(), "{created}");
    let read = server.admin("GET", &format!("{SECRETS}/s"), None).await;
    assert_eq!(read["data"], created["data"]);
    assert!(read.get("stringData").is_none());
}

#[tokio::test]
async fn the_type_is_immutable_and_so_is_the_data_of_an_immutable_secret() {
    let server = TestServer::start().await;
    server
        .admin(
            "POST",
            SECRETS,
            Some(&json!({"metadata": {"name": "s"}, "immutable": true, "stringData": {"a": "1"}})),
        )
        .await;
    let answer = server
        .request(
            "PUT",
            &format!("{SECRETS}/s"),
            Some(ADMIN),
            Some(
                &json!({"metadata": {"name": "s"}, "type": "kubernetes.io/tls",
                         "stringData": {"a": "2"}}),
            ),
        )
        .await;
    assert_eq!(answer.code, 422, "{}", answer.text());
    assert_eq!(
        answer.json()["message"],
        "Secret \"s\" is invalid: [type: Invalid value: \"kubernetes.io/tls\": field is immutable, \
         immutable: Forbidden: field is immutable when `immutable` is set, data: Forbidden: field \
         is immutable when `immutable` is set, data[tls.crt]: Required value, data[tls.key]: \
         Required value]"
    );
}
