//! Seed 001 step 2-2 as written: curl's password grant with client_secret and scope=openid.

use super::*;

#[test]
fn seed_001_curl_gets_keycloaks_token_response() {
    let idp = Idp::start();
    let (status, body) = idp.password_grant("test", PASSWORD, SECRET);
    assert_eq!(status, 200, "{body}");
    let fields: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for field in [
        "access_token",
        "expires_in",
        "refresh_expires_in",
        "refresh_token",
        "token_type",
        "id_token",
        "not-before-policy",
        "session_state",
        "scope",
    ] {
        assert!(fields.contains(&field), "{field} missing from {body}");
    }
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 300);
    assert_eq!(body["refresh_expires_in"], 1800);
    assert_eq!(body["scope"], "openid profile email");
    let id = claims(body["id_token"].as_str().unwrap());
    assert_eq!(id["preferred_username"], "test");
    assert_eq!(
        id["groups"],
        serde_json::json!(["developers", "kubernetes:admin"])
    );
    assert_eq!(id["iss"], idp.issuer("kubernetes"));
    assert_eq!(id["aud"], "kubernetes-client");
    assert_eq!(id["azp"], "kubernetes-client");
    assert_eq!(id["typ"], "ID");
    assert_eq!(id["sid"], body["session_state"]);
    assert!(id["at_hash"].is_string());
    assert!(
        uuid::Uuid::parse_str(id["sub"].as_str().unwrap()).is_ok(),
        "sub is a uuid"
    );
    assert_eq!(header(body["id_token"].as_str().unwrap())["alg"], "RS256");
    // As Keycloak: the refresh token is an HS512 JWT of type Refresh.
    let refresh = body["refresh_token"].as_str().unwrap();
    assert_eq!(header(refresh)["alg"], "HS512");
    assert_eq!(header(refresh)["typ"], "JWT");
    assert_eq!(claims(refresh)["typ"], "Refresh");
    assert_eq!(claims(refresh)["sid"], body["session_state"]);
    let access = claims(body["access_token"].as_str().unwrap());
    assert_eq!(access["typ"], "Bearer");
    assert_eq!(
        access["resource_access"]["kubernetes-client"]["roles"],
        serde_json::json!(["admin"])
    );
    assert_eq!(
        access["realm_access"]["roles"],
        serde_json::json!(["k8s-user"])
    );
}

#[test]
fn discovery_jwks_and_the_auth_prefix_agree() {
    let idp = Idp::start();
    for prefix in ["", "/auth"] {
        let issuer = format!("{}{prefix}/realms/kubernetes", idp.url);
        let (status, body) = idp.curl(&[&format!("{issuer}/.well-known/openid-configuration")]);
        assert_eq!(status, 200);
        let doc = json(&body);
        assert_eq!(doc["issuer"], issuer);
        assert_eq!(
            doc["token_endpoint"],
            format!("{issuer}/protocol/openid-connect/token")
        );
        assert_eq!(
            doc["jwks_uri"],
            format!("{issuer}/protocol/openid-connect/certs")
        );
        // Keycloak 26's claims (its tokens carry them all), and back-channel logout refused
        // whole (Keycloak publishes both flags).
        assert_eq!(
            doc["claims_supported"],
            serde_json::json!([
                "iss",
                "sub",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "name",
                "given_name",
                "family_name",
                "preferred_username",
                "email",
                "acr",
                "azp",
                "nonce"
            ])
        );
        assert_eq!(doc["backchannel_logout_supported"], false);
        assert_eq!(doc["backchannel_logout_session_supported"], false);
        let (status, body) = idp.curl(&[doc["jwks_uri"].as_str().unwrap()]);
        assert_eq!(status, 200);
        let jwks = json(&body);
        assert_eq!(jwks["keys"][0]["kty"], "RSA");
        // Signing keys alone: nothing of kubeward's decrypts what a client would encrypt to
        // an `enc` key (request objects, client assertions), so none is published, and
        // discovery advertises no encryption and no JWT client authentication.
        let keys = jwks["keys"].as_array().unwrap();
        assert!(keys.iter().all(|k| k["use"] == "sig"), "{jwks}");
        let fields: Vec<&String> = doc.as_object().unwrap().keys().collect();
        assert!(
            !fields.iter().any(|f| f.contains("encryption")),
            "{fields:?}"
        );
        assert!(
            doc.get("token_endpoint_auth_signing_alg_values_supported")
                .is_none()
        );
        assert_eq!(
            doc["token_endpoint_auth_methods_supported"],
            serde_json::json!(["client_secret_basic", "client_secret_post"])
        );
        assert_eq!(doc["request_parameter_supported"], false);
    }
    // A token from /auth carries the /auth issuer.
    let url = format!(
        "{}/auth/realms/kubernetes/protocol/openid-connect/token",
        idp.url
    );
    let (status, body) = idp.curl(&[
        &url,
        "-d",
        "grant_type=client_credentials",
        "-u",
        &format!("kubernetes-client:{SECRET}"),
    ]);
    assert_eq!(status, 200, "{body}");
    let token = json(&body);
    assert!(token.get("refresh_token").is_none());
    let access = claims(token["access_token"].as_str().unwrap());
    assert_eq!(access["iss"], format!("{}/auth/realms/kubernetes", idp.url));
    assert_eq!(
        access["preferred_username"],
        "service-account-kubernetes-client"
    );
    let (status, _) = idp.curl(&[&format!(
        "{}/realms/nope/.well-known/openid-configuration",
        idp.url
    )]);
    assert_eq!(status, 404);
}

