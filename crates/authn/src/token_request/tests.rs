//! Tests of `token_request`.

use base64::Engine as _;

use super::*;
use crate::test_support::{NOW_SECS, now, rsa_key_pem};

fn decode(part: &str) -> Value {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

pub(crate) fn dev_k8s_request() -> TokenRequest {
    TokenRequest {
        issuer: "https://kubernetes.default.svc".into(),
        audiences: vec!["https://kubernetes.default.svc".into()],
        namespace: "dev-team".into(),
        service_account: ObjectRef::new("dev-k8s", "sa-uid"),
        bound: None,
        expiration_seconds: 3600,
        warn_after_seconds: None,
    }
}

#[test]
fn claims_match_kube_apiserver() {
    let key = SigningKey::from_pem(rsa_key_pem()).unwrap();
    let issued = issue_with_jti(&key, &dev_k8s_request(), now(), "the-jti".into()).unwrap();
    let parts: Vec<&str> = issued.token.split('.').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(
        decode(parts[0]),
        json!({"alg": "RS256", "kid": key.key_id()})
    );
    let n = NOW_SECS as i64;
    let payload = decode(parts[1]);
    assert_eq!(
        payload,
        json!({
            "aud": ["https://kubernetes.default.svc"],
            "exp": n + 3600,
            "iat": n,
            "iss": "https://kubernetes.default.svc",
            "jti": "the-jti",
            "kubernetes.io": {
                "namespace": "dev-team",
                "serviceaccount": {"name": "dev-k8s", "uid": "sa-uid"}
            },
            "nbf": n,
            "sub": "system:serviceaccount:dev-team:dev-k8s"
        })
    );
    // Keys in the order kube-apiserver writes them (sorted).
    let raw = String::from_utf8(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap();
    let order: Vec<usize> = [
        "\"aud\"",
        "\"exp\"",
        "\"iat\"",
        "\"iss\"",
        "\"jti\"",
        "\"kubernetes.io\"",
        "\"nbf\"",
        "\"sub\"",
    ]
    .iter()
    .map(|k| raw.find(k).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{raw}");
    assert_eq!(issued.expires_at, n + 3600);
}

#[test]
fn random_jti_is_a_uuid() {
    let key = SigningKey::from_pem(rsa_key_pem()).unwrap();
    let a = issue_token(&key, &dev_k8s_request(), now()).unwrap();
    let b = issue_token(&key, &dev_k8s_request(), now()).unwrap();
    assert_ne!(a.jti, b.jti);
    assert!(uuid::Uuid::parse_str(&a.jti).is_ok());
}

#[test]
fn bound_objects_and_warnafter() {
    let key = SigningKey::from_pem(rsa_key_pem()).unwrap();
    let mut request = dev_k8s_request();
    request.bound = Some(BoundObject::Pod {
        pod: ObjectRef::new("web", "pod-uid"),
        node: Some(ObjectRef::new("node-1", "node-uid")),
    });
    request.warn_after_seconds = Some(3607);
    let issued = issue_with_jti(&key, &request, now(), "j".into()).unwrap();
    let payload = decode(issued.token.split('.').nth(1).unwrap());
    assert_eq!(
        payload["kubernetes.io"],
        json!({
            "namespace": "dev-team",
            "node": {"name": "node-1", "uid": "node-uid"},
            "pod": {"name": "web", "uid": "pod-uid"},
            "serviceaccount": {"name": "dev-k8s", "uid": "sa-uid"},
            "warnafter": NOW_SECS as i64 + 3607
        })
    );
    request.bound = Some(BoundObject::Secret(ObjectRef::new("s", "secret-uid")));
    request.warn_after_seconds = None;
    let issued = issue_with_jti(&key, &request, now(), "j".into()).unwrap();
    let payload = decode(issued.token.split('.').nth(1).unwrap());
    assert_eq!(
        payload["kubernetes.io"]["secret"],
        json!({"name": "s", "uid": "secret-uid"})
    );
}

#[test]
fn legacy_token_claims() {
    let key = SigningKey::from_pem(rsa_key_pem()).unwrap();
    let token = issue_legacy_token(
        &key,
        "dev-team",
        &ObjectRef::new("dev-k8s", "sa-uid"),
        "dev-k8s-secret",
    )
    .unwrap();
    assert_eq!(
        decode(token.split('.').nth(1).unwrap()),
        json!({
            "iss": "kubernetes/serviceaccount",
            "kubernetes.io/serviceaccount/namespace": "dev-team",
            "kubernetes.io/serviceaccount/secret.name": "dev-k8s-secret",
            "kubernetes.io/serviceaccount/service-account.name": "dev-k8s",
            "kubernetes.io/serviceaccount/service-account.uid": "sa-uid",
            "sub": "system:serviceaccount:dev-team:dev-k8s"
        })
    );
}
