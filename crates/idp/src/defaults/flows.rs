//! The authentication flows a new Keycloak 26.0 realm has (`DefaultAuthenticationFlows`):
//! `browser`, `direct grant`, `registration`, `reset credentials`, `clients`,
//! `first broker login`, `saml ecp` and `docker auth`, with their subflows and the two
//! authenticator configurations of `first broker login`; outside `master` the organization
//! steps too (the feature is on by default in 26.0, and Keycloak leaves them out of `master`).

use crate::minter::Minter;
use crate::model::{AuthFlow, AuthenticatorConfig, Execution, Realm};

/// A step of a built-in flow.
enum Step {
    /// An authenticator: provider id, requirement, priority, configuration alias.
    Run(&'static str, &'static str, i64, Option<&'static str>),
    /// A subflow: its alias, requirement, priority, and the form of a `form-flow`.
    Sub(&'static str, &'static str, i64, Option<&'static str>),
}

use Step::{Run, Sub};

/// A built-in flow: alias, description, provider, top-level, steps.
type Def = (
    &'static str,
    Option<&'static str>,
    &'static str,
    bool,
    &'static [Step],
);

const OTP_FLOW: &str = "Flow to determine if the OTP is required for the authentication";

/// The flows, top-level ones in the order a realm gets them, each followed by its subflows.
const FLOWS: &[Def] = &[
    (
        "browser",
        Some("Browser based authentication"),
        "basic-flow",
        true,
        &[
            Run("auth-cookie", "ALTERNATIVE", 10, None),
            Run("auth-spnego", "DISABLED", 20, None),
            Run("identity-provider-redirector", "ALTERNATIVE", 25, None),
            Sub("Organization", "ALTERNATIVE", 26, None),
            Sub("forms", "ALTERNATIVE", 30, None),
        ],
    ),
    (
        "forms",
        Some("Username, password, otp and other auth forms."),
        "basic-flow",
        false,
        &[
            Run("auth-username-password-form", "REQUIRED", 10, None),
            Sub("Browser - Conditional OTP", "CONDITIONAL", 20, None),
        ],
    ),
    (
        "Browser - Conditional OTP",
        Some(OTP_FLOW),
        "basic-flow",
        false,
        &[
            Run("conditional-user-configured", "REQUIRED", 10, None),
            Run("auth-otp-form", "REQUIRED", 20, None),
        ],
    ),
    (
        "Organization",
        None,
        "basic-flow",
        false,
        &[Sub(
            "Browser - Conditional Organization",
            "CONDITIONAL",
            10,
            None,
        )],
    ),
    (
        "Browser - Conditional Organization",
        Some("Flow to determine if the organization identity-first login is to be used"),
        "basic-flow",
        false,
        &[
            Run("conditional-user-configured", "REQUIRED", 10, None),
            Run("organization", "ALTERNATIVE", 20, None),
        ],
    ),
    (
        "direct grant",
        Some("OpenID Connect Resource Owner Grant"),
        "basic-flow",
        true,
        &[
            Run("direct-grant-validate-username", "REQUIRED", 10, None),
            Run("direct-grant-validate-password", "REQUIRED", 20, None),
            Sub("Direct Grant - Conditional OTP", "CONDITIONAL", 30, None),
        ],
    ),
    (
        "Direct Grant - Conditional OTP",
        Some(OTP_FLOW),
        "basic-flow",
        false,
        &[
            Run("conditional-user-configured", "REQUIRED", 10, None),
            Run("direct-grant-validate-otp", "REQUIRED", 20, None),
        ],
    ),
    (
        "registration",
        Some("Registration flow"),
        "basic-flow",
        true,
        &[Sub(
            "registration form",
            "REQUIRED",
            10,
            Some("registration-page-form"),
        )],
    ),
    (
        "registration form",
        Some("Registration form"),
        "form-flow",
        false,
        &[
            Run("registration-user-creation", "REQUIRED", 20, None),
            Run("registration-password-action", "REQUIRED", 50, None),
            Run("registration-recaptcha-action", "DISABLED", 60, None),
            Run("registration-terms-and-conditions", "DISABLED", 70, None),
        ],
    ),
    (
        "reset credentials",
        Some("Reset credentials for a user if they forgot their password or something"),
        "basic-flow",
        true,
        &[
            Run("reset-credentials-choose-user", "REQUIRED", 10, None),
            Run("reset-credential-email", "REQUIRED", 20, None),
            Run("reset-password", "REQUIRED", 30, None),
            Sub("Reset - Conditional OTP", "CONDITIONAL", 40, None),
        ],
    ),
    (
        "Reset - Conditional OTP",
        Some("Flow to determine if the OTP should be reset or not. Set to REQUIRED to force."),
        "basic-flow",
        false,
        &[
            Run("conditional-user-configured", "REQUIRED", 10, None),
            Run("reset-otp", "REQUIRED", 20, None),
        ],
    ),
    (
        "clients",
        Some("Base authentication for clients"),
        "client-flow",
        true,
        &[
            Run("client-secret", "ALTERNATIVE", 10, None),
            Run("client-jwt", "ALTERNATIVE", 20, None),
            Run("client-secret-jwt", "ALTERNATIVE", 30, None),
            Run("client-x509", "ALTERNATIVE", 40, None),
        ],
    ),
    (
        "first broker login",
        Some(
            "Actions taken after first broker login with identity provider account, which is not yet linked to any Keycloak account",
        ),
        "basic-flow",
        true,
        &[
            Run(
                "idp-review-profile",
                "REQUIRED",
                10,
                Some("review profile config"),
            ),
            Sub("User creation or linking", "REQUIRED", 20, None),
            Sub(
                "First Broker Login - Conditional Organization",
                "CONDITIONAL",
                50,
                None,
            ),
        ],
    ),
    (
        "User creation or linking",
        Some("Flow for the existing/non-existing user alternatives"),
        "basic-flow",
        false,
        &[
            Run(
                "idp-create-user-if-unique",
                "ALTERNATIVE",
                10,
                Some("create unique user config"),
            ),
            Sub("Handle Existing Account", "ALTERNATIVE", 20, None),
        ],
    ),
    (
        "Handle Existing Account",
        Some(
            "Handle what to do if there is existing account with same email/username like authenticated identity provider",
        ),
        "basic-flow",
        false,
        &[
            Run("idp-confirm-link", "REQUIRED", 10, None),
            Sub("Account verification options", "REQUIRED", 20, None),
        ],
    ),
    (
        "Account verification options",
        Some("Method with which to verity the existing account"),
        "basic-flow",
        false,
        &[
            Run("idp-email-verification", "ALTERNATIVE", 10, None),
            Sub(
                "Verify Existing Account by Re-authentication",
                "ALTERNATIVE",
                20,
                None,
            ),
        ],
    ),
    (
        "Verify Existing Account by Re-authentication",
        Some("Reauthentication of existing account"),
        "basic-flow",
        false,
        &[
            Run("idp-username-password-form", "REQUIRED", 10, None),
            Sub(
                "First broker login - Conditional OTP",
                "CONDITIONAL",
                20,
                None,
            ),
        ],
    ),
    (
        "First broker login - Conditional OTP",
        Some(OTP_FLOW),
        "basic-flow",
        false,
        &[
            Run("conditional-user-configured", "REQUIRED", 10, None),
            Run("auth-otp-form", "REQUIRED", 20, None),
        ],
    ),
    (
        "First Broker Login - Conditional Organization",
        Some("Flow to determine if the authenticator that adds organization members is to be used"),
        "basic-flow",
        false,
        &[
            Run("conditional-user-configured", "REQUIRED", 10, None),
            Run("idp-add-organization-member", "REQUIRED", 20, None),
        ],
    ),
    (
        "saml ecp",
        Some("SAML ECP Profile Authentication Flow"),
        "basic-flow",
        true,
        &[Run("http-basic-authenticator", "REQUIRED", 10, None)],
    ),
    (
        "docker auth",
        Some("Used by Docker clients to authenticate against the IDP"),
        "basic-flow",
        true,
        &[Run("docker-http-basic-authenticator", "REQUIRED", 10, None)],
    ),
];

/// The authenticator configurations of the built-in flows: alias, settings.
const CONFIGS: &[(&str, &str, &str)] = &[
    (
        "review profile config",
        "update.profile.on.first.login",
        "missing",
    ),
    (
        "create unique user config",
        "require.password.update.after.registration",
        "false",
    ),
];

/// The subflows Keycloak 26.0 leaves out of `master` (the organization steps).
const NOT_IN_MASTER: &[&str] = &[
    "Organization",
    "First Broker Login - Conditional Organization",
];

/// Adds the built-in top-level flows the realm lacks (by alias, as Keycloak's `migrateFlows`),
/// each with its subflows and configurations.
pub(super) fn add(realm: &mut Realm, minter: &mut dyn Minter) {
    let master = realm.name == "master";
    for (alias, ..) in FLOWS.iter().filter(|(_, _, _, top, _)| *top) {
        if realm.authentication.flow_by_alias(alias).is_none() {
            let _ = add_flow(realm, alias, true, master, minter);
        }
    }
}

/// Adds the flow `alias` with its subflows; returns its id (none for an alias `FLOWS` does
/// not define).
fn add_flow(
    realm: &mut Realm,
    alias: &str,
    top_level: bool,
    master: bool,
    minter: &mut dyn Minter,
) -> Option<String> {
    let (_, description, provider, _, steps) = FLOWS.iter().find(|d| d.0 == alias)?;
    let id = minter.id();
    let at = realm.authentication.flows.len();
    realm.authentication.flows.push(AuthFlow {
        id: id.clone(),
        alias: alias.to_string(),
        description: description.map(str::to_string),
        provider_id: provider.to_string(),
        top_level,
        built_in: true,
        executions: Vec::new(),
    });
    let mut executions = Vec::new();
    for step in *steps {
        let execution = match step {
            Run(authenticator, requirement, priority, config) => Execution {
                id: minter.id(),
                authenticator: Some(authenticator.to_string()),
                flow_id: None,
                requirement: requirement.to_string(),
                priority: *priority,
                authenticator_config: config.map(|c| add_config(realm, c, minter)),
            },
            Sub(sub, _, _, _) if master && NOT_IN_MASTER.contains(sub) => continue,
            Sub(sub, requirement, priority, form) => Execution {
                id: minter.id(),
                authenticator: form.map(str::to_string),
                flow_id: add_flow(realm, sub, false, master, minter),
                requirement: requirement.to_string(),
                priority: *priority,
                authenticator_config: None,
            },
        };
        executions.push(execution);
    }
    realm.authentication.flows[at].executions = executions;
    Some(id)
}

/// Adds the built-in configuration `alias`; returns its id.
fn add_config(realm: &mut Realm, alias: &str, minter: &mut dyn Minter) -> String {
    let id = minter.id();
    let config = CONFIGS
        .iter()
        .filter(|c| c.0 == alias)
        .map(|(_, key, value)| (key.to_string(), value.to_string()))
        .collect();
    realm.authentication.configs.push(AuthenticatorConfig {
        id: id.clone(),
        alias: Some(alias.to_string()),
        config,
    });
    id
}
