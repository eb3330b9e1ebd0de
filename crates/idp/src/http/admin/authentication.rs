//! `/admin/realms/{realm}/authentication/flows[/{id}]`: the top-level authentication flows a
//! new Keycloak 26 realm has, with their own executions (subflows named by alias), so that
//! automation that looks a built-in flow up by alias finds it. kubeward's login does not follow
//! them (its flows are fixed); they are not stored, and their ids are derived from the realm's
//! id and the alias, so they stay the same from one call to the next.

use axum::extract::Path;
use serde_json::{Value, json};

use super::access::ReadRealm;
use super::answer::{Answer, not_found, ok_json};

/// An execution of a top-level flow: authenticator (or subflow alias), whether it is a
/// subflow, requirement, priority, authenticator config alias.
type Execution = (&'static str, bool, &'static str, u32, Option<&'static str>);

/// Alias, description, provider, executions.
type Flow = (
    &'static str,
    &'static str,
    &'static str,
    &'static [Execution],
);

/// Keycloak 26's built-in top-level flows, in the order a new realm gets them.
const FLOWS: &[Flow] = &[
    (
        "browser",
        "Browser based authentication",
        "basic-flow",
        &[
            ("auth-cookie", false, "ALTERNATIVE", 10, None),
            ("auth-spnego", false, "DISABLED", 20, None),
            (
                "identity-provider-redirector",
                false,
                "ALTERNATIVE",
                25,
                None,
            ),
            ("forms", true, "ALTERNATIVE", 30, None),
        ],
    ),
    (
        "direct grant",
        "OpenID Connect Resource Owner Grant",
        "basic-flow",
        &[
            (
                "direct-grant-validate-username",
                false,
                "REQUIRED",
                10,
                None,
            ),
            (
                "direct-grant-validate-password",
                false,
                "REQUIRED",
                20,
                None,
            ),
            (
                "Direct Grant - Conditional OTP",
                true,
                "CONDITIONAL",
                30,
                None,
            ),
        ],
    ),
    (
        "registration",
        "Registration flow",
        "basic-flow",
        &[("registration form", true, "REQUIRED", 10, None)],
    ),
    (
        "reset credentials",
        "Reset credentials for a user if they forgot their password or something",
        "basic-flow",
        &[
            ("reset-credentials-choose-user", false, "REQUIRED", 10, None),
            ("reset-credential-email", false, "REQUIRED", 20, None),
            ("reset-password", false, "REQUIRED", 30, None),
            ("Reset - Conditional OTP", true, "CONDITIONAL", 40, None),
        ],
    ),
    (
        "clients",
        "Base authentication for clients",
        "client-flow",
        &[
            ("client-secret", false, "ALTERNATIVE", 10, None),
            ("client-jwt", false, "ALTERNATIVE", 20, None),
            ("client-secret-jwt", false, "ALTERNATIVE", 30, None),
            ("client-x509", false, "ALTERNATIVE", 40, None),
        ],
    ),
    (
        "first broker login",
        "Actions taken after first broker login with identity provider account, which is not yet linked to any Keycloak account",
        "basic-flow",
        &[
            (
                "idp-review-profile",
                false,
                "REQUIRED",
                10,
                Some("review profile config"),
            ),
            ("User creation or linking", true, "REQUIRED", 20, None),
        ],
    ),
    (
        "saml ecp",
        "SAML ECP Profile Authentication Flow",
        "basic-flow",
        &[("http-basic-authenticator", false, "REQUIRED", 10, None)],
    ),
    (
        "docker auth",
        "Used by Docker clients to authenticate against the IDP",
        "basic-flow",
        &[(
            "docker-http-basic-authenticator",
            false,
            "REQUIRED",
            10,
            None,
        )],
    ),
];

/// A stable id for `alias` in the realm `realm_id`: FNV-1a (128 bits) of both, as a uuid.
fn flow_id(realm_id: &str, alias: &str) -> String {
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013B;
    let mut hash: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for byte in realm_id.bytes().chain([b'/']).chain(alias.bytes()) {
        hash ^= u128::from(byte);
        hash = hash.wrapping_mul(PRIME);
    }
    uuid::Uuid::from_u128(hash).hyphenated().to_string()
}

/// A flow as Keycloak's `AuthenticationFlowRepresentation`.
fn flow(realm_id: &str, (alias, description, provider, executions): &Flow) -> Value {
    let executions: Vec<Value> = executions
        .iter()
        .map(|(name, subflow, requirement, priority, config)| {
            let mut e = json!({
                "requirement": requirement,
                "priority": priority,
                "authenticatorFlow": subflow,
                "autheticatorFlow": subflow,
                "userSetupAllowed": false,
            });
            if *subflow {
                e["flowAlias"] = json!(name);
            } else {
                e["authenticator"] = json!(name);
            }
            if let Some(config) = config {
                e["authenticatorConfig"] = json!(config);
            }
            e
        })
        .collect();
    json!({
        "id": flow_id(realm_id, alias),
        "alias": alias,
        "description": description,
        "providerId": provider,
        "topLevel": true,
        "builtIn": true,
        "authenticationExecutions": executions,
    })
}

/// `GET …/authentication/flows`.
pub(super) async fn flows(ReadRealm(r): ReadRealm) -> Answer {
    ok_json(&FLOWS.iter().map(|f| flow(&r.id, f)).collect::<Vec<_>>())
}

/// `GET …/authentication/flows/{id}`.
pub(super) async fn get(ReadRealm(r): ReadRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    FLOWS
        .iter()
        .find(|(alias, ..)| flow_id(&r.id, alias) == id)
        .map_or_else(
            || Err(not_found("Could not find flow with id")),
            |f| ok_json(&flow(&r.id, f)),
        )
}

#[cfg(test)]
mod tests;
