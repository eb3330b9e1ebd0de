//! The OIDC authenticator end to end over real signed tokens: issuer selection, every
//! verification rule with kube-apiserver's reason, key refresh hints, and the union.

use std::sync::OnceLock;
use std::time::Duration;

use kubeward_jose::jws::{encode_part, sign};
use kubeward_jose::{Algorithm, SigningKey};
use serde_json::{Value, json};

use super::*;
use crate::test_support::{NOW_SECS, now};
use crate::{Authenticator, AuthenticatorConfig, Credentials, Outcome, ServiceAccountLookup};

const ISSUER: &str = "https://issuer.example";

pub(super) fn rsa() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate(Algorithm::RS256).unwrap())
}

fn ec() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate(Algorithm::ES256).unwrap())
}

pub(super) fn golden_flags() -> OidcFlags {
    OidcFlags {
        issuer_url: ISSUER.into(),
        client_id: "kubernetes".into(),
        username_claim: Some("preferred_username".into()),
        username_prefix: Some("-".into()),
        groups_claim: Some("groups".into()),
        groups_prefix: Some("oidc:".into()),
        ..OidcFlags::default()
    }
}

pub(super) fn authenticator(flags: OidcFlags) -> OidcAuthenticator {
    let a = OidcAuthenticator::new(&JwtConfig::Flags(flags), &[]).unwrap();
    a.set_keys(
        0,
        vec![rsa().public_key().clone(), ec().public_key().clone()],
    );
    a
}

pub(super) fn claims() -> Value {
    json!({
        "iss": ISSUER,
        "aud": "kubernetes",
        "sub": "8d1f",
        "preferred_username": "jiwoo",
        "groups": ["dev-team"],
        "iat": NOW_SECS - 10,
        "exp": NOW_SECS + 300,
    })
}

pub(super) fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

pub(super) fn token(claims: &Value) -> String {
    sign(claims, rsa()).unwrap()
}

pub(super) fn raw_token(header: &Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        encode_part(header.to_string().as_bytes()),
        encode_part(claims.to_string().as_bytes()),
        encode_part(signature)
    )
}

fn reason(a: &OidcAuthenticator, token: &str) -> String {
    a.authenticate(token, now()).unwrap_err().to_string()
}

#[test]
fn a_valid_token_maps_to_the_user() {
    let a = authenticator(golden_flags());
    let user = a.authenticate(&token(&claims()), now()).unwrap().unwrap();
    assert_eq!(user.name, "jiwoo");
    assert_eq!(user.groups, ["oidc:dev-team"]);
}

#[test]
fn es256_needs_the_algorithm_allowed() {
    let es = sign(&claims(), ec()).unwrap();
    let a = authenticator(golden_flags());
    assert_eq!(
        reason(&a, &es),
        "oidc: verify token: oidc: id token signed with unsupported algorithm, expected [\"RS256\"] got \"ES256\""
    );
    let mut flags = golden_flags();
    flags.signing_algs = vec!["ES256".into(), "RS256".into()];
    let a = authenticator(flags);
    assert_eq!(a.authenticate(&es, now()).unwrap().unwrap().name, "jiwoo");
}

#[test]
fn unsupported_signing_algs_are_refused_at_start() {
    let mut flags = golden_flags();
    flags.signing_algs = vec!["HS256".into()];
    assert_eq!(
        OidcAuthenticator::new(&JwtConfig::Flags(flags), &[])
            .unwrap_err()
            .to_string(),
        "oidc: unsupported signing alg: \"HS256\""
    );
}

#[test]
fn alg_none_and_hs256_with_the_public_key_are_refused() {
    let a = authenticator(golden_flags());
    let none = raw_token(&json!({"alg": "none"}), &claims(), b"");
    assert_eq!(
        reason(&a, &none),
        "oidc: verify token: oidc: id token signed with unsupported algorithm, expected [\"RS256\"] got \"none\""
    );
    let header = json!({"alg": "HS256", "kid": rsa().key_id()});
    let input = format!(
        "{}.{}",
        encode_part(header.to_string().as_bytes()),
        encode_part(claims().to_string().as_bytes())
    );
    let mac_key =
        aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, rsa().public_key().spki_der());
    let tag = aws_lc_rs::hmac::sign(&mac_key, input.as_bytes());
    let hs = format!("{input}.{}", encode_part(tag.as_ref()));
    assert_eq!(
        reason(&a, &hs),
        "oidc: verify token: oidc: id token signed with unsupported algorithm, expected [\"RS256\"] got \"HS256\""
    );
    // Even with every algorithm allowed (the configuration file), HS256 stays out.
    let file = JwtConfig::File(
        AuthenticationConfiguration::parse(&format!(
            "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\njwt:\n- issuer:\n    url: {ISSUER}\n    audiences: [kubernetes]\n  claimMappings:\n    username:\n      claim: sub\n      prefix: ''\n"
        ))
        .unwrap(),
    );
    let a = OidcAuthenticator::new(&file, &[]).unwrap();
    a.set_keys(0, vec![rsa().public_key().clone()]);
    assert!(reason(&a, &hs).contains("unsupported algorithm"));
    assert_eq!(
        a.authenticate(&token(&claims()), now())
            .unwrap()
            .unwrap()
            .name,
        "8d1f"
    );
}

