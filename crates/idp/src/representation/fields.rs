//! The fields of Keycloak's representation classes (Keycloak 26's
//! `org.keycloak.representations.idm`), so that a body naming a field Keycloak does not know is
//! refused as Keycloak's JSON reader refuses it (400 `Unrecognized field "x" (class …), not
//! marked as ignorable`), while every field Keycloak knows is accepted, whether kubeward acts on
//! it or keeps it as given.

use std::collections::BTreeMap;

use serde_json::Value;

/// A Keycloak representation class: its Java name and its JSON fields.
pub trait Known {
    /// `org.keycloak.representations.idm.…`.
    const CLASS: &'static str;
    /// Every JSON field of the class.
    const FIELDS: &'static [&'static str];
    /// The fields the struct did not declare.
    fn other(&self) -> &BTreeMap<String, Value>;
}

/// Keycloak's message for the first field of `rep` its class does not have.
pub fn unknown_field<T: Known>(rep: &T) -> Option<String> {
    rep.other()
        .keys()
        .find(|k| !T::FIELDS.contains(&k.as_str()))
        .map(|k| {
            format!(
                "Unrecognized field \"{k}\" (class {}), not marked as ignorable",
                T::CLASS
            )
        })
}

/// `RealmRepresentation`.
pub const REALM: &[&str] = &[
    "id",
    "realm",
    "displayName",
    "displayNameHtml",
    "notBefore",
    "defaultSignatureAlgorithm",
    "revokeRefreshToken",
    "refreshTokenMaxReuse",
    "accessTokenLifespan",
    "accessTokenLifespanForImplicitFlow",
    "ssoSessionIdleTimeout",
    "ssoSessionMaxLifespan",
    "ssoSessionIdleTimeoutRememberMe",
    "ssoSessionMaxLifespanRememberMe",
    "offlineSessionIdleTimeout",
    "offlineSessionMaxLifespanEnabled",
    "offlineSessionMaxLifespan",
    "clientSessionIdleTimeout",
    "clientSessionMaxLifespan",
    "clientOfflineSessionIdleTimeout",
    "clientOfflineSessionMaxLifespan",
    "accessCodeLifespan",
    "accessCodeLifespanUserAction",
    "accessCodeLifespanLogin",
    "actionTokenGeneratedByAdminLifespan",
    "actionTokenGeneratedByUserLifespan",
    "oauth2DeviceCodeLifespan",
    "oauth2DevicePollingInterval",
    "enabled",
    "sslRequired",
    "passwordCredentialGrantAllowed",
    "registrationAllowed",
    "registrationEmailAsUsername",
    "rememberMe",
    "verifyEmail",
    "loginWithEmailAllowed",
    "duplicateEmailsAllowed",
    "resetPasswordAllowed",
    "editUsernameAllowed",
    "userCacheEnabled",
    "realmCacheEnabled",
    "bruteForceProtected",
    "permanentLockout",
    "maxTemporaryLockouts",
    "bruteForceStrategy",
    "maxFailureWaitSeconds",
    "minimumQuickLoginWaitSeconds",
    "waitIncrementSeconds",
    "quickLoginCheckMilliSeconds",
    "maxDeltaTimeSeconds",
    "failureFactor",
    "privateKey",
    "publicKey",
    "certificate",
    "codeSecret",
    "roles",
    "groups",
    "defaultRoles",
    "defaultRole",
    "adminPermissionsClient",
    "defaultGroups",
    "requiredCredentials",
    "passwordPolicy",
    "otpPolicyType",
    "otpPolicyAlgorithm",
    "otpPolicyInitialCounter",
    "otpPolicyDigits",
    "otpPolicyLookAheadWindow",
    "otpPolicyPeriod",
    "otpPolicyCodeReusable",
    "otpSupportedApplications",
    "localizationTexts",
    "webAuthnPolicyRpEntityName",
    "webAuthnPolicySignatureAlgorithms",
    "webAuthnPolicyRpId",
    "webAuthnPolicyAttestationConveyancePreference",
    "webAuthnPolicyAuthenticatorAttachment",
    "webAuthnPolicyRequireResidentKey",
    "webAuthnPolicyUserVerificationRequirement",
    "webAuthnPolicyCreateTimeout",
    "webAuthnPolicyAvoidSameAuthenticatorRegister",
    "webAuthnPolicyAcceptableAaguids",
    "webAuthnPolicyExtraOrigins",
    "webAuthnPolicyPasswordlessRpEntityName",
    "webAuthnPolicyPasswordlessSignatureAlgorithms",
    "webAuthnPolicyPasswordlessRpId",
    "webAuthnPolicyPasswordlessAttestationConveyancePreference",
    "webAuthnPolicyPasswordlessAuthenticatorAttachment",
    "webAuthnPolicyPasswordlessRequireResidentKey",
    "webAuthnPolicyPasswordlessUserVerificationRequirement",
    "webAuthnPolicyPasswordlessCreateTimeout",
    "webAuthnPolicyPasswordlessAvoidSameAuthenticatorRegister",
    "webAuthnPolicyPasswordlessAcceptableAaguids",
    "webAuthnPolicyPasswordlessExtraOrigins",
    "webAuthnPolicyPasswordlessPasskeysEnabled",
    "clientProfiles",
    "clientPolicies",
    "users",
    "federatedUsers",
    "scopeMappings",
    "clientScopeMappings",
    "clients",
    "clientScopes",
    "defaultDefaultClientScopes",
    "defaultOptionalClientScopes",
    "browserSecurityHeaders",
    "smtpServer",
    "userFederationProviders",
    "userFederationMappers",
    "loginTheme",
    "accountTheme",
    "adminTheme",
    "emailTheme",
    "eventsEnabled",
    "eventsExpiration",
    "eventsListeners",
    "enabledEventTypes",
    "adminEventsEnabled",
    "adminEventsDetailsEnabled",
    "identityProviders",
    "identityProviderMappers",
    "protocolMappers",
    "components",
    "internationalizationEnabled",
    "supportedLocales",
    "defaultLocale",
    "authenticationFlows",
    "authenticatorConfig",
    "requiredActions",
    "browserFlow",
    "registrationFlow",
    "directGrantFlow",
    "resetCredentialsFlow",
    "clientAuthenticationFlow",
    "dockerAuthenticationFlow",
    "firstBrokerLoginFlow",
    "attributes",
    "keycloakVersion",
    "userManagedAccessAllowed",
    "organizationsEnabled",
    "organizations",
    "verifiableCredentialsEnabled",
    "adminPermissionsEnabled",
    "social",
    "updateProfileOnInitialSocialLogin",
    "socialProviders",
    "applicationScopeMappings",
    "applications",
    "oauthClients",
    "clientTemplates",
    "oAuth2DeviceCodeLifespan",
    "oAuth2DevicePollingInterval",
];

