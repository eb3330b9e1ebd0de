//! CORS as Keycloak answers it, seen by curl sending a browser's `Origin`: the client's
//! `webOrigins` (an origin, `+` for its redirect URIs' origins) are allowed on the token,
//! userinfo, introspection and revocation endpoints, any origin on the JWKS, and other origins
//! get no CORS header; preflights answer with the endpoint's methods.

use std::collections::HashMap;

use serde_json::json;

use super::*;

const OIDC: &str = "/realms/kubernetes/protocol/openid-connect";
const APP: &str = "https://app.example.com";
/// The origin of kubernetes-client's redirect URI `http://localhost:8000`.
const REDIRECT: &str = "http://localhost:8000";
const EVIL: &str = "https://evil.example.com";

/// `curl -i ARGS… URL` with `Origin: origin`: (status, the CORS headers, body).
fn with_origin(
    idp: &Idp,
    origin: &str,
    path: &str,
    args: &[&str],
) -> (u16, HashMap<String, String>, String) {
    let url = format!("{}{path}", idp.url);
    let origin = format!("Origin: {origin}");
    let mut all = vec!["-i", "-H", origin.as_str()];
    all.extend_from_slice(args);
    all.push(&url);
    let (status, text) = idp.curl(&all);
    let (head, body) = text.split_once("\r\n\r\n").expect("headers, then the body");
    let cors = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .filter(|(k, _)| k.starts_with("access-control-"))
        .collect();
    (status, cors, body.to_string())
}

/// The headers an allowed origin gets on an answer.
fn allowed(origin: &str) -> HashMap<String, String> {
    HashMap::from([
        (
            "access-control-allow-origin".to_string(),
            origin.to_string(),
        ),
        (
            "access-control-allow-credentials".to_string(),
            "true".to_string(),
        ),
    ])
}

fn password_form(idp: &Idp, origin: &str) -> (u16, HashMap<String, String>, String) {
    with_origin(
        idp,
        origin,
        &format!("{OIDC}/token"),
        &[
            "-d",
            "grant_type=password",
            "-d",
            "client_id=kubernetes-client",
            "-d",
            &format!("client_secret={SECRET}"),
            "-d",
            "username=test",
            "-d",
            &format!("password={PASSWORD}"),
            "-d",
            "scope=openid",
        ],
    )
}

/// Sets kubernetes-client's webOrigins through the admin API.
fn set_web_origins(idp: &Idp, origins: serde_json::Value) {
    let (_, list) = idp.admin("GET", "kubernetes/clients?clientId=kubernetes-client", None);
    let id = json(&list)[0]["id"].as_str().unwrap().to_string();
    let body = json!({ "webOrigins": origins }).to_string();
    let (status, _) = idp.admin("PUT", &format!("kubernetes/clients/{id}"), Some(&body));
    assert_eq!(status, 204);
}

#[test]
fn web_origins_decide_which_pages_may_read_the_answers() {
    let idp = Idp::start();
    // No webOrigins yet: the token is issued, but no page may read it.
    let (status, cors, _) = password_form(&idp, APP);
    assert_eq!((status, cors), (200, HashMap::new()));

    set_web_origins(&idp, json!(["+", APP]));
    for origin in [APP, REDIRECT] {
        let (status, cors, _) = password_form(&idp, origin);
        let mut expected = allowed(origin);
        expected.insert(
            "access-control-expose-headers".into(),
            "Access-Control-Allow-Methods".into(),
        );
        assert_eq!((status, cors), (200, expected), "{origin}");
    }
    let (status, cors, body) = password_form(&idp, EVIL);
    assert_eq!((status, cors), (200, HashMap::new()));

    // Userinfo: the client is the token's azp.
    let access = json(&body)["access_token"].as_str().unwrap().to_string();
    let bearer = format!("Authorization: Bearer {access}");
    let userinfo = format!("{OIDC}/userinfo");
    let (status, cors, _) = with_origin(&idp, APP, &userinfo, &["-H", &bearer]);
    assert_eq!((status, cors), (200, allowed(APP)));
    let (status, cors, _) = with_origin(&idp, EVIL, &userinfo, &["-H", &bearer]);
    assert_eq!((status, cors), (200, HashMap::new()));

    // Introspection and revocation: the client that authenticates.
    let basic = ["-u", "kubernetes-client:kubernetes-client-secret"];
    let token_form = format!("token={access}");
    let args = [&basic[..], &["-d", &token_form]].concat();
    let introspect = format!("{OIDC}/token/introspect");
    let (status, cors, _) = with_origin(&idp, REDIRECT, &introspect, &args);
    assert_eq!((status, cors), (200, allowed(REDIRECT)));
    let (status, cors, _) = with_origin(&idp, EVIL, &introspect, &args);
    assert_eq!((status, cors), (200, HashMap::new()));
    let (status, cors, _) = with_origin(&idp, APP, &format!("{OIDC}/revoke"), &args);
    assert_eq!((status, cors), (200, allowed(APP)));

    // The JWKS: any origin.
    let (status, cors, _) = with_origin(&idp, EVIL, &format!("{OIDC}/certs"), &[]);
    assert_eq!((status, cors), (200, allowed(EVIL)));
}

#[test]
fn preflights_answer_as_keycloak() {
    let idp = Idp::start();
    let preflight = |path: &str| {
        with_origin(
            &idp,
            EVIL,
            &format!("{OIDC}/{path}"),
            &["-X", "OPTIONS", "-H", "Access-Control-Request-Method: POST"],
        )
    };
    let headers = |methods: &str| {
        let mut h = allowed(EVIL);
        h.insert("access-control-allow-methods".into(), methods.into());
        h.insert(
            "access-control-allow-headers".into(),
            "Origin, Accept, X-Requested-With, Content-Type, Access-Control-Request-Method, \
             Access-Control-Request-Headers, Authorization"
                .into(),
        );
        h.insert("access-control-max-age".into(), "3600".into());
        h
    };
    for (path, methods) in [
        ("token", "POST, OPTIONS"),
        ("token/introspect", "POST, OPTIONS"),
        ("revoke", "POST, OPTIONS"),
        ("userinfo", "GET, HEAD, OPTIONS"),
        ("logout", "GET, HEAD, OPTIONS"),
        ("certs", "GET"),
    ] {
        let (status, cors, body) = preflight(path);
        assert_eq!(
            (status, cors, body),
            (200, headers(methods), String::new()),
            "{path}"
        );
    }
    // Without an Origin, OPTIONS is a plain 200.
    let (status, text) = idp.curl(&["-i", "-X", "OPTIONS", &format!("{}{OIDC}/token", idp.url)]);
    assert_eq!(status, 200);
    assert!(!text.to_lowercase().contains("access-control-"), "{text}");
}