#[test]
fn unknown_kid_or_another_key_fails_the_signature_and_hints_a_refresh() {
    let a = authenticator(golden_flags());
    let other = SigningKey::generate(Algorithm::RS256).unwrap();
    let t = sign(&claims(), &other).unwrap();
    assert_eq!(
        reason(&a, &t),
        "oidc: verify token: failed to verify signature: failed to verify id token signature"
    );
    assert_eq!(a.refresh_hint(&t), Some(0));
    assert_eq!(a.refresh_hint(&token(&claims())), None);
    a.set_keys(0, vec![other.public_key().clone()]);
    assert!(a.authenticate(&t, now()).unwrap().is_some());
    // A key with the right kid but the wrong bytes: tampered.
    let forged = sign(
        &claims(),
        &SigningKey::generate(Algorithm::RS256)
            .unwrap()
            .with_key_id(other.key_id()),
    )
    .unwrap();
    assert!(reason(&a, &forged).contains("failed to verify id token signature"));
}

#[test]
fn tampered_payload_fails_the_signature() {
    let a = authenticator(golden_flags());
    let t = token(&claims());
    let parts: Vec<&str> = t.split('.').collect();
    let evil = with(claims(), "preferred_username", json!("admin"));
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        encode_part(evil.to_string().as_bytes()),
        parts[2]
    );
    assert!(reason(&a, &tampered).contains("failed to verify id token signature"));
}

#[test]
fn keys_not_fetched_yet() {
    let a = OidcAuthenticator::new(&JwtConfig::Flags(golden_flags()), &[]).unwrap();
    let t = token(&claims());
    assert_eq!(reason(&a, &t), "oidc: authenticator not initialized");
    assert_eq!(a.refresh_hint(&t), Some(0));
}

#[test]
fn another_issuer_is_not_claimed() {
    let a = authenticator(golden_flags());
    let t = token(&with(claims(), "iss", json!("https://evil.example")));
    assert_eq!(a.authenticate(&t, now()).unwrap(), None);
    assert_eq!(a.refresh_hint(&t), None);
    let t = token(&with(claims(), "iss", json!(7)));
    assert_eq!(a.authenticate(&t, now()).unwrap(), None);
}

#[test]
fn audience_rules() {
    let a = authenticator(golden_flags());
    let t = token(&with(claims(), "aud", json!(["other", "x"])));
    assert_eq!(
        reason(&a, &t),
        "oidc: verify token: oidc: expected audience \"kubernetes\" got [\"other\" \"x\"]"
    );
    let t = token(&with(claims(), "aud", json!(["other", "kubernetes"])));
    assert!(a.authenticate(&t, now()).unwrap().is_some());
}

#[test]
fn expiry_and_not_before() {
    let a = authenticator(golden_flags());
    let t = token(&with(claims(), "exp", json!(NOW_SECS - 1)));
    assert_eq!(
        reason(&a, &t),
        "oidc: verify token: oidc: token is expired (Token Expiry: 2029-12-31 23:59:59 +0000 UTC)"
    );
    let mut no_exp = claims();
    no_exp.as_object_mut().unwrap().remove("exp");
    assert_eq!(
        reason(&a, &token(&no_exp)),
        "oidc: verify token: oidc: token is expired (Token Expiry: 0001-01-01 00:00:00 +0000 UTC)"
    );
    // Exactly at exp is still valid (Go's Before).
    let t = token(&with(claims(), "exp", json!(NOW_SECS)));
    assert!(a.authenticate(&t, now()).unwrap().is_some());
    // nbf within the one-minute leeway passes; beyond it fails.
    let t = token(&with(claims(), "nbf", json!(NOW_SECS + 60)));
    assert!(a.authenticate(&t, now()).unwrap().is_some());
    let t = token(&with(claims(), "nbf", json!(NOW_SECS + 61)));
    assert_eq!(
        reason(&a, &t),
        "oidc: verify token: oidc: current time 2030-01-01 00:00:00 +0000 UTC before the nbf (not before) time: 2030-01-01 00:01:01 +0000 UTC"
    );
    let t = token(&with(claims(), "exp", json!("soon")));
    assert_eq!(
        reason(&a, &t),
        "oidc: verify token: oidc: failed to unmarshal claims: json: cannot unmarshal string into Go value of type float64"
    );
    // A later `now` expires a valid token.
    let later = now() + Duration::from_secs(301);
    assert!(a.authenticate(&token(&claims()), later).is_err());
}

