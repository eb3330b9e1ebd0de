//! Tests of `jws`.

use super::*;
use crate::Algorithm;

fn rsa() -> SigningKey {
    SigningKey::generate(Algorithm::RS256).unwrap()
}

#[test]
fn sign_then_verify() {
    let key = rsa();
    let token = sign(&serde_json::json!({"iss": "x", "a": 1}), &key).unwrap();
    let header = RAW_URL.decode(token.split('.').next().unwrap()).unwrap();
    assert_eq!(
        String::from_utf8(header).unwrap(),
        format!("{{\"alg\":\"RS256\",\"kid\":\"{}\"}}", key.key_id())
    );
    let keys = vec![key.public_key().clone()];
    let compact = Compact::parse(&token).unwrap();
    assert_eq!(compact.algorithm(), "RS256");
    assert_eq!(compact.key_id(), key.key_id());
    assert_eq!(compact.verify(&keys).unwrap(), b"{\"a\":1,\"iss\":\"x\"}");
    assert_eq!(unverified_payload(&token).unwrap()["iss"], "x");
}

#[test]
fn other_key_or_tampering_fails() {
    let key = rsa();
    let token = sign(&serde_json::json!({"iss": "x"}), &key).unwrap();
    let other = vec![rsa().public_key().clone()];
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
    let keys = vec![key.public_key().clone()];
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

#[test]
fn typed_tokens_and_other_algorithms() {
    for alg in [Algorithm::ES256, Algorithm::EdDSA] {
        let key = SigningKey::generate(alg).unwrap();
        let token = sign_with_type(&serde_json::json!({"sub": "s"}), &key, "JWT").unwrap();
        let compact = Compact::parse(&token).unwrap();
        assert_eq!(compact.header()["typ"], "JWT");
        assert_eq!(compact.algorithm(), alg.as_str());
        assert_eq!(
            compact.verify(&[key.public_key().clone()]).unwrap(),
            b"{\"sub\":\"s\"}"
        );
    }
}

#[test]
fn alg_none_and_hmac_never_verify() {
    let key = rsa();
    let keys = vec![key.public_key().clone()];
    let payload = encode_part(b"{\"sub\":\"s\"}");
    for header in [
        format!("{{\"alg\":\"none\",\"kid\":\"{}\"}}", key.key_id()),
        format!("{{\"alg\":\"HS256\",\"kid\":\"{}\"}}", key.key_id()),
    ] {
        let token = format!(
            "{}.{payload}.{}",
            encode_part(header.as_bytes()),
            encode_part(b"x")
        );
        assert!(matches!(
            Compact::parse(&token).unwrap().verify(&keys),
            Err(JwsError::Signature(_))
        ));
    }
}
