//! Discovery and JWKS documents.

use kubeward_jose::{Algorithm, JwkSet, SigningKey};

use super::*;

#[test]
fn discovery_issuer_must_match_exactly() {
    let doc = br#"{"issuer":"https://a.example","jwks_uri":"https://a.example/keys","id_token_signing_alg_values_supported":["RS256"]}"#;
    let d = parse_discovery(doc, "https://a.example").unwrap();
    assert_eq!(d.jwks_uri, "https://a.example/keys");
    assert_eq!(
        parse_discovery(doc, "https://a.example/")
            .unwrap_err()
            .to_string(),
        "oidc: issuer did not match the issuer returned by provider, expected \"https://a.example/\" got \"https://a.example\""
    );
    assert!(matches!(
        parse_discovery(br#"{"issuer":"https://a.example"}"#, "https://a.example"),
        Err(DiscoveryError::NoJwksUri)
    ));
    assert!(matches!(
        parse_discovery(b"<html>", "https://a.example"),
        Err(DiscoveryError::Decode(_))
    ));
}

#[test]
fn jwks_yields_usable_keys() {
    let rsa = SigningKey::generate(Algorithm::RS256).unwrap();
    let ec = SigningKey::generate(Algorithm::ES256).unwrap();
    let set = JwkSet {
        keys: vec![rsa.public_key().to_jwk(), ec.public_key().to_jwk()],
    };
    let keys = parse_jwks(serde_json::to_string(&set).unwrap().as_bytes()).unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].key_id(), rsa.key_id());
    let keys = parse_jwks(br#"{"keys":[{"kty":"oct","k":"AAAA"}]}"#).unwrap();
    assert!(keys.is_empty());
    assert!(parse_jwks(b"nope").is_err());
}
