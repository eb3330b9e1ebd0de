//! Tests of `service_account`.

use serde_json::json;

use super::*;
use crate::test_support::{NOW_SECS, Store, at, now, other_rsa_key_pem, rsa_key_pem};
use crate::token_request::{
    BoundObject, ObjectRef, TokenRequest, issue_legacy_token, issue_with_jti,
};
use kubeward_jose::{SigningKey, parse_verification_keys};

const ISSUER: &str = "https://kubernetes.default.svc";

fn authenticator() -> ServiceAccountAuthenticator {
    ServiceAccountAuthenticator::new(
        vec![ISSUER.into()],
        parse_verification_keys(rsa_key_pem()).unwrap(),
        vec![ISSUER.into()],
    )
}

fn key() -> SigningKey {
    SigningKey::from_pem(rsa_key_pem()).unwrap()
}

fn request() -> TokenRequest {
    TokenRequest {
        issuer: ISSUER.into(),
        audiences: vec![ISSUER.into()],
        namespace: "dev-team".into(),
        service_account: ObjectRef::new("dev-k8s", "sa-uid"),
        bound: None,
        expiration_seconds: 3600,
        warn_after_seconds: None,
    }
}

fn issue(request: &TokenRequest) -> String {
    issue_with_jti(&key(), request, now(), "b79275de".into())
        .unwrap()
        .token
}

/// The claims of a token issued now, edited and re-signed (the golden `resign` helper).
fn resign(key_pem: &str, edit: impl FnOnce(&mut Value)) -> String {
    let n = NOW_SECS as i64;
    let mut claims = json!({
        "aud": [ISSUER], "exp": n + 3600, "iat": n, "iss": ISSUER, "jti": "j",
        "kubernetes.io": {"namespace": "dev-team", "serviceaccount": {"name": "dev-k8s", "uid": "sa-uid"}},
        "nbf": n, "sub": "system:serviceaccount:dev-team:dev-k8s"
    });
    edit(&mut claims);
    kubeward_jose::jws::sign(&claims, &SigningKey::from_pem(key_pem).unwrap()).unwrap()
}

fn check(
    token: &str,
    store: &Store,
) -> Result<Option<ServiceAccountUser>, ServiceAccountTokenError> {
    authenticator().authenticate(token, None, store, now())
}

#[test]
fn issue_then_verify_round_trip() {
    let found = check(&issue(&request()), &Store::with_dev_k8s())
        .unwrap()
        .unwrap();
    assert_eq!(found.user.name, "system:serviceaccount:dev-team:dev-k8s");
    assert_eq!(found.user.uid, "sa-uid");
    assert_eq!(
        found.user.groups,
        vec!["system:serviceaccounts", "system:serviceaccounts:dev-team"]
    );
    assert_eq!(
        found.user.extra[kubeward_core::user::CREDENTIAL_ID_KEY],
        vec!["JTI=b79275de"]
    );
    assert_eq!(found.user.extra.len(), 1);
    assert_eq!(found.audiences, vec![ISSUER]);
}

#[test]
fn resigned_with_the_right_key_is_valid() {
    assert!(
        check(&resign(rsa_key_pem(), |_| {}), &Store::with_dev_k8s())
            .unwrap()
            .is_some()
    );
}

#[test]
fn es256_keys_work_too() {
    let pem = crate::test_support::ec_key_pem();
    let auth = ServiceAccountAuthenticator::new(
        vec![ISSUER.into()],
        parse_verification_keys(&pem).unwrap(),
        vec![ISSUER.into()],
    );
    let key = SigningKey::from_pem(&pem).unwrap();
    let token = issue_with_jti(&key, &request(), now(), "j".into())
        .unwrap()
        .token;
    assert!(
        auth.authenticate(&token, None, &Store::with_dev_k8s(), now())
            .unwrap()
            .is_some()
    );
}

#[test]
fn expired_with_leeway() {
    let token = issue(&request());
    let store = Store::with_dev_k8s();
    let auth = authenticator();
    // exp + 60 s is still accepted, exp + 61 s is not.
    assert!(
        auth.authenticate(&token, None, &store, at(NOW_SECS + 3660))
            .is_ok()
    );
    assert_eq!(
        auth.authenticate(&token, None, &store, at(NOW_SECS + 3661)),
        Err(ServiceAccountTokenError::Expired)
    );
    let expired = resign(rsa_key_pem(), |c| {
        let n = NOW_SECS as i64;
        c["iat"] = json!(n - 7200);
        c["nbf"] = json!(n - 7200);
        c["exp"] = json!(n - 3600);
    });
    assert_eq!(
        check(&expired, &store),
        Err(ServiceAccountTokenError::Expired)
    );
}

