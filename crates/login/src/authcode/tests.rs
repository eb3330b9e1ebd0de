//! Unit tests of the authorization URL.

use super::*;

#[test]
fn the_url_carries_pkce_state_nonce_sorted_by_name() {
    let extra = vec![("prompt".to_string(), "consent".to_string())];
    let url = authorization_url(&AuthorizationRequest {
        endpoint: "https://idp/auth",
        client_id: "kubernetes",
        redirect_uri: "http://localhost:8000",
        scope: "email openid",
        state: "st",
        nonce: "no",
        code_challenge: Some("ch"),
        extra: &extra,
    })
    .unwrap();
    assert_eq!(
        url,
        "https://idp/auth?access_type=offline&client_id=kubernetes&code_challenge=ch&code_challenge_method=S256&nonce=no&prompt=consent&redirect_uri=http%3A%2F%2Flocalhost%3A8000&response_type=code&scope=email+openid&state=st"
    );
}

#[test]
fn an_endpoint_with_a_query_keeps_it_and_a_bad_endpoint_is_an_error() {
    let url = authorization_url(&AuthorizationRequest {
        endpoint: "https://idp/auth?tenant=a",
        client_id: "c",
        redirect_uri: "http://localhost:8000",
        scope: "openid",
        state: "s",
        nonce: "n",
        code_challenge: None,
        extra: &[],
    })
    .unwrap();
    assert!(url.starts_with("https://idp/auth?tenant=a&access_type=offline&client_id=c"));
    assert!(!url.contains("code_challenge"));
    let error = authorization_url(&AuthorizationRequest {
        endpoint: "not a url",
        client_id: "c",
        redirect_uri: "r",
        scope: "openid",
        state: "s",
        nonce: "n",
        code_challenge: None,
        extra: &[],
    })
    .unwrap_err();
    assert!(error.to_string().starts_with("invalid URL not a url"));
}

#[test]
fn the_callback_path_comes_from_the_redirect_uri() {
    assert_eq!(callback_path("http://localhost:8000").unwrap(), "/");
    assert_eq!(
        callback_path("http://localhost:8000/callback").unwrap(),
        "/callback"
    );
}
