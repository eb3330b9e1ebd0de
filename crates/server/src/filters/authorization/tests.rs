use crate::test_support::{ADMIN, ALICE, TestServer};

#[tokio::test]
async fn a_denial_is_kubernetes_403_word_for_word() {
    let server = TestServer::start().await;
    let answer = server
        .request(
            "GET",
            "/api/v1/namespaces/default/secrets/x",
            Some(ALICE),
            None,
        )
        .await;
    assert_eq!(answer.code, 403);
    assert_eq!(
        answer.text(),
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"secrets \\\"x\\\" is forbidden: User \\\"alice\\\" cannot get resource \\\"secrets\\\" in API group \\\"\\\" in the namespace \\\"default\\\"\",\"reason\":\"Forbidden\",\"details\":{\"name\":\"x\",\"kind\":\"secrets\"},\"code\":403}\n"
    );
}

#[tokio::test]
async fn what_rbac_grants_and_system_masters_pass() {
    let server = TestServer::start().await;
    // system:masters is allowed before RBAC is asked; a missing object is then a 404.
    let admin = server
        .request(
            "GET",
            "/api/v1/namespaces/default/secrets/x",
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(admin.code, 404);
    // Discovery is granted to every authenticated user by the bootstrap policy.
    let discovery = server.request("GET", "/api", Some(ALICE), None).await;
    assert_eq!(discovery.code, 200);
}
