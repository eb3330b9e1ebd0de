//! Bad input gets the standard error, as Keycloak answers it, and nothing crashes.

use std::time::Instant;

use super::*;

/// A form, the error code and the description it must get.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);

const TOKEN: &str = "/realms/kubernetes/protocol/openid-connect/token";

#[test]
fn wrong_password_and_unknown_user_get_the_same_answer() {
    let idp = Idp::start();
    let started = Instant::now();
    let wrong = idp.password_grant("test", "nope", SECRET);
    let wrong_took = started.elapsed();
    let started = Instant::now();
    let unknown = idp.password_grant("nobody", "nope", SECRET);
    let unknown_took = started.elapsed();
    assert_eq!(wrong, unknown);
    assert_eq!(wrong.0, 401);
    assert_eq!(
        wrong.1,
        serde_json::json!({"error": "invalid_grant", "error_description": "Invalid user credentials"})
    );
    // Both spend one argon2 verification: neither is an order of magnitude faster.
    let (fast, slow) = if wrong_took < unknown_took {
        (wrong_took, unknown_took)
    } else {
        (unknown_took, wrong_took)
    };
    assert!(
        slow < fast * 10,
        "wrong password {wrong_took:?}, unknown user {unknown_took:?}"
    );
}

#[test]
fn bad_client_credentials_are_401_invalid_client() {
    let idp = Idp::start();
    let (status, body) = idp.password_grant("test", PASSWORD, "wrong-secret");
    assert_eq!(status, 401);
    assert_eq!(
        body,
        serde_json::json!({"error": "invalid_client", "error_description": "Invalid client or Invalid client credentials"})
    );
    let (status, body) = idp.curl(&[
        &format!("{}{TOKEN}", idp.url),
        "-u",
        "kubernetes-client:wrong",
        "-d",
        "grant_type=client_credentials",
    ]);
    assert_eq!(
        (status, json(&body)["error"].as_str()),
        (401, Some("invalid_client"))
    );
}

#[test]
fn malformed_and_unsupported_requests_are_400_with_the_rfc_code() {
    let idp = Idp::start();
    let cases: &[Case] = &[
        (&[], "invalid_request", "Missing form parameter: grant_type"),
        (
            &[("grant_type", "magic"), ("client_id", "kubernetes-client")],
            "unsupported_grant_type",
            "Unsupported grant_type",
        ),
        (
            &[
                ("grant_type", "password"),
                ("client_id", "kubernetes-client"),
                ("client_secret", SECRET),
            ],
            "invalid_request",
            "Missing parameter: username",
        ),
        (
            &[
                ("grant_type", "refresh_token"),
                ("client_id", "kubernetes-client"),
                ("client_secret", SECRET),
                ("refresh_token", "garbage"),
            ],
            "invalid_grant",
            "Invalid refresh token",
        ),
        (
            &[
                ("grant_type", "authorization_code"),
                ("client_id", "kubernetes-client"),
                ("client_secret", SECRET),
                ("code", "made-up"),
                ("redirect_uri", "http://localhost:8000"),
            ],
            "invalid_grant",
            "Code not valid",
        ),
        (
            &[
                ("grant_type", "password"),
                ("client_id", "kubelogin"),
                ("username", "test"),
                ("password", PASSWORD),
            ],
            "unauthorized_client",
            "Client not allowed for direct access grants",
        ),
        (
            &[
                ("grant_type", "password"),
                ("client_id", "kubernetes-client"),
                ("client_secret", SECRET),
                ("username", "test"),
                ("password", PASSWORD),
                ("scope", "openid bogus"),
            ],
            "invalid_scope",
            "Invalid scopes: openid bogus",
        ),
    ];
    for (form, error, description) in cases {
        let (status, body) = idp.post_form(TOKEN, form);
        assert_eq!(status, 400, "{form:?}: {body}");
        let body = json(&body);
        assert_eq!(body["error"], *error, "{form:?}");
        assert_eq!(body["error_description"], *description, "{form:?}");
    }
    // A JSON body is not a form; a duplicated parameter is refused; binary junk is survived.
    let url = format!("{}{TOKEN}", idp.url);
    let (status, body) = idp.curl(&[
        &url,
        "-H",
        "Content-Type: application/json",
        "-d",
        "{\"grant_type\":\"password\"}",
    ]);
    assert_eq!(
        (status, json(&body)["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, body) = idp.curl(&[&url, "-d", "grant_type=password&grant_type=password"]);
    assert_eq!(
        (status, json(&body)["error_description"].as_str()),
        (400, Some("duplicated parameter: grant_type"))
    );
    let (status, _) = idp.curl(&[&url, "--data-binary", "%ff%00=\u{1}&&=="]);
    assert_eq!(status, 400);
    // Still serving.
    assert_eq!(idp.password_grant("test", PASSWORD, SECRET).0, 200);
}

#[test]
fn disabled_users_are_refused() {
    let idp = Idp::start();
    let (status, body) = idp.password_grant("frozen", "frozen-password", SECRET);
    assert_eq!(status, 400);
    assert_eq!(
        body,
        serde_json::json!({"error": "invalid_grant", "error_description": "Account disabled"})
    );
    // A wrong password does not tell that the account exists.
    let (status, body) = idp.password_grant("frozen", "guess", SECRET);
    assert_eq!(
        (status, body["error_description"].as_str()),
        (401, Some("Invalid user credentials"))
    );
}

#[test]
fn repeated_failures_lock_the_account_for_a_while() {
    let idp = Idp::start();
    // Lower the realm's failure factor through the admin API, as an operator would.
    let (status, _) = idp.admin(
        "PUT",
        "kubernetes",
        Some(r#"{"bruteForceProtected": true, "failureFactor": 3, "waitIncrementSeconds": 60}"#),
    );
    assert_eq!(status, 204);
    for _ in 0..3 {
        assert_eq!(idp.password_grant("test", "guess", SECRET).0, 401);
    }
    let (status, body) = idp.password_grant("test", PASSWORD, SECRET);
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error_description"], "Account temporarily disabled");
    // Other users are not affected.
    assert_eq!(idp.password_grant("frozen", "guess", SECRET).0, 401);
}
