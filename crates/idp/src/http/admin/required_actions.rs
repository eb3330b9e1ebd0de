//! `/admin/realms/{realm}/authentication/required-actions[/{alias}]`: the required actions, as
//! Keycloak 26 registers them in a new realm; kubeward carries out `CONFIGURE_TOTP` and
//! `UPDATE_PASSWORD`, and lists the others disabled.

use axum::extract::Path;
use serde_json::{Value, json};

use super::access::ReadRealm;
use super::answer::{Answer, not_found, ok_json};

/// Alias, name, whether kubeward carries it out, priority.
const ACTIONS: &[(&str, &str, bool, u32)] = &[
    ("CONFIGURE_TOTP", "Configure OTP", true, 10),
    ("TERMS_AND_CONDITIONS", "Terms and Conditions", false, 20),
    ("UPDATE_PASSWORD", "Update Password", true, 30),
    ("UPDATE_PROFILE", "Update Profile", false, 40),
    ("VERIFY_EMAIL", "Verify Email", false, 50),
    ("delete_account", "Delete Account", false, 60),
    ("webauthn-register", "Webauthn Register", false, 70),
    (
        "webauthn-register-passwordless",
        "Webauthn Register Passwordless",
        false,
        80,
    ),
    ("VERIFY_PROFILE", "Verify Profile", false, 90),
    ("delete_credential", "Delete Credential", false, 100),
    ("update_user_locale", "Update User Locale", false, 1000),
];

fn action(alias: &str, name: &str, enabled: bool, priority: u32) -> Value {
    json!({
        "alias": alias,
        "name": name,
        "providerId": alias,
        "enabled": enabled,
        "defaultAction": false,
        "priority": priority,
        "config": {},
    })
}

/// `GET …/authentication/required-actions`.
pub(super) async fn list(ReadRealm(_): ReadRealm) -> Answer {
    let list: Vec<Value> = ACTIONS
        .iter()
        .map(|(a, n, e, p)| action(a, n, *e, *p))
        .collect();
    ok_json(&list)
}

/// `GET …/authentication/required-actions/{alias}`.
pub(super) async fn get(
    ReadRealm(_): ReadRealm,
    Path((_, alias)): Path<(String, String)>,
) -> Answer {
    ACTIONS
        .iter()
        .find(|(a, ..)| *a == alias)
        .map(|(a, n, e, p)| action(a, n, *e, *p))
        .map_or_else(
            || Err(not_found("Failed to find required action")),
            |v| ok_json(&v),
        )
}