#[test]
fn not_yet_valid() {
    let token = issue(&request());
    let store = Store::with_dev_k8s();
    let auth = authenticator();
    assert!(
        auth.authenticate(&token, None, &store, at(NOW_SECS - 60))
            .is_ok()
    );
    assert_eq!(
        auth.authenticate(&token, None, &store, at(NOW_SECS - 61)),
        Err(ServiceAccountTokenError::NotValidYet)
    );
    let future_iat = resign(rsa_key_pem(), |c| {
        c["nbf"] = Value::Null;
        c["iat"] = json!(NOW_SECS as i64 + 3000);
    });
    assert_eq!(
        check(&future_iat, &store),
        Err(ServiceAccountTokenError::IssuedInTheFuture)
    );
}

#[test]
fn wrong_issuer_is_not_ours() {
    let token = resign(rsa_key_pem(), |c| c["iss"] = json!("https://evil.example"));
    assert_eq!(check(&token, &Store::with_dev_k8s()), Ok(None));
}

#[test]
fn wrong_audience() {
    let mut request = request();
    request.audiences = vec!["vault".into()];
    let err = check(&issue(&request), &Store::with_dev_k8s()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "token audiences [\"vault\"] is invalid for the target audiences [\"https://kubernetes.default.svc\"]"
    );
    // A TokenReview asking for "vault" accepts it.
    let found = authenticator()
        .authenticate(
            &issue(&request),
            Some(&["vault".to_string()]),
            &Store::with_dev_k8s(),
            now(),
        )
        .unwrap()
        .unwrap();
    assert_eq!(found.audiences, vec!["vault"]);
}

#[test]
fn wrong_key() {
    let token = resign(other_rsa_key_pem(), |_| {});
    assert_eq!(
        check(&token, &Store::with_dev_k8s()),
        Err(ServiceAccountTokenError::Jws(crate::JwsError::NoKeys))
    );
    // Without a kid every key is tried, and none verifies.
    let key = SigningKey::from_pem(other_rsa_key_pem()).unwrap();
    let claims = json!({"iss": ISSUER, "aud": ISSUER});
    let signed = kubeward_jose::jws::sign(&claims, &key).unwrap();
    let parts: Vec<&str> = signed.split('.').collect();
    let header = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        "{\"alg\":\"RS256\"}",
    );
    let no_kid = format!("{header}.{}.{}", parts[1], parts[2]);
    assert!(matches!(
        check(&no_kid, &Store::with_dev_k8s()),
        Err(ServiceAccountTokenError::Jws(crate::JwsError::Signature(_)))
    ));
}

#[test]
fn deleted_service_account() {
    assert_eq!(
        check(&issue(&request()), &Store::default())
            .unwrap_err()
            .to_string(),
        "serviceaccounts \"dev-k8s\" not found"
    );
}

#[test]
fn uid_mismatch() {
    let token = resign(rsa_key_pem(), |c| {
        c["kubernetes.io"]["serviceaccount"]["uid"] = json!("00000000-0000-0000-0000-000000000000");
    });
    assert_eq!(
        check(&token, &Store::with_dev_k8s()),
        Err(ServiceAccountTokenError::ServiceAccountUid {
            actual: "sa-uid".into(),
            claim: "00000000-0000-0000-0000-000000000000".into()
        })
    );
}

#[test]
fn secret_bound_token() {
    let mut request = request();
    request.bound = Some(BoundObject::Secret(ObjectRef::new("s", "secret-uid")));
    let token = issue(&request);
    let mut store = Store::with_dev_k8s();
    assert_eq!(
        check(&token, &store),
        Err(ServiceAccountTokenError::Invalidated)
    );
    store
        .secrets
        .insert("dev-team/s".into(), "other-uid".into());
    assert!(matches!(
        check(&token, &store),
        Err(ServiceAccountTokenError::SecretUid { .. })
    ));
    store
        .secrets
        .insert("dev-team/s".into(), "secret-uid".into());
    let found = check(&token, &store).unwrap().unwrap();
    assert!(!found.user.extra.contains_key(POD_NAME_KEY));
}

