use super::*;
use crate::test_support::{ADMIN, ALICE, TestServer};

#[tokio::test]
async fn past_the_budget_a_request_gets_429_and_retry_after() {
    let server = TestServer::start().await;
    let reads = server.state.inflight.reads.clone().unwrap();
    let taken = reads
        .clone()
        .acquire_many_owned(reads.available_permits() as u32)
        .await
        .unwrap();
    let refused = server
        .request(
            "GET",
            "/api/v1/namespaces/default/configmaps",
            Some(ALICE),
            None,
        )
        .await;
    assert_eq!(refused.code, 429);
    assert_eq!(
        refused.text(),
        "Too many requests, please try again later.\n"
    );
    assert_eq!(refused.headers.get("retry-after").unwrap(), "1");
    // system:masters is always answered; watches are not counted.
    let admin = server
        .request("GET", "/api/v1/namespaces", Some(ADMIN), None)
        .await;
    assert_eq!(admin.code, 200);
    let watch = server
        .request(
            "GET",
            "/api/v1/namespaces?watch=true&timeoutSeconds=1",
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(watch.code, 200);
    // Writes have their own budget.
    let write = server
        .request(
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            Some(ALICE),
            Some(&serde_json::json!({"spec": {"resourceAttributes": {"verb": "get", "resource": "pods"}}})),
        )
        .await;
    assert_eq!(write.code, 201);
    drop(taken);
    let again = server
        .request(
            "GET",
            "/api/v1/namespaces/default/configmaps",
            Some(ALICE),
            None,
        )
        .await;
    assert_eq!(
        again.code, 403,
        "answered again (alice may not list configmaps)"
    );
}

#[test]
fn zero_is_no_limit() {
    let unlimited = Inflight::new(0, 0);
    assert!(unlimited.reads.is_none() && unlimited.writes.is_none());
}
