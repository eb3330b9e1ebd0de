//! Unit tests of the ID token checks and the grant forms.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::*;

fn id_token(payload: &str) -> String {
    format!(
        "{}.{}.c2ln",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#),
        URL_SAFE_NO_PAD.encode(payload)
    )
}

fn response(payload: &str, refresh: Option<&str>) -> TokenResponse {
    TokenResponse {
        id_token: Some(id_token(payload)),
        refresh_token: refresh.map(String::from),
    }
}

const EXPECTED: Expected<'static> = Expected {
    issuer: "https://idp",
    client_id: "kubernetes",
    nonce: Some("n1"),
};

#[test]
fn accepts_a_matching_token_and_keeps_the_old_refresh_token() {
    let tokens = accept(
        response(
            r#"{"iss":"https://idp","aud":["kubernetes","x"],"exp":200,"nonce":"n1"}"#,
            None,
        ),
        &EXPECTED,
        Some("old".into()),
        100,
    )
    .unwrap();
    assert_eq!(tokens.refresh_token.as_deref(), Some("old"));
    let fresh = accept(
        response(
            r#"{"iss":"https://idp","aud":"kubernetes","exp":200,"nonce":"n1"}"#,
            Some("new"),
        ),
        &EXPECTED,
        Some("old".into()),
        100,
    )
    .unwrap();
    assert_eq!(fresh.refresh_token.as_deref(), Some("new"));
}

#[test]
fn refuses_a_wrong_nonce_issuer_audience_or_expiry() {
    let nonce = accept(
        response(
            r#"{"iss":"https://idp","aud":"kubernetes","exp":200,"nonce":"evil"}"#,
            None,
        ),
        &EXPECTED,
        None,
        100,
    )
    .unwrap_err();
    assert_eq!(
        nonce.to_string(),
        "nonce did not match (wants n1 but got evil)"
    );
    let issuer = accept(
        response(
            r#"{"iss":"https://other","aud":"kubernetes","exp":200,"nonce":"n1"}"#,
            None,
        ),
        &EXPECTED,
        None,
        100,
    )
    .unwrap_err();
    assert!(matches!(issuer, TokenError::Issuer { .. }), "{issuer}");
    let audience = accept(
        response(
            r#"{"iss":"https://idp","aud":"other","exp":200,"nonce":"n1"}"#,
            None,
        ),
        &EXPECTED,
        None,
        100,
    )
    .unwrap_err();
    assert!(
        matches!(audience, TokenError::Audience { .. }),
        "{audience}"
    );
    let expired = accept(
        response(
            r#"{"iss":"https://idp","aud":"kubernetes","exp":90,"nonce":"n1"}"#,
            None,
        ),
        &EXPECTED,
        None,
        100,
    )
    .unwrap_err();
    assert!(matches!(expired, TokenError::Expired(90)), "{expired}");
}

#[test]
fn a_missing_id_token_is_an_error() {
    let error = accept(
        TokenResponse {
            id_token: None,
            refresh_token: None,
        },
        &EXPECTED,
        None,
        0,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "id_token is missing in the token response"
    );
}

#[test]
fn grant_forms_carry_the_rfc_fields() {
    let form = Grant::AuthorizationCode {
        code: "c".into(),
        redirect_uri: "http://localhost:8000".into(),
        code_verifier: Some("v".into()),
    }
    .form();
    assert_eq!(form[0], ("grant_type", "authorization_code".to_string()));
    assert!(form.contains(&("code_verifier", "v".to_string())));
    assert_eq!(
        Grant::DeviceCode("d".into()).form()[0].1,
        "urn:ietf:params:oauth:grant-type:device_code"
    );
}

#[test]
fn basic_credentials_are_form_encoded() {
    assert_eq!(form_encode("a b+c/d:é"), "a+b%2Bc%2Fd%3A%C3%A9");
    assert_eq!(form_encode("plain-1.2_3"), "plain-1.2_3");
}
