//! The authenticator factories a Keycloak 26 server registers, as its admin API describes them
//! (`…/authenticator-providers`, `…/client-authenticator-providers`, `…/form-action-providers`,
//! `…/form-providers`, `…/config-description/{providerId}`) and as the executions of a flow
//! show them (display name, whether they take a configuration, the requirements they allow).
//! The names and help texts are Keycloak's own (its `ProvidersTest` lists them).

use serde_json::{Value, json};

/// Which SPI a factory belongs to (which list shows it, which flows may run it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `Authenticator`: steps of `basic-flow` flows.
    Authenticator,
    /// `ClientAuthenticator`: steps of `client-flow` flows; whether it uses the client secret.
    Client(bool),
    /// `FormAction`: steps of `form-flow` flows.
    FormAction,
    /// `FormAuthenticator`: the page of a `form-flow`.
    Form,
}

/// Keycloak's requirement choices most authenticators allow.
const ANY: &[&str] = &["REQUIRED", "ALTERNATIVE", "DISABLED"];
/// A step that must run.
const ONLY_REQUIRED: &[&str] = &["REQUIRED"];
/// A step that runs or not.
const ON_OFF: &[&str] = &["REQUIRED", "DISABLED"];
/// Client authenticators.
const CLIENT: &[&str] = &["ALTERNATIVE", "DISABLED"];

/// A configuration property (`ProviderConfigProperty`): name, label, help, type, default,
/// options.
pub(super) type Property = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [&'static str],
);

/// A factory: id, kind, display name, help text, requirement choices, configuration
/// properties (a factory with some is configurable).
pub(super) type Factory = (
    &'static str,
    Kind,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [Property],
);

const REVIEW_PROFILE_HELP: &str = "Define conditions under which a user has to review and update his profile after first-time login. Value 'On' means that page for reviewing profile will be displayed and user can review and update his profile. Value 'off' means that page won't be displayed. Value 'missing' means that page is displayed just when some required attribute is missing (wasn't downloaded from identity provider). Value 'missing' is the default one. WARN: In case that user clicks 'Review profile info' on link duplications page, the update page will be always displayed. You would need to disable this authenticator to never display the page.";

