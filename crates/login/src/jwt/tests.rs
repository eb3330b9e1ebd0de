//! Unit tests of unverified ID token decoding.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::*;

fn token(payload: &str) -> String {
    format!(
        "{}.{}.c2ln",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#),
        URL_SAFE_NO_PAD.encode(payload)
    )
}

#[test]
fn reads_the_claims_with_a_string_audience() {
    let claims = decode_claims(&token(
        r#"{"iss":"https://idp","sub":"u1","aud":"kubernetes","exp":1700000000,"nonce":"n"}"#,
    ))
    .unwrap();
    assert_eq!(claims.issuer, "https://idp");
    assert_eq!(claims.subject, "u1");
    assert_eq!(claims.audience, vec!["kubernetes".to_string()]);
    assert_eq!(claims.expiry, 1_700_000_000);
    assert_eq!(claims.nonce.as_deref(), Some("n"));
    assert!(claims.pretty.contains("\"sub\": \"u1\""));
}

#[test]
fn reads_an_array_audience_and_no_nonce() {
    let claims = decode_claims(&token(r#"{"aud":["a","b"],"exp":5}"#)).unwrap();
    assert_eq!(claims.audience, vec!["a".to_string(), "b".to_string()]);
    assert_eq!(claims.nonce, None);
}

#[test]
fn refuses_a_token_without_three_parts() {
    assert_eq!(decode_claims("abc.def"), Err(JwtError::NotJwt));
    assert_eq!(decode_claims("a.b.c.d"), Err(JwtError::NotJwt));
}

#[test]
fn refuses_bad_base64_and_bad_json() {
    assert_eq!(decode_claims("a.!!!.c"), Err(JwtError::NotJwt));
    assert_eq!(decode_claims(&token("not json")), Err(JwtError::NotJwt));
    assert_eq!(decode_claims(&token("[1]")), Err(JwtError::NotJwt));
    assert!(matches!(
        decode_claims(&token(r#"{"exp":"soon"}"#)),
        Err(JwtError::Json(_))
    ));
}