/// `UserRepresentation`.
pub const USER: &[&str] = &[
    "self",
    "id",
    "origin",
    "createdTimestamp",
    "username",
    "enabled",
    "totp",
    "emailVerified",
    "firstName",
    "lastName",
    "email",
    "federationLink",
    "serviceAccountClientId",
    "attributes",
    "credentials",
    "disableableCredentialTypes",
    "requiredActions",
    "federatedIdentities",
    "realmRoles",
    "clientRoles",
    "clientConsents",
    "notBefore",
    "applicationRoles",
    "socialLinks",
    "groups",
    "access",
    "userProfileMetadata",
];

/// `ClientRepresentation`.
pub const CLIENT: &[&str] = &[
    "id",
    "clientId",
    "name",
    "description",
    "type",
    "rootUrl",
    "adminUrl",
    "baseUrl",
    "surrogateAuthRequired",
    "enabled",
    "alwaysDisplayInConsole",
    "clientAuthenticatorType",
    "secret",
    "registrationAccessToken",
    "defaultRoles",
    "redirectUris",
    "webOrigins",
    "notBefore",
    "bearerOnly",
    "consentRequired",
    "standardFlowEnabled",
    "implicitFlowEnabled",
    "directAccessGrantsEnabled",
    "serviceAccountsEnabled",
    "authorizationServicesEnabled",
    "directGrantsOnly",
    "publicClient",
    "frontchannelLogout",
    "protocol",
    "attributes",
    "authenticationFlowBindingOverrides",
    "fullScopeAllowed",
    "nodeReRegistrationTimeout",
    "registeredNodes",
    "protocolMappers",
    "clientTemplate",
    "useTemplateConfig",
    "useTemplateScope",
    "useTemplateMappers",
    "defaultClientScopes",
    "optionalClientScopes",
    "authorizationSettings",
    "access",
    "origin",
];

