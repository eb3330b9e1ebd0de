//! Keycloak's admin REST API breadth through PyPI python-keycloak 7 (`keycloak_breadth.py`):
//! what automation built for Keycloak calls, with Keycloak's answers.

use serde_json::json;

use super::*;

#[test]
fn python_keycloak_drives_the_admin_api_as_it_drives_keycloak() {
    let idp = Idp::start();
    let r = python_keycloak("keycloak_breadth.py", &idp, &[]);
    eprintln!("{r:#}");
    assert_eq!(
        r["clients"],
        json!([
            "account",
            "account-console",
            "admin-cli",
            "broker",
            "realm-management",
            "security-admin-console"
        ])
    );
    assert_eq!(
        r["realm_roles"],
        json!([
            "default-roles-breadth",
            "offline_access",
            "uma_authorization"
        ])
    );
    assert_eq!(
        r["default_role_composites"],
        json!([
            "manage-account",
            "offline_access",
            "uma_authorization",
            "view-profile"
        ])
    );
    for scope in [
        "acr",
        "basic",
        "email",
        "offline_access",
        "profile",
        "roles",
        "web-origins",
    ] {
        assert!(
            r["scopes"].as_array().unwrap().contains(&json!(scope)),
            "{scope}"
        );
    }
    assert_eq!(r["management_roles"], 19);
    assert_eq!(r["realm_wrong"][0], 400);
    assert_eq!(
        r["realm_wrong"][1]["error"],
        "Unrecognized field \"wrong\" (class org.keycloak.representations.idm.RealmRepresentation), not marked as ignorable"
    );
    assert_eq!(r["account_theme"], "keycloak.v3");
    assert_eq!(r["imported"], 1200);
    assert_eq!(r["skipped_again"], 10);
    assert_eq!(r["all_users"], 1200);
    assert_eq!(r["users_sorted"], true);
    assert_eq!(r["page_at_1150"], 50);
    assert_eq!(r["users_count"], 1200);
    assert_eq!(r["users_count_search"], 100);
    assert!(
        !r["brief_user_fields"]
            .as_array()
            .unwrap()
            .contains(&json!("attributes")),
        "{}",
        r["brief_user_fields"]
    );
    assert_eq!(r["user_wrong"][0], 400);
    assert_eq!(
        r["duplicate_user"],
        json!([409, {"errorMessage": "User exists with same username"}])
    );
    assert_eq!(r["groups"], 120);
    assert_eq!(r["groups_page"], 20);
    assert_eq!(r["groups_count"], 120);
    assert_eq!(r["user_groups"], 120);
    assert_eq!(r["user_groups_page"], 10);
    assert_eq!(r["child_path"], "/group000/child");
    assert_eq!(r["sub_group_count"], 1);
    assert_eq!(
        r["duplicate_group"],
        json!([409, {"errorMessage": "Top level group named 'group001' already exists."}])
    );
    assert_eq!(
        r["duplicate_role"],
        json!([409, {"errorMessage": "Role with name reader already exists"}])
    );
    assert_eq!(r["role_members"], json!(["user0000"]));
    assert_eq!(r["role_attributes_brief"], false);
    assert_eq!(r["role_attributes_full"], json!({"team": ["sre"]}));
    assert_eq!(
        r["duplicate_client"],
        json!([409, {"errorMessage": "Client app already exists"}])
    );
    assert_eq!(r["client_role_composites"], json!(["view"]));
    assert_eq!(r["client_role_members"], json!(["user0000"]));
    assert!(
        r["app_default_scopes"]
            .as_array()
            .unwrap()
            .contains(&json!("team"))
    );
    assert_eq!(
        r["mapper_missing"],
        json!([404, {"error": "Model not found"}])
    );
    assert_eq!(r["claims"]["team"], "sre");
    assert_eq!(r["claims"]["level"], "2");
    assert_eq!(
        r["claims"]["realm_roles"],
        json!([
            "default-roles-breadth",
            "offline_access",
            "reader",
            "uma_authorization"
        ])
    );
    assert_eq!(r["claims"]["app_roles"], json!(["admin", "view"]));
    assert_eq!(
        r["claims"]["scope"],
        "openid profile email team offline_access"
    );
    assert_eq!(r["offline_typ"], "Offline");
    assert_eq!(r["offline_expires_in"], 0);
    assert_eq!(
        r["sessions"], 1,
        "the online session (the offline one is apart)"
    );
    assert_eq!(r["sessions_after_logout"], 0);
    assert_eq!(r["online_refresh_after_logout"][0], 400);
    assert_eq!(r["offline_refresh_after_logout"], true);
    assert_eq!(r["credentials"], json!(["password"]));
    assert_eq!(
        r["credential_missing"],
        json!([404, {"error": "Credential not found"}])
    );
    assert_eq!(r["brute_force"], 2);
    assert_eq!(r["brute_force_cleared"], 0);
    assert_eq!(
        r["reset_unknown"],
        json!([404, {"error": "User not found"}])
    );
    assert_eq!(r["login_events"], json!(["LOGIN"]));
    assert_eq!(
        r["login_errors"],
        json!(["invalid_user_credentials", "invalid_user_credentials"])
    );
    assert!(r["refresh_events"].as_u64().unwrap() >= 1);
    assert!(
        r["admin_events"]
            .as_array()
            .unwrap()
            .contains(&json!(["ACTION", "USER"])),
        "{}",
        r["admin_events"]
    );
    assert_eq!(r["active_keys"], json!(["HS512", "RS256"]));
    assert!(
        r["server_info_keys"]
            .as_array()
            .unwrap()
            .contains(&json!("systemInfo"))
    );
    assert_eq!(
        r["required_actions"],
        json!(["CONFIGURE_TOTP", "UPDATE_PASSWORD"])
    );
    assert_eq!(r["export_secret"], json!(["**********"]));
    assert_eq!(r["export_users"], false);

    // Relative redirect URIs are resolved as Keycloak resolves them: the built-in account
    // console's (`rootUrl` `${authBaseUrl}`, `/realms/<realm>/account/*`) on either issuer, and
    // a client's own `rootUrl`.
    let authorize = |issuer: &str, client: &str, redirect: &str| {
        idp.curl(&[
            "-G",
            &format!("{issuer}/protocol/openid-connect/auth"),
            "--data-urlencode",
            &format!("client_id={client}"),
            "--data-urlencode",
            &format!("redirect_uri={redirect}"),
            "-d",
            "response_type=code",
            "-d",
            "scope=openid",
            "-d",
            &format!("code_challenge={}", "x".repeat(43)),
            "-d",
            "code_challenge_method=S256",
        ])
    };
    for prefix in ["", "/auth"] {
        let issuer = format!("{}{prefix}/realms/breadth", idp.url);
        let (status, body) = authorize(&issuer, "account-console", &format!("{issuer}/account/"));
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("session_code="), "the login form: {body}");
        let (status, body) = authorize(
            &issuer,
            "account-console",
            "https://elsewhere.example/realms/breadth/account/",
        );
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("Invalid parameter: redirect_uri"), "{body}");
    }
    let (status, body) = idp.admin(
        "POST",
        "breadth/clients",
        Some(
            &json!({"clientId": "rooted", "publicClient": true,
                "rootUrl": "https://app.example", "redirectUris": ["/callback"]})
            .to_string(),
        ),
    );
    assert_eq!(status, 201, "{body}");
    let issuer = format!("{}/realms/breadth", idp.url);
    let (status, body) = authorize(&issuer, "rooted", "https://app.example/callback");
    assert_eq!(status, 200, "{body}");
    let (status, _) = authorize(&issuer, "rooted", &format!("{}/callback", idp.url));
    assert_eq!(
        status, 400,
        "resolved against the client's root URL, not the provider's"
    );
}
