//! `GET /admin/serverinfo`: what this server is and supports, in the shape of Keycloak's
//! `ServerInfoRepresentation` (the protocol mapper types kubeward applies, Keycloak's event and
//! operation types, no themes, no social or identity providers).

use serde_json::{Value, json};

use super::super::clock;
use super::access::Admin;
use super::answer::{Answer, ok_json};

/// The Keycloak version whose admin API this one follows.
pub(super) const KEYCLOAK_VERSION: &str = "26.0.0";

/// Keycloak's login event types.
pub(super) const EVENT_TYPES: &[&str] = &[
    "LOGIN",
    "LOGIN_ERROR",
    "CODE_TO_TOKEN",
    "CODE_TO_TOKEN_ERROR",
    "REFRESH_TOKEN",
    "REFRESH_TOKEN_ERROR",
    "CLIENT_LOGIN",
    "CLIENT_LOGIN_ERROR",
    "LOGOUT",
    "OAUTH2_DEVICE_CODE_TO_TOKEN",
    "OAUTH2_DEVICE_CODE_TO_TOKEN_ERROR",
];

/// The mapper types tokens here honour, with Keycloak's display names.
const MAPPER_TYPES: &[(&str, &str, &str)] = &[
    (
        "oidc-usermodel-attribute-mapper",
        "User Attribute",
        "Token mapper",
    ),
    (
        "oidc-usermodel-property-mapper",
        "User Property",
        "Token mapper",
    ),
    ("oidc-full-name-mapper", "User's full name", "Token mapper"),
    (
        "oidc-group-membership-mapper",
        "Group Membership",
        "Token mapper",
    ),
    (
        "oidc-usermodel-realm-role-mapper",
        "User Realm Role",
        "Token mapper",
    ),
    (
        "oidc-usermodel-client-role-mapper",
        "User Client Role",
        "Token mapper",
    ),
    ("oidc-audience-mapper", "Audience", "Token mapper"),
    (
        "oidc-audience-resolve-mapper",
        "Audience Resolve",
        "Token mapper",
    ),
    (
        "oidc-hardcoded-claim-mapper",
        "Hardcoded claim",
        "Token mapper",
    ),
    (
        "oidc-allowed-origins-mapper",
        "Allowed Web Origins",
        "Token mapper",
    ),
    (
        "oidc-acr-mapper",
        "Authentication Context Class Reference (ACR)",
        "Token mapper",
    ),
    ("oidc-sub-mapper", "Subject (sub)", "Token mapper"),
    (
        "oidc-usersessionmodel-note-mapper",
        "User Session Note",
        "Token mapper",
    ),
    ("oidc-address-mapper", "User Address", "Token mapper"),
];

/// `GET /admin/serverinfo`.
pub(super) async fn get(Admin(_): Admin) -> Answer {
    let types: Vec<Value> = MAPPER_TYPES
        .iter()
        .map(|(id, name, category)| {
            json!({"id": id, "name": name, "category": category, "helpText": "", "priority": 0, "properties": []})
        })
        .collect();
    let now = clock::now();
    ok_json(&json!({
        "systemInfo": {
            "version": KEYCLOAK_VERSION,
            "serverTime": now * 1000,
            "uptime": "",
            "uptimeMillis": 0,
            "javaVersion": "",
            "javaVendor": "",
            "osName": std::env::consts::OS,
            "osArchitecture": std::env::consts::ARCH,
        },
        "profileInfo": {"name": "kubeward", "disabledFeatures": [], "previewFeatures": [], "experimentalFeatures": []},
        "features": [],
        "themes": {},
        "socialProviders": [],
        "identityProviders": [],
        "providers": {},
        "protocolMapperTypes": {"openid-connect": types},
        "builtinProtocolMappers": {"openid-connect": []},
        "clientInstallations": super::installation::providers(),
        "componentTypes": {},
        "passwordPolicies": [],
        "enums": {
            "sslRequired": ["ALL", "EXTERNAL", "NONE"],
            "eventType": EVENT_TYPES,
            "operationType": ["CREATE", "UPDATE", "DELETE", "ACTION"],
            "resourceType": ["REALM", "REALM_ROLE", "REALM_ROLE_MAPPING", "REALM_SCOPE_MAPPING", "USER", "GROUP", "GROUP_MEMBERSHIP", "CLIENT", "CLIENT_ROLE", "CLIENT_SCOPE", "PROTOCOL_MAPPER", "USER_LOGIN_FAILURE"],
        },
        "cryptoInfo": {"cryptoProvider": "aws-lc-rs", "supportedKeystoreTypes": [], "clientSignatureSymmetricAlgorithms": ["HS256", "HS384", "HS512"], "clientSignatureAsymmetricAlgorithms": ["RS256", "PS256", "ES256", "ES384", "EdDSA"]},
    }))
}
