//! Tests of `jws`.

use super::*;
use crate::keys::parse_verification_keys;
use crate::test_support::{other_rsa_key_pem, rsa_key_pem};

#[test]
fn sign_then_verify() {
    let key = SigningKey::from_pem(rsa_key_pem()).unwrap();
    let token = sign(&serde_json::json!({"iss": "x", "a": 1}), &key).unwrap();
    let header = RAW_URL.decode(token.split('.').next().unwrap()).unwrap();
    assert_eq!(
        String::from_utf8(header).unwrap(),
        format!("{{\"alg\":\"RS256\",\"kid\":\"{}\"}}", key.key_id())
    );
    let keys = parse_verification_keys(rsa_key_pem()).unwrap();
    let compact = Compact::parse(&token).unwrap();
    assert_eq!(compact.verify(&keys).unwrap(), b"{\"a\":1,\"iss\":\"x\"}");
    assert_eq!(unverified_payload(&token).unwrap()["iss"], "x");
}

#[test]
fn other_key_or_tampering_fails() {
    let key = SigningKey::from_pem(rsa_key_pem()).unwrap();
    let token = sign(&serde_json::json!({"iss": "x"}), &key).unwrap();
    let other = parse_verification_keys(other_rsa_key_pem()).unwrap();
    assert_eq!(
        Compact::parse(&token).unwrap().verify(&other),
        Err(JwsError::NoKeys)
    );
    let parts: Vec<&str> = token.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        RAW_URL.encode("{\"iss\":\"y\"}"),
        parts[2]
    );
    let keys = parse_verification_keys(rsa_key_pem()).unwrap();
    assert!(matches!(
        Compact::parse(&forged).unwrap().verify(&keys),
        Err(JwsError::Signature(_))
    ));
}

#[test]
fn malformed_tokens_do_not_panic() {
    for token in [
        "",
        ".",
        "..",
        "a.b",
        "a.b.c.d",
        "!!.??.**",
        "e30.e30.",
        "eyJhbGciOjF9.e30.AA",
    ] {
        assert!(Compact::parse(token).is_err(), "{token}");
    }
    assert!(unverified_payload("{\"iss\":1}").is_none());
    assert!(unverified_payload("a.%%%.c").is_none());
}
