//! The chain as kube-apiserver's union: order, reasons, errors, failure policies, caching and
//! match conditions, with webhooks answering over plain HTTP on loopback.

use std::time::Duration;

use kubeward_core::UserInfo;
use kubeward_store::StoreOptions;
use kubeward_webhook::Version;
use kubeward_webhook::authorization_config::{FailurePolicy, WebhookSpec};
use serde_json::Value;

use crate::config::{Authorizer, Endpoint, WebhookAuthorizer};
use crate::test_support::{ALICE, CannedWebhook, TestServer};

fn webhook(url: &str, failure_policy: FailurePolicy, match_conditions: &[&str]) -> Authorizer {
    Authorizer::Webhook(Box::new(WebhookAuthorizer {
        spec: WebhookSpec {
            name: "test".into(),
            authorized_ttl: Duration::from_secs(300),
            unauthorized_ttl: Duration::from_secs(30),
            timeout: Duration::from_secs(5),
            version: Version::V1,
            failure_policy,
            kubeconfig_file: String::new(),
            match_conditions: match_conditions.iter().map(|c| c.to_string()).collect(),
        },
        connection: Endpoint {
            url: url.to_string(),
            ..Endpoint::default()
        },
    }))
}

async fn server(authorizers: Vec<Authorizer>) -> TestServer {
    TestServer::start_configured(StoreOptions::default(), |config| {
        config.authorization = authorizers;
    })
    .await
}

/// A port nothing listens on.
async fn closed_port() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/review", listener.local_addr().unwrap());
    drop(listener);
    url
}

async fn get_secret(server: &TestServer) -> (u16, Value) {
    let answer = server
        .request(
            "GET",
            "/api/v1/namespaces/default/secrets/x",
            Some(ALICE),
            None,
        )
        .await;
    (answer.code, answer.json())
}

#[tokio::test]
async fn a_webhook_allow_lets_the_request_through_and_is_cached() {
    let allow = CannedWebhook::start(
        r#"{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","status":{"allowed":true,"reason":"the webhook says so"}}"#,
    )
    .await;
    let server = server(vec![
        Authorizer::Rbac,
        webhook(&allow.url, FailurePolicy::NoOpinion, &[]),
    ])
    .await;
    let (code, body) = get_secret(&server).await;
    assert_eq!(code, 404, "allowed, then not found: {body}");
    let sent: Value = serde_json::from_str(&allow.last.lock().unwrap()).unwrap();
    assert_eq!(sent["apiVersion"], "authorization.k8s.io/v1");
    assert_eq!(sent["spec"]["user"], "alice");
    assert_eq!(
        sent["spec"]["resourceAttributes"],
        serde_json::json!({"namespace": "default", "verb": "get", "version": "v1", "resource": "secrets", "name": "x"})
    );
    let _ = get_secret(&server).await;
    assert_eq!(
        allow.requests(),
        1,
        "the second answer comes from the cache"
    );
}

#[tokio::test]
async fn a_webhook_deny_stops_the_chain_with_its_reason() {
    let deny = CannedWebhook::start(
        r#"{"status":{"allowed":false,"denied":true,"reason":"not during the freeze"}}"#,
    )
    .await;
    let server = server(vec![
        webhook(&deny.url, FailurePolicy::NoOpinion, &[]),
        Authorizer::AlwaysAllow,
    ])
    .await;
    let (code, body) = get_secret(&server).await;
    assert_eq!(code, 403);
    assert_eq!(
        body["message"],
        "secrets \"x\" is forbidden: User \"alice\" cannot get resource \"secrets\" in API group \"\" in the namespace \"default\": not during the freeze"
    );
}

#[tokio::test]
async fn reasons_of_every_authorizer_without_an_opinion_are_joined() {
    let silent =
        CannedWebhook::start(r#"{"status":{"allowed":false,"reason":"no rule for you"}}"#).await;
    let server = server(vec![
        Authorizer::AlwaysDeny,
        Authorizer::Rbac,
        webhook(&silent.url, FailurePolicy::NoOpinion, &[]),
    ])
    .await;
    let (code, body) = get_secret(&server).await;
    assert_eq!(code, 403);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .ends_with(": Everything is forbidden.\nno rule for you"),
        "{body}"
    );
}

#[tokio::test]
async fn a_webhook_that_is_down_has_no_opinion_or_denies_by_its_failure_policy() {
    let down = closed_port().await;
    let server_no_opinion = server(vec![
        webhook(&down, FailurePolicy::NoOpinion, &[]),
        Authorizer::AlwaysAllow,
    ])
    .await;
    let (code, _) = get_secret(&server_no_opinion).await;
    assert_eq!(code, 404, "no opinion: the next authorizer allows");
    let server_deny = server(vec![
        webhook(&down, FailurePolicy::Deny, &[]),
        Authorizer::AlwaysAllow,
    ])
    .await;
    let (code, _) = get_secret(&server_deny).await;
    assert_eq!(code, 403);
    // Nothing allows: 403, never a server error; a SubjectAccessReview shows the error.
    let alone = server(vec![
        webhook(&down, FailurePolicy::NoOpinion, &[]),
        Authorizer::Rbac,
    ])
    .await;
    let (code, _) = get_secret(&alone).await;
    assert_eq!(code, 403);
    let review = serde_json::json!({
        "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"verb": "get", "resource": "secrets", "namespace": "default"}}
    });
    let answer = alone
        .request(
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            Some(ALICE),
            Some(&review),
        )
        .await;
    assert_eq!(answer.code, 201);
    let status = &answer.json()["status"];
    assert_eq!(status["allowed"], false);
    assert!(
        status["evaluationError"]
            .as_str()
            .unwrap()
            .contains("/review"),
        "{status}"
    );
}

#[tokio::test]
async fn match_conditions_decide_whether_the_webhook_is_asked() {
    let allow = CannedWebhook::start(r#"{"status":{"allowed":true}}"#).await;
    let server = server(vec![webhook(
        &allow.url,
        FailurePolicy::Deny,
        &["request.resourceAttributes.resource != 'secrets'"],
    )])
    .await;
    let (code, _) = get_secret(&server).await;
    assert_eq!(code, 403, "skipped: no opinion, nothing else allows");
    assert_eq!(allow.requests(), 0);
    let answer = server
        .request(
            "GET",
            "/api/v1/namespaces/default/configmaps/x",
            Some(ALICE),
            None,
        )
        .await;
    assert_eq!(answer.code, 404);
    assert_eq!(allow.requests(), 1);
}

#[tokio::test]
async fn the_union_without_webhooks_needs_no_runtime_for_a_decision() {
    let chain =
        super::Chain::new(&[Authorizer::Node, Authorizer::AlwaysDeny, Authorizer::Rbac]).unwrap();
    let attributes = kubeward_core::attributes::Attributes::resource(
        UserInfo::new("a", ["g"]),
        "get",
        "",
        "pods",
        "x",
    );
    assert_eq!(chain.allowed_now(&attributes, &|_| false), Some(false));
    assert_eq!(chain.allowed_now(&attributes, &|_| true), Some(true));
    assert!(!chain.has_webhooks());
}