/// `GroupRepresentation`.
pub const GROUP: &[&str] = &[
    "id",
    "name",
    "description",
    "path",
    "parentId",
    "subGroupCount",
    "subGroups",
    "attributes",
    "realmRoles",
    "clientRoles",
    "access",
];

/// `RoleRepresentation`.
pub const ROLE: &[&str] = &[
    "id",
    "name",
    "description",
    "scopeParamRequired",
    "composite",
    "composites",
    "clientRole",
    "containerId",
    "attributes",
];

/// `ClientScopeRepresentation`.
pub const CLIENT_SCOPE: &[&str] = &[
    "id",
    "name",
    "description",
    "protocol",
    "attributes",
    "protocolMappers",
];

/// `ProtocolMapperRepresentation`.
pub const PROTOCOL_MAPPER: &[&str] = &[
    "id",
    "name",
    "protocol",
    "protocolMapper",
    "consentRequired",
    "consentText",
    "config",
];

/// `CredentialRepresentation`.
pub const CREDENTIAL: &[&str] = &[
    "id",
    "type",
    "userLabel",
    "createdDate",
    "secretData",
    "credentialData",
    "priority",
    "value",
    "temporary",
    "device",
    "hashedSaltedValue",
    "salt",
    "hashIterations",
    "counter",
    "algorithm",
    "digits",
    "period",
    "config",
    "federationLink",
];

/// `IdentityProviderRepresentation`.
pub const IDENTITY_PROVIDER: &[&str] = &[
    "alias",
    "displayName",
    "internalId",
    "providerId",
    "enabled",
    "updateProfileFirstLoginMode",
    "updateProfileFirstLogin",
    "trustEmail",
    "storeToken",
    "addReadTokenRoleOnCreate",
    "authenticateByDefault",
    "linkOnly",
    "hideOnLogin",
    "firstBrokerLoginFlowAlias",
    "postBrokerLoginFlowAlias",
    "organizationId",
    "config",
];

/// `IdentityProviderMapperRepresentation`.
pub const IDENTITY_PROVIDER_MAPPER: &[&str] = &[
    "id",
    "name",
    "identityProviderAlias",
    "identityProviderMapper",
    "config",
];

/// `FederatedIdentityRepresentation`.
pub const FEDERATED_IDENTITY: &[&str] = &["identityProvider", "userId", "userName"];

/// `ComponentRepresentation`.
pub const COMPONENT: &[&str] = &[
    "id",
    "name",
    "providerId",
    "providerType",
    "parentId",
    "subType",
    "config",
];

/// `AuthenticationFlowRepresentation`.
pub const AUTHENTICATION_FLOW: &[&str] = &[
    "id",
    "alias",
    "description",
    "providerId",
    "topLevel",
    "builtIn",
    "authenticationExecutions",
];

/// `AuthenticatorConfigRepresentation`.
pub const AUTHENTICATOR_CONFIG: &[&str] = &["id", "alias", "config"];

/// `AuthenticationExecutionInfoRepresentation`.
pub const AUTHENTICATION_EXECUTION_INFO: &[&str] = &[
    "id",
    "requirement",
    "displayName",
    "alias",
    "description",
    "requirementChoices",
    "configurable",
    "authenticationFlow",
    "providerId",
    "authenticationConfig",
    "flowId",
    "level",
    "index",
    "priority",
];