#[test]
fn pod_bound_token_extras() {
    let mut request = request();
    request.bound = Some(BoundObject::Pod {
        pod: ObjectRef::new("web", "pod-uid"),
        node: Some(ObjectRef::new("node-1", "node-uid")),
    });
    let token = issue(&request);
    let mut store = Store::with_dev_k8s();
    assert_eq!(
        check(&token, &store),
        Err(ServiceAccountTokenError::Invalidated)
    );
    store.pods.insert("dev-team/web".into(), "pod-uid".into());
    let user = check(&token, &store).unwrap().unwrap().user;
    assert_eq!(user.extra[POD_NAME_KEY], vec!["web"]);
    assert_eq!(user.extra[POD_UID_KEY], vec!["pod-uid"]);
    assert_eq!(user.extra[NODE_NAME_KEY], vec!["node-1"]);
    assert_eq!(user.extra[NODE_UID_KEY], vec!["node-uid"]);
    assert_eq!(user.extra.len(), 5);
}

#[test]
fn node_bound_token_needs_the_node() {
    let mut request = request();
    request.bound = Some(BoundObject::Node(ObjectRef::new("node-1", "node-uid")));
    let token = issue(&request);
    let mut store = Store::with_dev_k8s();
    assert_eq!(
        check(&token, &store),
        Err(ServiceAccountTokenError::Invalidated)
    );
    store.nodes.insert("node-1".into(), "node-uid".into());
    assert_eq!(
        check(&token, &store).unwrap().unwrap().user.extra[NODE_NAME_KEY],
        vec!["node-1"]
    );
}

#[test]
fn legacy_secret_token() {
    let sa = ObjectRef::new("dev-k8s", "sa-uid");
    let token = issue_legacy_token(&key(), "dev-team", &sa, "dev-k8s-secret").unwrap();
    let mut store = Store::with_dev_k8s();
    assert_eq!(
        check(&token, &store),
        Err(ServiceAccountTokenError::LegacyInvalidated)
    );
    store.legacy.insert(
        "dev-team/dev-k8s-secret".into(),
        crate::LegacyTokenSecret {
            token: b"another".to_vec(),
            invalid_since: None,
        },
    );
    assert_eq!(
        check(&token, &store),
        Err(ServiceAccountTokenError::LegacyTokenMismatch)
    );
    store.legacy.insert(
        "dev-team/dev-k8s-secret".into(),
        crate::LegacyTokenSecret {
            token: token.clone().into_bytes(),
            invalid_since: None,
        },
    );
    let found = check(&token, &store).unwrap().unwrap();
    assert_eq!(found.user.name, "system:serviceaccount:dev-team:dev-k8s");
    assert_eq!(found.user.uid, "sa-uid");
    assert!(found.user.extra.is_empty());
    // Legacy tokens are valid for the API audiences.
    assert_eq!(found.audiences, vec![ISSUER]);
    // Deleting the ServiceAccount invalidates it.
    store.service_accounts.clear();
    assert!(matches!(
        check(&token, &store),
        Err(ServiceAccountTokenError::ServiceAccountNotFound { .. })
    ));
}

#[test]
fn legacy_token_marked_invalid() {
    let sa = ObjectRef::new("dev-k8s", "sa-uid");
    let token = issue_legacy_token(&key(), "dev-team", &sa, "s").unwrap();
    let mut store = Store::with_dev_k8s();
    store.legacy.insert(
        "dev-team/s".into(),
        crate::LegacyTokenSecret {
            token: token.clone().into_bytes(),
            invalid_since: Some("2029-12-01".into()),
        },
    );
    assert!(matches!(
        check(&token, &store),
        Err(ServiceAccountTokenError::LegacyMarkedInvalid { .. })
    ));
}

#[test]
fn claims_of_the_wrong_type_fail_without_panic() {
    let store = Store::with_dev_k8s();
    for edit in [
        |c: &mut Value| c["exp"] = json!("soon"),
        |c: &mut Value| c["aud"] = json!(7),
        |c: &mut Value| c["kubernetes.io"] = json!([1]),
        |c: &mut Value| c["kubernetes.io"]["serviceaccount"]["uid"] = json!(false),
        |c: &mut Value| c["jti"] = json!({}),
    ] {
        let token = resign(rsa_key_pem(), edit);
        assert!(matches!(
            check(&token, &store),
            Err(ServiceAccountTokenError::InvalidClaims(_))
        ));
    }
    for garbage in [
        "",
        "a.b.c",
        "x.eyJpc3MiOiJodHRwczovL2t1YmVybmV0ZXMuZGVmYXVsdC5zdmMifQ.y",
    ] {
        assert!(!matches!(check(garbage, &store), Ok(Some(_))));
    }
}
