//! Keycloak's admin REST API driven by PyPI python-keycloak: seed 001's realm built with
//! `KeycloakAdmin`, a token got and verified with `KeycloakOpenID`.

use serde_json::json;

use super::*;

#[test]
fn python_keycloak_builds_the_seed_001_realm_and_gets_a_token() {
    let idp = Idp::start();
    let result = python_keycloak("keycloak_admin.py", &idp, &[]);
    assert_eq!(
        result["realms"],
        serde_json::json!(["kubernetes", "master", "seed001"])
    );
    assert_eq!(result["client_uuid_lookup"], true);
    assert_eq!(result["user_lookup"], true);
    assert_eq!(result["duplicate"], 409);
    assert_eq!(result["user_groups"], serde_json::json!(["developers"]));
    assert_eq!(result["members"], serde_json::json!(["test"]));
    assert_eq!(result["client_roles_of_user"], serde_json::json!(["admin"]));
    let id = &result["id_token"];
    assert_eq!(id["preferred_username"], "test");
    assert_eq!(
        id["groups"],
        serde_json::json!(["kubernetes:admin", "developers"])
    );
    assert_eq!(id["iss"], idp.issuer("seed001"));
    assert_eq!(result["userinfo"]["email"], "test@example.com");
    assert_eq!(result["public_key_verifies"], "test");
    assert_eq!(result["wrong_password"], 401);
    for field in [
        "access_token",
        "id_token",
        "refresh_token",
        "session_state",
        "not-before-policy",
    ] {
        assert!(
            result["token_fields"]
                .as_array()
                .unwrap()
                .contains(&Value::from(field)),
            "{field}"
        );
    }
}

#[test]
fn the_admin_api_refuses_missing_and_non_admin_tokens() {
    let idp = Idp::start();
    let (status, body) = idp.curl(&[&format!("{}/admin/realms", idp.url)]);
    assert_eq!(
        (status, json(&body)),
        (401, serde_json::json!({"error": "HTTP 401 Unauthorized"}))
    );
    // A token of another realm is no admin token.
    let (_, token) = idp.password_grant("test", PASSWORD, SECRET);
    let bearer = format!(
        "Authorization: Bearer {}",
        token["access_token"].as_str().unwrap()
    );
    let (status, _) = idp.curl(&["-H", &bearer, &format!("{}/admin/realms", idp.url)]);
    assert_eq!(status, 401);
}

#[test]
fn unknown_objects_are_404_in_keycloaks_words() {
    let idp = Idp::start();
    let missing = "00000000-0000-4000-8000-000000000000";
    for (path, message) in [
        ("nope".to_string(), "Realm not found."),
        ("nope/users".to_string(), "Realm not found."),
        (format!("kubernetes/users/{missing}"), "User not found"),
        (
            format!("kubernetes/clients/{missing}"),
            "Could not find client",
        ),
        (
            format!("kubernetes/groups/{missing}"),
            "Could not find group by id",
        ),
        ("kubernetes/roles/nope".to_string(), "Could not find role"),
        (
            format!("kubernetes/users/{missing}/role-mappings/realm"),
            "User not found",
        ),
    ] {
        let (status, body) = idp.admin("GET", &path, None);
        assert_eq!(
            (status, json(&body)),
            (404, serde_json::json!({ "error": message })),
            "GET {path}"
        );
    }
}

#[test]
fn python_keycloak_finds_users_exactly_and_pages_them_in_username_order() {
    let idp = Idp::start();
    let r = python_keycloak("keycloak_user_search.py", &idp, &[]);
    assert_eq!(r["page1"], json!(["amy", "bob"]));
    assert_eq!(r["page2"], json!(["carol", "dave"]));
    assert_eq!(r["page_past_end"], json!([]));
    assert_eq!(r["exact"], json!(["amy"]), "case-insensitive, as Keycloak");
    assert_eq!(r["exact_prefix"], json!([]));
    assert_eq!(r["substring"], json!(["bob", "carol", "zoe"]));
    assert_eq!(r["search"], json!(["carol"]));
    assert_eq!(r["email_exact"], json!(["bob"]));
    assert_eq!(
        r["exact_and_disabled"],
        json!([]),
        "the other filters still apply"
    );
    assert_eq!(r["count_exact"], 1);
    assert_eq!(r["count_all"], 5);
    // A change is seen by the next search.
    assert_eq!(r["after_create"], json!(["eve"]));
    assert_eq!(r["old_email"], json!([]));
    assert_eq!(r["new_email"], json!(["bob"]));
    assert_eq!(r["after_delete"], json!([]));
    assert_eq!(r["all"], json!(["amy", "bob", "carol", "eve", "zoe"]));
}
