use bytes::Bytes;
use serde_json::json;

use crate::test_support::{ADMIN, ALICE, TestServer};

async fn whoami(
    server: &TestServer,
    token: &str,
    headers: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let mut request = http::Request::builder()
        .method("POST")
        .uri("/apis/authentication.k8s.io/v1/selfsubjectreviews")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = Bytes::from_static(
        br#"{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}"#,
    );
    let answer = server.send(request, body).await;
    (answer.code, answer.json())
}

#[tokio::test]
async fn an_allowed_impersonation_runs_as_the_impersonated_user() {
    let server = TestServer::start().await;
    let (code, body) = whoami(
        &server,
        ADMIN,
        &[
            ("impersonate-user", "system:serviceaccount:dev:builder"),
            ("impersonate-extra-reason%2fwhy", "audit"),
        ],
    )
    .await;
    assert_eq!(code, 201, "{body}");
    assert_eq!(
        body["status"]["userInfo"],
        json!({
            "username": "system:serviceaccount:dev:builder",
            "groups": ["system:serviceaccounts", "system:serviceaccounts:dev", "system:authenticated"],
            "extra": {"reason/why": ["audit"]}
        })
    );
}

#[tokio::test]
async fn impersonation_without_the_permission_is_refused_in_kubernetes_words() {
    let server = TestServer::start().await;
    let (code, body) = whoami(&server, ALICE, &[("impersonate-user", "bob")]).await;
    assert_eq!(code, 403);
    assert_eq!(
        body["message"],
        "users \"bob\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"
    );
    let (code, body) = whoami(
        &server,
        ALICE,
        &[("impersonate-user", "system:serviceaccount:dev:builder")],
    )
    .await;
    assert_eq!(code, 403);
    assert_eq!(
        body["message"],
        "serviceaccounts \"builder\" is forbidden: User \"alice\" cannot impersonate resource \"serviceaccounts\" in API group \"\" in the namespace \"dev\""
    );
}

#[tokio::test]
async fn groups_without_a_user_are_a_bad_request() {
    let server = TestServer::start().await;
    let (code, body) = whoami(&server, ADMIN, &[("impersonate-group", "team")]).await;
    assert_eq!(code, 400);
    assert_eq!(
        body["message"],
        "requested impersonation of groups, uid or extras without impersonating a user"
    );
}