#[test]
fn refresh_rotates_and_a_replay_revokes_the_family() {
    let idp = Idp::start();
    let (_, first) = idp.password_grant("test", PASSWORD, SECRET);
    let r1 = first["refresh_token"].as_str().unwrap().to_string();
    let refresh = |token: &str| {
        let (status, body) = idp.post_form(
            "/realms/kubernetes/protocol/openid-connect/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", token),
                ("client_id", "kubernetes-client"),
                ("client_secret", SECRET),
            ],
        );
        (status, json(&body))
    };
    let (status, second) = refresh(&r1);
    assert_eq!(status, 200, "{second}");
    let r2 = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(r1, r2);
    assert_eq!(second["session_state"], first["session_state"]);
    let (status, replay) = refresh(&r1);
    assert_eq!(status, 400);
    assert_eq!(replay["error"], "invalid_grant");
    assert_eq!(
        replay["error_description"],
        "Maximum allowed refresh token reuse exceeded"
    );
    let (status, after) = refresh(&r2);
    assert_eq!(
        (status, after["error"].as_str()),
        (400, Some("invalid_grant")),
        "the family is revoked"
    );
    // Introspection agrees.
    let (_, body) = idp.post_form(
        "/realms/kubernetes/protocol/openid-connect/token/introspect",
        &[
            ("token", &r2),
            ("client_id", "kubernetes-client"),
            ("client_secret", SECRET),
        ],
    );
    assert_eq!(json(&body)["active"], false);
}

#[test]
fn introspection_knows_access_id_and_refresh_tokens() {
    let idp = Idp::start();
    let (_, tokens) = idp.password_grant("test", PASSWORD, SECRET);
    let introspect = |token: &str| {
        let (status, body) = idp.post_form(
            "/realms/kubernetes/protocol/openid-connect/token/introspect",
            &[
                ("token", token),
                ("client_id", "kubernetes-client"),
                ("client_secret", SECRET),
            ],
        );
        assert_eq!(status, 200, "{body}");
        json(&body)
    };
    for (field, typ) in [
        ("access_token", "Bearer"),
        ("id_token", "ID"),
        ("refresh_token", "Refresh"),
    ] {
        let answer = introspect(tokens[field].as_str().unwrap());
        assert_eq!(answer["active"], true, "{field}: {answer}");
        assert_eq!(answer["typ"], typ);
        assert_eq!(answer["username"], "test");
        assert_eq!(answer["client_id"], "kubernetes-client");
    }
    let access = tokens["access_token"].as_str().unwrap();
    let (signed, signature) = access.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    let tampered = format!("{signed}.{flipped}{}", &signature[1..]);
    assert_eq!(introspect(&tampered), serde_json::json!({"active": false}));
}
