//! Identity brokering's representations: `IdentityProviderRepresentation`,
//! `IdentityProviderMapperRepresentation` and `FederatedIdentityRepresentation`, and their
//! mapping to and from the model.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::strings::lenient_strings;
use super::{Minter, fields, known};
use crate::model::{
    FIRST_BROKER_LOGIN, FederatedIdentity, IdentityProvider, IdentityProviderMapper, ModelError,
    PROVIDER_TYPES,
};

/// What the admin API shows instead of a secret, and what keeps the stored one when written.
pub const SECRET_MASK: &str = "**********";

/// The config keys that hold secrets.
const SECRET_KEYS: &[&str] = &["clientSecret"];

/// An identity provider.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct IdentityProviderRepresentation {
    pub alias: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_id: Option<String>,
    pub provider_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_email: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_token: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_only: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hide_on_login: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_broker_login_flow_alias: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_broker_login_flow_alias: Option<String>,
    #[serde(deserialize_with = "lenient_strings")]
    pub config: BTreeMap<String, String>,
    /// Fields Keycloak knows that kubeward keeps as given.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

known!(
    IdentityProviderRepresentation,
    "IdentityProviderRepresentation",
    fields::IDENTITY_PROVIDER
);

/// A mapper of an identity provider.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct IdentityProviderMapperRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    pub identity_provider_alias: String,
    pub identity_provider_mapper: String,
    #[serde(deserialize_with = "lenient_strings")]
    pub config: BTreeMap<String, String>,
    /// Fields Keycloak knows that kubeward does not keep.
    #[serde(flatten, skip_serializing)]
    pub other: BTreeMap<String, Value>,
}

known!(
    IdentityProviderMapperRepresentation,
    "IdentityProviderMapperRepresentation",
    fields::IDENTITY_PROVIDER_MAPPER
);

/// A user's link to an upstream account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct FederatedIdentityRepresentation {
    pub identity_provider: String,
    pub user_id: String,
    pub user_name: String,
    /// Fields Keycloak knows that kubeward does not keep.
    #[serde(flatten, skip_serializing)]
    pub other: BTreeMap<String, Value>,
}

known!(
    FederatedIdentityRepresentation,
    "FederatedIdentityRepresentation",
    fields::FEDERATED_IDENTITY
);

/// Fields Keycloak shows with these values when they were not set.
const PROVIDER_DEFAULTS: &[(&str, &str)] = &[("updateProfileFirstLoginMode", "on")];
const PROVIDER_FALSE: &[&str] = &["addReadTokenRoleOnCreate", "authenticateByDefault"];

/// An identity provider from its representation (a new internal id where it has none);
/// refused when its alias is empty or its type is not one kubeward brokers to.
pub fn provider_from(
    rep: &IdentityProviderRepresentation,
    minter: &mut dyn Minter,
) -> Result<IdentityProvider, ModelError> {
    let mut provider = IdentityProvider {
        internal_id: rep.internal_id.clone().unwrap_or_else(|| minter.id()),
        alias: String::new(),
        display_name: None,
        provider_id: String::new(),
        enabled: true,
        trust_email: false,
        store_token: false,
        link_only: false,
        hide_on_login: false,
        first_broker_login_flow_alias: FIRST_BROKER_LOGIN.to_string(),
        post_broker_login_flow_alias: None,
        config: BTreeMap::new(),
        other: BTreeMap::new(),
    };
    update_provider(&mut provider, rep)?;
    Ok(provider)
}

