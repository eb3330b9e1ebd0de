//! Authentication flows through PyPI python-keycloak 7 (`keycloak_flows.py`): the built-in
//! flows' executions as Keycloak 26 lists them, a copied flow's steps added, changed, moved and
//! removed, authenticator configurations and factories; a client's installation JSON and its
//! authorization settings (Authorization Services are not implemented: answered as Keycloak
//! without the feature); a role's composites by the role's id. The changes outlive a restart
//! and are written by `export`.

use std::process::Command;

use serde_json::json;

use super::*;

const DESCRIPTION: &str = "For more on this error consult the server log at the debug level.";

#[test]
fn python_keycloak_lists_and_edits_flows_as_keycloak_and_they_are_kept() {
    let idp = Idp::start();
    let r = python_keycloak("keycloak_flows.py", &idp, &[]);
    eprintln!("{r:#}");
    let any = json!(["REQUIRED", "ALTERNATIVE", "DISABLED"]);
    let flow = json!(["REQUIRED", "ALTERNATIVE", "DISABLED", "CONDITIONAL"]);
    let on_off = json!(["REQUIRED", "DISABLED"]);
    assert_eq!(
        r["browser"],
        json!([
            [
                "Cookie",
                0,
                0,
                "ALTERNATIVE",
                "auth-cookie",
                false,
                any,
                null
            ],
            [
                "Kerberos",
                0,
                1,
                "DISABLED",
                "auth-spnego",
                false,
                any,
                null
            ],
            [
                "Identity Provider Redirector",
                0,
                2,
                "ALTERNATIVE",
                "identity-provider-redirector",
                true,
                any,
                null
            ],
            ["Organization", 0, 3, "ALTERNATIVE", null, false, flow, true],
            [
                "Browser - Conditional Organization",
                1,
                0,
                "CONDITIONAL",
                null,
                false,
                flow,
                true
            ],
            [
                "Condition - user configured",
                2,
                0,
                "REQUIRED",
                "conditional-user-configured",
                false,
                on_off,
                null
            ],
            [
                "Organization Identity-First Login",
                2,
                1,
                "ALTERNATIVE",
                "organization",
                false,
                any,
                null
            ],
            ["forms", 0, 4, "ALTERNATIVE", null, false, flow, true],
            [
                "Username Password Form",
                1,
                0,
                "REQUIRED",
                "auth-username-password-form",
                false,
                ["REQUIRED"],
                null
            ],
            [
                "Browser - Conditional OTP",
                1,
                1,
                "CONDITIONAL",
                null,
                false,
                flow,
                true
            ],
            [
                "Condition - user configured",
                2,
                0,
                "REQUIRED",
                "conditional-user-configured",
                false,
                on_off,
                null
            ],
            [
                "OTP Form",
                2,
                1,
                "REQUIRED",
                "auth-otp-form",
                false,
                any,
                null
            ],
        ])
    );
    assert_eq!(r["browser_subflow_ids"], true);
    assert_eq!(
        r["first_broker_review"],
        json!([["Review Profile", "review profile config", true]])
    );
    assert_eq!(
        r["review_config"],
        json!({"alias": "review profile config", "config": {"update.profile.on.first.login": "missing"}})
    );
    assert_eq!(
        r["builtin_add"],
        json!([400, {"error": "It is illegal to add execution to a built in flow"}])
    );
    assert_eq!(
        r["copy"],
        json!([
            false,
            true,
            "Browser based authentication",
            [
                "auth-cookie",
                "auth-spnego",
                "identity-provider-redirector",
                "my browser Organization",
                "my browser forms"
            ]
        ])
    );
    assert_eq!(
        r["copy_again"],
        json!([409, {"errorMessage": "New flow alias name already exists"}])
    );
    assert_eq!(r["copy_unknown"], json!([404, {"error": "Flow not found"}]));
    assert_eq!(r["added"], json!(["OTP Form", "DISABLED", 0, 5]));
    assert_eq!(r["updated"], "REQUIRED");
    assert_eq!(
        r["single"],
        json!(["auth-otp-form", "REQUIRED", true, true, false])
    );
    assert_eq!(
        r["raised"],
        json!([
            "Cookie",
            "Kerberos",
            "Identity Provider Redirector",
            "my browser Organization",
            "OTP Form",
            "my browser forms"
        ])
    );
    assert_eq!(
        r["unknown_provider"],
        json!([400, {"error": "No authentication provider found for id: nothing"}])
    );
    assert_eq!(r["config_alias"], "to corp");
    assert_eq!(
        r["config"],
        json!(["to corp", {"defaultProvider": "other"}])
    );
    assert_eq!(r["subflow"], json!(["DISABLED", "extra steps", true, flow]));
    assert_eq!(
        r["after_delete"],
        json!([
            "Cookie",
            "Kerberos",
            "Identity Provider Redirector",
            "my browser Organization",
            "my browser forms",
            "my extra"
        ])
    );
    assert_eq!(
        r["delete_again"],
        json!([404, {"error": "Illegal execution"}])
    );
    assert_eq!(r["builtin_requirement"], "ALTERNATIVE");
    assert_eq!(r["scratch"], json!(["", []]));
    assert_eq!(
        r["create_again"],
        json!([409, {"errorMessage": "Flow scratch already exists"}])
    );
    assert_eq!(r["scratch_gone"], false);
    assert_eq!(
        r["delete_builtin"],
        json!([400, {"error": "Can't delete built in flow"}])
    );
    assert_eq!(
        r["providers_cookie"],
        json!({"id": "auth-cookie", "displayName": "Cookie", "description": "Validates the SSO cookie set by the auth server."})
    );
    assert_eq!(r["providers_has_clients"], false);
    assert_eq!(
        r["config_description"],
        json!({"helpText": "Validates the SSO cookie set by the auth server.", "name": "Cookie", "properties": [], "providerId": "auth-cookie"})
    );
    assert_eq!(
        r["config_description_redirector"],
        json!([{
            "name": "defaultProvider",
            "label": "Default Identity Provider",
            "helpText": "To automatically redirect to an identity provider set to the alias of the identity provider",
            "type": "String",
            "secret": false,
            "required": false,
            "readOnly": false,
        }])
    );
    assert_eq!(
        r["config_description_unknown"],
        json!([404, {"error": "Could not find authenticator provider"}])
    );
    assert_eq!(
        r["client_authenticators"],
        json!([
            ["client-jwt", false],
            ["client-secret", true],
            ["client-secret-jwt", true],
            ["client-x509", false]
        ])
    );

    let server = format!("{}/", idp.url);
    assert_eq!(
        r["installation"],
        json!({
            "realm": "kubernetes",
            "auth-server-url": server,
            "ssl-required": "external",
            "resource": "kubernetes-client",
            "credentials": {"secret": SECRET},
            "use-resource-role-mappings": true,
            "confidential-port": 0,
        })
    );
    assert_eq!(r["installation_type"], "text/plain;charset=UTF-8");
    assert!(
        r["installation_text"]
            .as_str()
            .unwrap()
            .starts_with("{\n  \"realm\" : \"kubernetes\",\n  \"auth-server-url\" : "),
        "{}",
        r["installation_text"]
    );
    assert_eq!(
        r["installation_offered"],
        json!([[
            "keycloak-oidc-keycloak-json",
            "Keycloak OIDC JSON",
            "keycloak.json",
            "application/json",
            false,
            true
        ]])
    );
    assert_eq!(
        r["installation_unknown"],
        json!([404, {"error": "Unknown Provider"}])
    );
    let not_enabled =
        json!([501, {"error": "Feature not enabled", "error_description": DESCRIPTION}]);
    assert_eq!(r["authz"], not_enabled);
    assert_eq!(r["authz_flag"], false);
    assert_eq!(r["authz_created"], not_enabled);

    assert_eq!(
        r["default_roles"],
        json!(["offline_access", "uma_authorization"])
    );
    assert_eq!(
        r["default_account_roles"],
        json!(["manage-account", "view-profile"])
    );

    // Kept: after a restart the copy's steps are as left; `export` writes them.
    let dir = idp.stop();
    let exported = Command::new(assert_cmd::cargo::cargo_bin("kubeward"))
        .args(["idp", "export", "-r", "kubernetes", "--data-dir"])
        .arg(dir.path().join("data"))
        .output()
        .expect("kubeward runs");
    assert!(exported.status.success(), "{exported:?}");
    let realm: Value = serde_json::from_slice(&exported.stdout).unwrap();
    let copy = realm["authenticationFlows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["alias"] == "my browser")
        .expect("the copy is exported");
    let steps: Vec<(&str, &str)> = copy["authenticationExecutions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["authenticator"]
                    .as_str()
                    .or(e["flowAlias"].as_str())
                    .unwrap(),
                e["requirement"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("auth-cookie", "ALTERNATIVE"),
            ("auth-spnego", "DISABLED"),
            ("identity-provider-redirector", "ALTERNATIVE"),
            ("my browser Organization", "ALTERNATIVE"),
            ("my browser forms", "ALTERNATIVE"),
            ("my extra", "DISABLED"),
        ]
    );
    assert_eq!(
        copy["authenticationExecutions"][2]["authenticatorConfig"],
        "to corp"
    );
    assert!(
        realm["authenticatorConfig"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["alias"] == "to corp" && c["config"]["defaultProvider"] == "other")
    );
    let idp = Idp::start_in(dir, &[], &[]);
    let (status, body) = idp.admin(
        "GET",
        "kubernetes/authentication/flows/my%20browser/executions",
        None,
    );
    assert_eq!(status, 200, "{body}");
    let listed = json(&body);
    let redirector = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["providerId"] == "identity-provider-redirector")
        .unwrap();
    assert_eq!(redirector["alias"], "to corp");
    let (status, body) = idp.admin(
        "GET",
        "kubernetes/authentication/flows/browser/executions",
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(json(&body)[1]["requirement"], "ALTERNATIVE", "Kerberos");
}
