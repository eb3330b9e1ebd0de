//! Identity brokering in the model: a realm's upstream OpenID Connect providers (Keycloak's
//! identity providers), their mappers, and the links of users to their upstream accounts
//! (Keycloak's federated identities).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The provider types kubeward brokers to: OpenID Connect v1.0 (`oidc`) and another Keycloak
/// (`keycloak-oidc`, the same protocol).
pub const PROVIDER_TYPES: &[&str] = &["oidc", "keycloak-oidc"];

/// The first broker login flow Keycloak names by default.
pub const FIRST_BROKER_LOGIN: &str = "first broker login";

/// An upstream identity provider of a realm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityProvider {
    /// Internal id (uuid).
    pub internal_id: String,
    /// The alias: its name in paths (`/broker/{alias}/…`) and in `kc_idp_hint`.
    pub alias: String,
    /// The label of its button on the login page.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Its type: one of [`PROVIDER_TYPES`].
    pub provider_id: String,
    /// A disabled provider has no button and refuses logins.
    pub enabled: bool,
    /// The upstream's e-mail addresses are taken as verified.
    #[serde(default)]
    pub trust_email: bool,
    /// The upstream's tokens are kept with the link.
    #[serde(default)]
    pub store_token: bool,
    /// Only existing users may link to it; no login through it.
    #[serde(default)]
    pub link_only: bool,
    /// No button on the login page (`kc_idp_hint` still reaches it).
    #[serde(default)]
    pub hide_on_login: bool,
    /// The flow a first login through it runs.
    #[serde(default)]
    pub first_broker_login_flow_alias: String,
    /// The flow every login through it runs afterwards.
    #[serde(default)]
    pub post_broker_login_flow_alias: Option<String>,
    /// Keycloak's config map (`authorizationUrl`, `tokenUrl`, `clientId`, `clientSecret`,
    /// `issuer`, `jwksUrl`, `syncMode`, …).
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// Fields Keycloak knows that kubeward keeps as given.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub other: BTreeMap<String, Value>,
}

/// When an upstream login changes the user it logs in (Keycloak's `syncMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// Only when the user is created by the first login (Keycloak's default).
    Import,
    /// At every login (and, in kubeward, every refresh of a brokered session).
    Force,
    /// Keycloak's behaviour before sync modes: as `Import`.
    Legacy,
}

impl SyncMode {
    /// Reads Keycloak's name (`IMPORT`, `FORCE`, `LEGACY`); anything else is `Import`.
    pub fn parse(value: Option<&str>) -> Self {
        match value {
            Some("FORCE") => Self::Force,
            Some("LEGACY") => Self::Legacy,
            _ => Self::Import,
        }
    }
}

impl IdentityProvider {
    /// A config value, when set and not empty.
    pub fn config(&self, key: &str) -> Option<&str> {
        self.config
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Whether a boolean config value is `"true"`.
    pub fn flag(&self, key: &str) -> bool {
        self.config(key) == Some("true")
    }

    /// The provider's sync mode.
    pub fn sync_mode(&self) -> SyncMode {
        SyncMode::parse(self.config("syncMode"))
    }
}

/// A mapper of an identity provider: what an upstream login sets on the user (attributes,
/// groups, roles, the username).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityProviderMapper {
    /// Mapper id (uuid).
    pub id: String,
    /// Its name.
    pub name: String,
    /// The alias of its provider.
    pub identity_provider_alias: String,
    /// Its type (`oidc-user-attribute-idp-mapper`, `oidc-advanced-group-idp-mapper`, …).
    pub identity_provider_mapper: String,
    /// Its settings.
    #[serde(default)]
    pub config: BTreeMap<String, String>,
}

impl IdentityProviderMapper {
    /// A config value, when set and not empty.
    pub fn config(&self, key: &str) -> Option<&str> {
        self.config
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The mapper's sync mode: its own, or its provider's (`INHERIT`, the default).
    pub fn sync_mode(&self, provider: SyncMode) -> SyncMode {
        match self.config("syncMode") {
            None | Some("INHERIT") => provider,
            Some(other) => SyncMode::parse(Some(other)),
        }
    }
}

/// A user's link to an upstream account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FederatedIdentity {
    /// The provider's alias.
    pub identity_provider: String,
    /// The upstream `sub`.
    pub user_id: String,
    /// The upstream username.
    #[serde(default)]
    pub user_name: String,
}