/// The factories.
pub(super) const FACTORIES: &[Factory] = &[
    (
        "auth-conditional-otp-form",
        Kind::Authenticator,
        "Conditional OTP Form",
        "Validates a OTP on a separate OTP form. Only shown if required based on the configured conditions.",
        ANY,
        &[],
    ),
    (
        "auth-cookie",
        Kind::Authenticator,
        "Cookie",
        "Validates the SSO cookie set by the auth server.",
        ANY,
        &[],
    ),
    (
        "auth-otp-form",
        Kind::Authenticator,
        "OTP Form",
        "Validates a OTP on a separate OTP form.",
        ANY,
        &[],
    ),
    (
        "auth-spnego",
        Kind::Authenticator,
        "Kerberos",
        "Initiates the SPNEGO protocol.  Most often used with Kerberos.",
        ANY,
        &[],
    ),
    (
        "auth-username-password-form",
        Kind::Authenticator,
        "Username Password Form",
        "Validates a username and password from login form.",
        ONLY_REQUIRED,
        &[],
    ),
    (
        "auth-x509-client-username-form",
        Kind::Authenticator,
        "X509/Validate Username Form",
        "Validates username and password from X509 client certificate received as a part of mutual SSL handshake.",
        ANY,
        &[],
    ),
    (
        "direct-grant-auth-x509-username",
        Kind::Authenticator,
        "X509/Validate Username",
        "Validates username and password from X509 client certificate received as a part of mutual SSL handshake.",
        ANY,
        &[],
    ),
    (
        "direct-grant-validate-otp",
        Kind::Authenticator,
        "OTP",
        "Validates the one time password supplied as a 'totp' form parameter in direct grant request",
        ANY,
        &[],
    ),
    (
        "direct-grant-validate-password",
        Kind::Authenticator,
        "Password",
        "Validates the password supplied as a 'password' form parameter in direct grant request",
        ON_OFF,
        &[],
    ),
    (
        "direct-grant-validate-username",
        Kind::Authenticator,
        "Username Validation",
        "Validates the username supplied as a 'username' form parameter in direct grant request",
        ONLY_REQUIRED,
        &[],
    ),
    (
        "docker-http-basic-authenticator",
        Kind::Authenticator,
        "Docker Authenticator",
        "Uses HTTP Basic authentication to validate docker users, returning a docker error token on auth failure",
        ONLY_REQUIRED,
        &[],
    ),
    (
        "http-basic-authenticator",
        Kind::Authenticator,
        "HTTP Basic Authentication",
        "Validates username and password from Authorization HTTP header",
        ANY,
        &[],
    ),
    (
        "identity-provider-redirector",
        Kind::Authenticator,
        "Identity Provider Redirector",
        "Redirects to default Identity Provider or Identity Provider specified with kc_idp_hint query parameter",
        ANY,
        &[(
            "defaultProvider",
            "Default Identity Provider",
            "To automatically redirect to an identity provider set to the alias of the identity provider",
            "String",
            None,
            &[],
        )],
    ),
    (
        "idp-auto-link",
        Kind::Authenticator,
        "Automatically set existing user",
        "Automatically set existing user to authentication context without any verification",
        ANY,
        &[],
    ),
    (
        "idp-confirm-link",
        Kind::Authenticator,
        "Confirm link existing account",
        "Show the form where user confirms if he wants to link identity provider with existing account or rather edit user profile data retrieved from identity provider to avoid conflict",
        ANY,
        &[],
    ),
    (
        "idp-confirm-override-link",
        Kind::Authenticator,
        "Confirm override existing link",
        "Confirm override the link if there is an existing broker user linked to the account.",
        ANY,
        &[],
    ),
    (
        "idp-create-user-if-unique",
        Kind::Authenticator,
        "Create User If Unique",
        "Detect if there is existing Keycloak account with same email like identity provider. If no, create new user",
        ANY,
        &[(
            "require.password.update.after.registration",
            "Require Password Update After Registration",
            "If this option is true and new user is successfully imported from Identity Provider to Keycloak (there is no duplicated email or username detected in Keycloak DB), then this user is required to update his password",
            "boolean",
            None,
            &[],
        )],
    ),
    (
        "idp-email-verification",
        Kind::Authenticator,
        "Verify existing account by Email",
        "Email verification of existing Keycloak user, that wants to link his user account with identity provider",
        ANY,
        &[],
    ),
    (
        "idp-review-profile",
        Kind::Authenticator,
        "Review Profile",
        "User reviews and updates profile data retrieved from Identity Provider in the displayed form",
        ANY,
        &[(
            "update.profile.on.first.login",
            "Update Profile on First Login",
            REVIEW_PROFILE_HELP,
            "List",
            Some("missing"),
            &["on", "missing", "off"],
        )],
    ),
    (
        "idp-username-password-form",
        Kind::Authenticator,
        "Username Password Form for identity provider reauthentication",
        "Validates a password from login form. Username may be already known from identity provider authentication",
        ONLY_REQUIRED,
        &[],
    ),
    (
        "reset-credential-email",
        Kind::Authenticator,
        "Send Reset Email",
        "Send email to user and wait for response.",
        ONLY_REQUIRED,
        &[],
    ),
    (
        "reset-credentials-choose-user",
        Kind::Authenticator,
        "Choose User",
        "Choose a user to reset credentials for",
        ONLY_REQUIRED,
        &[],
    ),
    (
        "reset-otp",
        Kind::Authenticator,
        "Reset OTP",
        "Removes existing OTP configurations (if chosen) and sets the 'Configure OTP' required action.",
        ON_OFF,
        &[],
    ),
    (
        "reset-password",
        Kind::Authenticator,
        "Reset Password",
        "Sets the Update Password required action if execution is REQUIRED.  Will also set it if execution is OPTIONAL and the password is currently configured for it.",
        ON_OFF,
        &[],
    ),
    (
        "webauthn-authenticator",
        Kind::Authenticator,
        "WebAuthn Authenticator",
        "Authenticator for WebAuthn. Usually used for WebAuthn two-factor authentication",
        ANY,
        &[],
    ),
    (
        "webauthn-authenticator-passwordless",
        Kind::Authenticator,
        "WebAuthn Passwordless Authenticator",
        "Authenticator for Passwordless WebAuthn authentication",
        ANY,
        &[],
    ),
    (
        "auth-recovery-authn-code-form",
        Kind::Authenticator,
        "Recovery Authentication Code Form",
        "Validates a Recovery Authentication Code",
        ANY,
        &[],
    ),
    (
        "auth-username-form",
        Kind::Authenticator,
        "Username Form",
        "Selects a user from his username.",
        ONLY_REQUIRED,
        &[],
    ),
    (
        "auth-password-form",
        Kind::Authenticator,
        "Password Form",
        "Validates a password from login form.",
        ANY,
        &[],
    ),
    (
        "conditional-user-role",
        Kind::Authenticator,
        "Condition - user role",
        "Flow is executed only if user has the given role.",
        ON_OFF,
        &[],
    ),
    (
        "conditional-user-configured",
        Kind::Authenticator,
        "Condition - user configured",
        "Executes the current flow only if authenticators are configured",
        ON_OFF,
        &[],
    ),
    (
        "conditional-user-attribute",
        Kind::Authenticator,
        "Condition - user attribute",
        "Flow is executed only if the user attribute exists and has the expected value",
        ON_OFF,
        &[],
    ),
    (
        "idp-detect-existing-broker-user",
        Kind::Authenticator,
        "Detect existing broker user",
        "Detect if there is an existing Keycloak account with same email like identity provider. If no, throw an error.",
        ANY,
        &[],
    ),
    (
        "deny-access-authenticator",
        Kind::Authenticator,
        "Deny access",
        "Access will be always denied. Useful for example in the conditional flows to be used after satisfying the previous conditions",
        ON_OFF,
        &[],
    ),
    (
        "allow-access-authenticator",
        Kind::Authenticator,
        "Allow access",
        "Authenticator will always successfully authenticate. Useful for example in the conditional flows to be used after satisfying the previous conditions",
        ON_OFF,
        &[],
    ),
    (
        "conditional-level-of-authentication",
        Kind::Authenticator,
        "Condition - Level of Authentication",
        "Flow is executed only if the configured LOA or a higher one has been requested but not yet satisfied. After the flow is successfully finished, the LOA in the session will be updated to value prescribed by this condition.",
        ON_OFF,
        &[],
    ),
    (
        "user-session-limits",
        Kind::Authenticator,
        "User session count limiter",
        "Configures how many concurrent sessions a single user is allowed to create for this realm and/or client",
        ON_OFF,
        &[],
    ),
    (
        "idp-add-organization-member",
        Kind::Authenticator,
        "Organization Member Onboard",
        "Adds a federated user as a member of an organization",
        ON_OFF,
        &[],
    ),
    (
        "organization",
        Kind::Authenticator,
        "Organization Identity-First Login",
        "If organizations are enabled, automatically redirects users to the corresponding identity provider.",
        ANY,
        &[],
    ),
    (
        "client-jwt",
        Kind::Client(false),
        "Signed JWT",
        "Validates client based on signed JWT issued by client and signed with the Client private key",
        CLIENT,
        &[],
    ),
    (
        "client-secret",
        Kind::Client(true),
        "Client Id and Secret",
        "Validates client based on 'client_id' and 'client_secret' sent either in request parameters or in 'Authorization: Basic' header",
        CLIENT,
        &[],
    ),
    (
        "client-x509",
        Kind::Client(false),
        "X509 Certificate",
        "Validates client based on a X509 Certificate",
        CLIENT,
        &[],
    ),
    (
        "client-secret-jwt",
        Kind::Client(true),
        "Signed JWT with Client Secret",
        "Validates client based on signed JWT issued by client and signed with the Client Secret",
        CLIENT,
        &[],
    ),
    (
        "registration-recaptcha-action",
        Kind::FormAction,
        "reCAPTCHA",
        "Adds Google reCAPTCHA to the form.",
        ON_OFF,
        &[],
    ),
    (
        "registration-recaptcha-enterprise",
        Kind::FormAction,
        "reCAPTCHA Enterprise",
        "Adds Google reCAPTCHA Enterprise to the form.",
        ON_OFF,
        &[],
    ),
    (
        "registration-password-action",
        Kind::FormAction,
        "Password Validation",
        "Validates that password matches password confirmation field.  It also will store password in user's credential store.",
        ON_OFF,
        &[],
    ),
    (
        "registration-user-creation",
        Kind::FormAction,
        "Registration User Profile Creation",
        "This action must always be first! Validates the username and user profile of the user in validation phase.  In success phase, this will create the user in the database including his user profile.",
        ON_OFF,
        &[],
    ),
    (
        "registration-terms-and-conditions",
        Kind::FormAction,
        "Terms and conditions",
        "Asks the user to accept terms and conditions before submitting its registration form.",
        ON_OFF,
        &[],
    ),
    (
        "registration-page-form",
        Kind::Form,
        "Registration Page",
        "This is the controller for the registration page",
        ONLY_REQUIRED,
        &[],
    ),
];