/// Replaces an identity provider's fields with a representation's, as Keycloak's `PUT` does;
/// a masked secret keeps the stored one.
pub fn update_provider(
    provider: &mut IdentityProvider,
    rep: &IdentityProviderRepresentation,
) -> Result<(), ModelError> {
    if rep.alias.is_empty() {
        return Err(ModelError::Invalid(
            "Invalid identity provider alias".into(),
        ));
    }
    if !PROVIDER_TYPES.contains(&rep.provider_id.as_str()) {
        return Err(ModelError::Invalid(format!(
            "Invalid identity provider id [{}]",
            rep.provider_id
        )));
    }
    let mut config = rep.config.clone();
    for key in SECRET_KEYS {
        if config.get(*key).map(String::as_str) == Some(SECRET_MASK) {
            match provider.config.get(*key) {
                Some(stored) => config.insert(key.to_string(), stored.clone()),
                None => config.remove(*key),
            };
        }
    }
    provider.alias = rep.alias.clone();
    provider.display_name = rep.display_name.clone().filter(|d| !d.is_empty());
    provider.provider_id = rep.provider_id.clone();
    provider.enabled = rep.enabled.unwrap_or(true);
    provider.trust_email = rep.trust_email.unwrap_or(false);
    provider.store_token = rep.store_token.unwrap_or(false);
    provider.link_only = rep.link_only.unwrap_or(false);
    provider.hide_on_login = rep.hide_on_login.unwrap_or(false);
    provider.first_broker_login_flow_alias = rep
        .first_broker_login_flow_alias
        .clone()
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| FIRST_BROKER_LOGIN.to_string());
    provider.post_broker_login_flow_alias = rep
        .post_broker_login_flow_alias
        .clone()
        .filter(|a| !a.is_empty());
    provider.config = config;
    provider.other = rep.other.clone();
    Ok(())
}

/// The representation of an identity provider; `mask` shows secrets as [`SECRET_MASK`] (the
/// admin API), without it they are written out (a realm export).
pub fn provider_to(provider: &IdentityProvider, mask: bool) -> IdentityProviderRepresentation {
    let mut config = provider.config.clone();
    if mask {
        for key in SECRET_KEYS {
            if let Some(v) = config.get_mut(*key) {
                *v = SECRET_MASK.to_string();
            }
        }
    }
    let mut other = provider.other.clone();
    for (k, v) in PROVIDER_DEFAULTS {
        other
            .entry(k.to_string())
            .or_insert_with(|| Value::from(*v));
    }
    for k in PROVIDER_FALSE {
        other.entry(k.to_string()).or_insert(Value::Bool(false));
    }
    IdentityProviderRepresentation {
        alias: provider.alias.clone(),
        display_name: provider.display_name.clone(),
        internal_id: Some(provider.internal_id.clone()),
        provider_id: provider.provider_id.clone(),
        enabled: Some(provider.enabled),
        trust_email: Some(provider.trust_email),
        store_token: Some(provider.store_token),
        link_only: Some(provider.link_only),
        hide_on_login: Some(provider.hide_on_login),
        first_broker_login_flow_alias: Some(provider.first_broker_login_flow_alias.clone()),
        post_broker_login_flow_alias: provider.post_broker_login_flow_alias.clone(),
        config,
        other,
    }
}

/// A mapper from its representation (a new id where it has none).
pub fn idp_mapper_from(
    rep: &IdentityProviderMapperRepresentation,
    minter: &mut dyn Minter,
) -> IdentityProviderMapper {
    IdentityProviderMapper {
        id: rep.id.clone().unwrap_or_else(|| minter.id()),
        name: rep.name.clone(),
        identity_provider_alias: rep.identity_provider_alias.clone(),
        identity_provider_mapper: rep.identity_provider_mapper.clone(),
        config: rep.config.clone(),
    }
}

/// The representation of a mapper.
pub fn idp_mapper_to(mapper: &IdentityProviderMapper) -> IdentityProviderMapperRepresentation {
    IdentityProviderMapperRepresentation {
        id: Some(mapper.id.clone()),
        name: mapper.name.clone(),
        identity_provider_alias: mapper.identity_provider_alias.clone(),
        identity_provider_mapper: mapper.identity_provider_mapper.clone(),
        config: mapper.config.clone(),
        other: BTreeMap::new(),
    }
}

/// A link from its representation.
pub fn federated_from(rep: &FederatedIdentityRepresentation) -> FederatedIdentity {
    FederatedIdentity {
        identity_provider: rep.identity_provider.clone(),
        user_id: rep.user_id.clone(),
        user_name: rep.user_name.clone(),
    }
}

/// The representation of a link.
pub fn federated_to(link: &FederatedIdentity) -> FederatedIdentityRepresentation {
    FederatedIdentityRepresentation {
        identity_provider: link.identity_provider.clone(),
        user_id: link.user_id.clone(),
        user_name: link.user_name.clone(),
        other: BTreeMap::new(),
    }
}
