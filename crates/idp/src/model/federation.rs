//! User federation in the model: a realm's components (Keycloak's `ComponentModel`) of type
//! `org.keycloak.storage.UserStorageProvider` (LDAP or Active Directory) and their mappers
//! (`org.keycloak.storage.ldap.mappers.LDAPStorageMapper`), each with Keycloak's multi-valued
//! config map.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The component type of user storage providers.
pub const USER_STORAGE: &str = "org.keycloak.storage.UserStorageProvider";
/// The component type of LDAP mappers.
pub const LDAP_MAPPER: &str = "org.keycloak.storage.ldap.mappers.LDAPStorageMapper";
/// The provider id of an LDAP (or Active Directory) user storage.
pub const LDAP_PROVIDER: &str = "ldap";

/// A component of a realm: a user storage provider or one of its mappers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Component {
    /// Component id (uuid).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its implementation (`ldap`, `user-attribute-ldap-mapper`, `group-ldap-mapper`, …).
    pub provider_id: String,
    /// Its type ([`USER_STORAGE`], [`LDAP_MAPPER`]).
    pub provider_type: String,
    /// The id of what it belongs to: the realm's id for a provider, the provider's for a
    /// mapper.
    pub parent_id: String,
    /// Keycloak's `subType`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    /// Its settings, each a list of values.
    #[serde(default)]
    pub config: BTreeMap<String, Vec<String>>,
}

impl Component {
    /// The first value of a setting, when set and not empty.
    pub fn config(&self, key: &str) -> Option<&str> {
        self.config
            .get(key)
            .and_then(|v| v.first())
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Whether a boolean setting is `"true"`; `default` when it is not set.
    pub fn flag(&self, key: &str, default: bool) -> bool {
        match self.config(key) {
            Some(v) => v.eq_ignore_ascii_case("true"),
            None => default,
        }
    }

    /// Whether this is an LDAP user storage provider.
    pub fn is_ldap(&self) -> bool {
        self.provider_type == USER_STORAGE && self.provider_id == LDAP_PROVIDER
    }
}