/// The factory `id` of one of `kinds`.
pub(super) fn factory(id: &str, kinds: &[Kind]) -> Option<&'static Factory> {
    FACTORIES
        .iter()
        .find(|f| f.0 == id && kinds.iter().any(|k| same_kind(*k, f.1)))
}

/// The factory that runs a step of an execution, by id (Keycloak's
/// `CredentialHelper.getConfigurableAuthenticatorFactory`: an authenticator, a client
/// authenticator or a form action).
pub(super) fn step(id: &str) -> Option<&'static Factory> {
    factory(
        id,
        &[Kind::Authenticator, Kind::Client(false), Kind::FormAction],
    )
}

/// Whether two kinds are the same SPI.
fn same_kind(a: Kind, b: Kind) -> bool {
    matches!(
        (a, b),
        (Kind::Authenticator, Kind::Authenticator)
            | (Kind::Client(_), Kind::Client(_))
            | (Kind::FormAction, Kind::FormAction)
            | (Kind::Form, Kind::Form)
    )
}

/// The list of one SPI's factories as Keycloak answers it (`id`, `displayName`,
/// `description`; `supportsSecret` for client authenticators).
pub(super) fn listed(kind: Kind) -> Vec<Value> {
    FACTORIES
        .iter()
        .filter(|f| same_kind(f.1, kind))
        .map(|(id, k, name, help, ..)| {
            let mut v = json!({ "id": id, "displayName": name, "description": help });
            if let Kind::Client(secret) = k {
                v["supportsSecret"] = json!(secret);
            }
            v
        })
        .collect()
}

/// `AuthenticatorConfigInfoRepresentation` of a factory.
pub(super) fn config_description((id, _, name, help, _, properties): &Factory) -> Value {
    let properties: Vec<Value> = properties
        .iter()
        .map(|(name, label, help, kind, default, options)| {
            let mut p = json!({
                "name": name,
                "label": label,
                "helpText": help,
                "type": kind,
                "secret": false,
                "required": false,
                "readOnly": false,
            });
            if let Some(d) = default {
                p["defaultValue"] = json!(d);
            }
            if !options.is_empty() {
                p["options"] = json!(options);
            }
            p
        })
        .collect();
    json!({ "providerId": id, "name": name, "helpText": help, "properties": properties })
}