#[test]
fn malformed_tokens() {
    let a = authenticator(golden_flags());
    // Payload not base64 or not JSON: not claimed by any issuer (kube-apiserver's
    // hasCorrectIssuer), so another authenticator may try; never a panic.
    for bad in ["a.b.c", "a.%%%.c", "{\"iss\":1}", "", "...", "a.b"] {
        assert_eq!(a.authenticate(bad, now()).unwrap(), None, "{bad}");
    }
    // A valid payload with a broken header.
    let payload = encode_part(claims().to_string().as_bytes());
    let t = format!("!!!.{payload}.AAAA");
    assert!(reason(&a, &t).starts_with("oidc: verify token: oidc: malformed jwt: "));
    let t = format!("{}.{payload}.AAAA", encode_part(b"[1]"));
    assert!(reason(&a, &t).starts_with("oidc: verify token: oidc: malformed jwt: "));
    // Oversized: a large token is simply refused.
    let big = with(claims(), "pad", json!("x".repeat(1 << 20)));
    assert!(a.authenticate(&token(&big), now()).unwrap().is_some());
}

struct NoObjects;

impl ServiceAccountLookup for NoObjects {
    fn service_account_uid(&self, _: &str, _: &str) -> Option<String> {
        None
    }
    fn secret_uid(&self, _: &str, _: &str) -> Option<String> {
        None
    }
    fn pod_uid(&self, _: &str, _: &str) -> Option<String> {
        None
    }
}

#[test]
fn the_union_authenticates_oidc_tokens_and_logs_reasons() {
    let auth = Authenticator::new(AuthenticatorConfig {
        jwt: Some(JwtConfig::Flags(golden_flags())),
        anonymous: true,
        ..Default::default()
    })
    .unwrap();
    auth.oidc()
        .unwrap()
        .set_keys(0, vec![rsa().public_key().clone()]);
    let header = format!("Bearer {}", token(&claims()));
    let credentials = Credentials {
        peer_certificates: &[],
        authorization: Some(&header),
    };
    let Outcome::Authenticated(user) = auth.authenticate(&credentials, &NoObjects, now()) else {
        panic!("not authenticated");
    };
    assert_eq!(user.name, "jiwoo");
    assert_eq!(user.groups, ["oidc:dev-team", "system:authenticated"]);

    let expired = format!(
        "Bearer {}",
        token(&with(claims(), "exp", json!(NOW_SECS - 5)))
    );
    let credentials = Credentials {
        peer_certificates: &[],
        authorization: Some(&expired),
    };
    assert_eq!(
        auth.authenticate(&credentials, &NoObjects, now()),
        Outcome::Unauthorized(
            "invalid bearer token, oidc: verify token: oidc: token is expired (Token Expiry: 2029-12-31 23:59:55 +0000 UTC)".into()
        )
    );
    let other = format!(
        "Bearer {}",
        token(&with(claims(), "iss", json!("https://x")))
    );
    let credentials = Credentials {
        peer_certificates: &[],
        authorization: Some(&other),
    };
    assert_eq!(
        auth.authenticate(&credentials, &NoObjects, now()),
        Outcome::Unauthorized("invalid bearer token".into())
    );
}

#[test]
fn bad_configuration_names_the_field() {
    let file = AuthenticationConfiguration::parse(
        "apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\njwt:\n- issuer:\n    url: http://issuer\n    audiences: [k]\n  claimMappings:\n    username:\n      claim: sub\n      prefix: ''\n",
    )
    .unwrap();
    let err = Authenticator::new(AuthenticatorConfig {
        jwt: Some(JwtConfig::File(file)),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "--authentication-config: jwt[0].issuer.url: Invalid value: \"http://issuer\": URL scheme must be https"
    );
}

#[test]
fn a_large_token_signed_by_a_stranger_is_refused() {
    let a = authenticator(golden_flags());
    let stranger = SigningKey::generate(Algorithm::RS256).unwrap();
    let t = sign(&with(claims(), "pad", json!("x".repeat(3_000))), &stranger).unwrap();
    assert!(reason(&a, &t).contains("failed to verify id token signature"));
}
