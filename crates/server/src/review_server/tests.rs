use std::net::{Ipv4Addr, SocketAddr};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use kubeward_rbac::{Binding, PolicyRule, Role, RoleRef, RoleRefKind, Subject};
use serde_json::{Value, json};

use super::*;

fn config() -> ReviewServerConfig {
    ReviewServerConfig {
        bind_address: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        tls_cert_pem: String::new(),
        tls_key_pem: String::new(),
        caller_ca_pem: None,
        authentication: AuthenticatorConfig {
            token_auth_csv: Some("webhook-token,minjun,1001,\"dev,ops\"\n".into()),
            ..AuthenticatorConfig::default()
        },
        service_accounts: None,
        policy: SharedPolicy::default(),
        unmatched: Unmatched::NoOpinion,
        limits: Limits::default(),
    }
}

fn policy() -> Policy {
    let mut policy = Policy::new();
    policy.upsert_role(Role {
        namespace: Some("dev".into()),
        name: "pod-reader".into(),
        rules: vec![PolicyRule {
            verbs: vec!["get".into(), "list".into()],
            api_groups: vec!["".into()],
            resources: vec!["pods".into()],
            ..PolicyRule::default()
        }],
        ..Role::default()
    });
    policy.upsert_binding(Binding {
        namespace: Some("dev".into()),
        name: "read-pods".into(),
        role_ref: RoleRef {
            kind: RoleRefKind::Role,
            name: "pod-reader".into(),
        },
        subjects: vec![Subject::User("minjun".into())],
    });
    policy
}

async fn post(reviewer: &Reviewer, method: Method, path: &str, body: Value) -> (u16, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .body(body::boxed(Full::new(Bytes::from(body.to_string()))))
        .unwrap();
    let response = reviewer.handle(&ConnectionInfo::default(), request).await;
    let code = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (code, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn token_review(version: &str, token: &str) -> Value {
    json!({"apiVersion": format!("authentication.k8s.io/{version}"), "kind": "TokenReview",
           "spec": {"token": token, "audiences": ["https://kubernetes.default.svc.cluster.local"]}})
}

fn access_review(version: &str, user: &str, verb: &str) -> Value {
    let groups = if version == "v1" { "groups" } else { "group" };
    json!({"apiVersion": format!("authorization.k8s.io/{version}"), "kind": "SubjectAccessReview",
           "spec": {"resourceAttributes": {"namespace": "dev", "verb": verb, "resource": "pods", "version": "v1"},
                    "user": user, groups: ["dev"]}})
}

#[tokio::test]
async fn a_token_review_is_answered_with_the_chain_in_the_version_asked() {
    let reviewer = Reviewer::new(&config()).unwrap();
    for version in ["v1", "v1beta1"] {
        let (code, answer) = post(
            &reviewer,
            Method::POST,
            "/authenticate",
            token_review(version, "webhook-token"),
        )
        .await;
        assert_eq!(code, 200);
        assert_eq!(
            answer,
            json!({"kind": "TokenReview", "apiVersion": format!("authentication.k8s.io/{version}"),
                   "status": {"authenticated": true, "user": {"username": "minjun", "uid": "1001",
                              "groups": ["dev", "ops", "system:authenticated"]}}})
        );
    }
    let (code, answer) = post(
        &reviewer,
        Method::POST,
        "/authenticate",
        token_review("v1", "nope"),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(answer["status"]["authenticated"], Value::Null);
    assert!(
        answer["status"]["error"]
            .as_str()
            .unwrap()
            .contains("invalid bearer token"),
        "{answer}"
    );
}

#[tokio::test]
async fn an_access_review_is_answered_by_rbac() {
    let config = config();
    let reviewer = Reviewer::new(&config).unwrap();
    let (_, answer) = post(
        &reviewer,
        Method::POST,
        "/authorize",
        access_review("v1", "minjun", "list"),
    )
    .await;
    assert_eq!(
        answer["status"],
        json!({"allowed": false, "evaluationError": "the RBAC policy is not loaded yet"})
    );
    config.policy.set(policy());
    let (code, answer) = post(
        &reviewer,
        Method::POST,
        "/authorize",
        access_review("v1", "minjun", "list"),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(answer["apiVersion"], "authorization.k8s.io/v1");
    assert_eq!(answer["status"]["allowed"], true);
    assert_eq!(
        answer["status"]["reason"],
        "RBAC: allowed by RoleBinding \"read-pods/dev\" of Role \"pod-reader\" to User \"minjun\""
    );
    let (_, answer) = post(
        &reviewer,
        Method::POST,
        "/authorize",
        access_review("v1beta1", "minjun", "delete"),
    )
    .await;
    assert_eq!(
        answer,
        json!({"kind": "SubjectAccessReview", "apiVersion": "authorization.k8s.io/v1beta1", "status": {"allowed": false}})
    );
    let denying = Reviewer::new(&ReviewServerConfig {
        unmatched: Unmatched::Deny,
        ..config
    })
    .unwrap();
    let (_, answer) = post(
        &denying,
        Method::POST,
        "/authorize",
        access_review("v1", "minjun", "delete"),
    )
    .await;
    assert_eq!(answer["status"], json!({"allowed": false, "denied": true}));
}

#[tokio::test]
async fn what_is_not_a_review_is_refused() {
    let reviewer = Reviewer::new(&config()).unwrap();
    let (code, answer) = post(
        &reviewer,
        Method::POST,
        "/authorize",
        json!({"kind": "TokenReview"}),
    )
    .await;
    assert_eq!(code, 400);
    assert_eq!(answer["kind"], "Status");
    assert_eq!(answer["reason"], "BadRequest");
    let (code, _) = post(&reviewer, Method::GET, "/authorize", json!({})).await;
    assert_eq!(code, 405);
    let (code, _) = post(&reviewer, Method::POST, "/apis", json!({})).await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn with_a_caller_ca_a_caller_without_a_certificate_is_refused() {
    let now = time::OffsetDateTime::now_utc();
    let ca = kubeward_pki::CertificateAuthority::generate("callers", now).unwrap();
    let reviewer = Reviewer::new(&ReviewServerConfig {
        caller_ca_pem: Some(ca.cert_pem().to_string()),
        ..config()
    })
    .unwrap();
    let (code, answer) = post(
        &reviewer,
        Method::POST,
        "/authenticate",
        token_review("v1", "webhook-token"),
    )
    .await;
    assert_eq!(code, 401);
    assert_eq!(answer["reason"], "Unauthorized");
}
