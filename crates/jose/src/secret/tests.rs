//! Tests of `secret` (and of HS512 tokens through `jws`).

use super::*;
use crate::jws::{self, Compact};
use crate::{JwsError, SigningKey};

fn claims() -> serde_json::Value {
    serde_json::json!({"typ": "Refresh", "jti": "f.1"})
}

#[test]
fn signs_hs512_with_keycloaks_header_and_verifies() {
    let key = SecretKey::generate("hmac-1").unwrap();
    let token = jws::sign_with_secret(&claims(), &key, "JWT");
    let header = jws::decode_part(token.split('.').next().unwrap()).unwrap();
    assert_eq!(
        String::from_utf8(header).unwrap(),
        r#"{"alg":"HS512","kid":"hmac-1","typ":"JWT"}"#
    );
    let compact = Compact::parse(&token).unwrap();
    assert_eq!(
        compact.verify_secret(std::slice::from_ref(&key)).unwrap(),
        br#"{"jti":"f.1","typ":"Refresh"}"#
    );
    // The tag is 512 bits.
    let tag = jws::decode_part(token.rsplit('.').next().unwrap()).unwrap();
    assert_eq!(tag.len(), 64);
}

#[test]
fn round_trips_through_base64_and_hides_the_secret() {
    let key = SecretKey::generate("k").unwrap();
    let again = SecretKey::from_base64("k", &key.to_base64()).unwrap();
    let token = jws::sign_with_secret(&claims(), &key, "JWT");
    assert!(
        Compact::parse(&token)
            .unwrap()
            .verify_secret(&[again])
            .is_ok()
    );
    assert!(!format!("{key:?}").contains(&key.to_base64()));
    assert_eq!(
        SecretKey::from_base64("k", "c2hvcnQ").unwrap_err(),
        KeyError::NoPrivateKey
    );
    assert_eq!(
        SecretKey::from_base64("k", "not base64!").unwrap_err(),
        KeyError::NoPrivateKey
    );
}

#[test]
fn other_key_tampering_and_other_algorithms_fail() {
    let key = SecretKey::generate("k").unwrap();
    let token = jws::sign_with_secret(&claims(), &key, "JWT");
    let other = SecretKey::generate("k").unwrap();
    assert_eq!(
        Compact::parse(&token).unwrap().verify_secret(&[other]),
        Err(JwsError::Signature(vec!["invalid signature".into()]))
    );
    let unknown = SecretKey::generate("k2").unwrap();
    assert_eq!(
        Compact::parse(&token).unwrap().verify_secret(&[unknown]),
        Err(JwsError::NoKeys)
    );
    let parts: Vec<&str> = token.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        jws::encode_part(br#"{"jti":"f.9","typ":"Refresh"}"#),
        parts[2]
    );
    assert!(matches!(
        Compact::parse(&forged)
            .unwrap()
            .verify_secret(std::slice::from_ref(&key)),
        Err(JwsError::Signature(_))
    ));
    // An RS256 token never verifies as a secret-key token, whatever its kid.
    let rsa = SigningKey::generate(crate::Algorithm::RS256)
        .unwrap()
        .with_key_id("k");
    let rs256 = jws::sign_with_type(&claims(), &rsa, "JWT").unwrap();
    assert!(
        Compact::parse(&rs256)
            .unwrap()
            .verify_secret(std::slice::from_ref(&key))
            .is_err()
    );
}

#[test]
fn an_hs512_token_never_verifies_against_public_keys() {
    let key = SecretKey::generate("k").unwrap();
    let token = jws::sign_with_secret(&claims(), &key, "JWT");
    let rsa = SigningKey::generate(crate::Algorithm::RS256)
        .unwrap()
        .with_key_id("k");
    assert!(
        Compact::parse(&token)
            .unwrap()
            .verify(&[rsa.public_key().clone()])
            .is_err()
    );
}
