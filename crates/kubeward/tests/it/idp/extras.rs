//! What the admin API answers for paths and methods it does not serve, and the user profile,
//! realm localization and client session statistics, through PyPI python-keycloak 7
//! (`keycloak_extras.py`).

use serde_json::json;

use super::*;

const DESCRIPTION: &str = "For more on this error consult the server log at the debug level.";

#[test]
fn python_keycloak_sees_keycloaks_errors_profile_texts_and_session_stats() {
    let idp = Idp::start();
    let r = python_keycloak("keycloak_extras.py", &idp, &[("SECRET", SECRET)]);
    eprintln!("{r:#}");
    let no_resource = json!({
        "error": "Unable to find matching target resource method",
        "error_description": DESCRIPTION,
    });
    assert_eq!(
        r["unknown_path"],
        json!([404, "application/json", no_resource])
    );
    assert_eq!(
        r["unknown_realm_path"],
        json!([404, "application/json", no_resource])
    );
    assert_eq!(
        r["unknown_realm"],
        json!([404, "application/json", {"error": "Realm not found."}])
    );
    let no_method =
        json!({"error": "HTTP 405 Method Not Allowed", "error_description": DESCRIPTION});
    assert_eq!(
        r["wrong_method"],
        json!([405, "application/json", no_method])
    );
    assert_eq!(r["token_get"], json!([405, "application/json", no_method]));
    assert_eq!(r["no_token"][0], 401);

    assert_eq!(
        r["profile_names"],
        json!(["username", "email", "firstName", "lastName"])
    );
    assert_eq!(r["profile_groups"], json!(["user-metadata"]));
    assert_eq!(r["profile_policy"], "ENABLED");
    assert_eq!(r["profile_put"], json!([200, false]));
    assert_eq!(r["attributes_disabled"], json!({"department": ["ops"]}));
    assert_eq!(
        r["attributes_admin_view"],
        json!({"department": ["dev"]}),
        "ADMIN_VIEW: the admin API does not write unmanaged attributes"
    );
    assert_eq!(
        r["attributes_enabled"],
        json!({"department": ["dev"], "team": ["red"]})
    );
    assert_eq!(r["profile_refused"], 400);

    assert_eq!(r["texts_none"], json!([]));
    assert_eq!(r["texts_merge"], 204);
    assert_eq!(r["text_put"], 204);
    assert_eq!(r["texts_locales"], json!(["de"]));
    assert_eq!(r["texts_de"], json!({"bye": "Tschüss", "hello": "Hallo"}));
    assert_eq!(r["text"], json!([200, "Tschüss"]));
    assert_eq!(r["text_delete"], 204);
    assert_eq!(r["text_delete_again"], 404);
    assert_eq!(r["locale_delete"], 204);
    assert_eq!(r["locale_delete_again"], 404);
    assert_eq!(r["texts_after"], json!([]));

    assert_eq!(
        r["session_stats"],
        json!([{"clientId": "kubernetes-client", "active": "1", "offline": "0"}])
    );

    assert_eq!(
        r["flows"],
        json!([
            ["browser", "basic-flow", true, true],
            ["direct grant", "basic-flow", true, true],
            ["registration", "basic-flow", true, true],
            ["reset credentials", "basic-flow", true, true],
            ["clients", "client-flow", true, true],
            ["first broker login", "basic-flow", true, true],
            ["docker auth", "basic-flow", true, true],
        ])
    );
    assert_eq!(
        r["browser_executions"],
        json!([
            "auth-cookie",
            "auth-spnego",
            "identity-provider-redirector",
            "Organization",
            "forms"
        ])
    );
    assert_eq!(r["flow_by_id"], "browser");
    assert_eq!(r["flow_unknown"], 404);
}
