//! Keycloak's JSON representations (`RealmRepresentation` and its parts, as `kc.sh export`
//! writes them and the admin REST API speaks them), and their mapping to and from the model.
//! Fields Keycloak knows but kubeward does not act on are kept as given (`other`); the admin
//! API refuses fields Keycloak does not know (`fields`), realm files ignore them.
//!
//! - `brokering`: identity providers, their mappers, users' links to upstream accounts.
//! - `components`: components (LDAP user storage providers and their mappers).
//! - `fields`: Keycloak's field names per class.
//! - `flows`: authentication flows and authenticator configurations.
//! - `scopes`: client scopes, their protocol mappers and scope mappings.
//! - `strings`: attribute maps whose values may be written as JSON scalars.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{Client, EventsConfig, Group, ModelError, Realm, Role, RoleMappings, User};

pub mod brokering;
pub mod components;
pub mod fields;
pub mod flows;
pub mod scopes;
mod strings;

pub use brokering::{
    FederatedIdentityRepresentation, IdentityProviderMapperRepresentation,
    IdentityProviderRepresentation,
};
pub use scopes::{ClientScopeRepresentation, ScopeMappingRepresentation};
use strings::{lenient_strings, lenient_strings_opt};

macro_rules! known {
    ($ty:ty, $class:literal, $fields:path) => {
        impl fields::Known for $ty {
            const CLASS: &'static str = concat!("org.keycloak.representations.idm.", $class);
            const FIELDS: &'static [&'static str] = $fields;
            fn other(&self) -> &BTreeMap<String, Value> {
                &self.other
            }
        }
    };
}
pub(crate) use known;

known!(RealmRepresentation, "RealmRepresentation", fields::REALM);
known!(UserRepresentation, "UserRepresentation", fields::USER);
known!(ClientRepresentation, "ClientRepresentation", fields::CLIENT);
known!(GroupRepresentation, "GroupRepresentation", fields::GROUP);
known!(RoleRepresentation, "RoleRepresentation", fields::ROLE);
known!(
    ProtocolMapperRepresentation,
    "ProtocolMapperRepresentation",
    fields::PROTOCOL_MAPPER
);
known!(
    CredentialRepresentation,
    "CredentialRepresentation",
    fields::CREDENTIAL
);

/// A realm as Keycloak exports it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct RealmRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub realm: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token_lifespan: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sso_session_idle_timeout: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sso_session_max_lifespan: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offline_session_idle_timeout: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offline_session_max_lifespan_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offline_session_max_lifespan: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_code_lifespan: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoke_refresh_token: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brute_force_protected: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_factor: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_increment_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_failure_wait_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_delta_time_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_signature_algorithm: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<RolesRepresentation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<GroupRepresentation>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<UserRepresentation>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clients: Option<Vec<ClientRepresentation>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_scopes: Option<Vec<ClientScopeRepresentation>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_default_client_scopes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_optional_client_scopes: Option<Vec<String>>,
    /// Realm roles (and client roles) given to client scopes and clients without full scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope_mappings: Option<Vec<ScopeMappingRepresentation>>,
    /// Client roles given to client scopes and clients, by the roles' `clientId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_scope_mappings: Option<BTreeMap<String, Vec<ScopeMappingRepresentation>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_role: Option<RoleRepresentation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_expiration: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_listeners: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled_event_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_events_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_events_details_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_providers: Option<Vec<IdentityProviderRepresentation>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_provider_mappers: Option<Vec<IdentityProviderMapperRepresentation>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub components: Option<BTreeMap<String, Vec<components::ComponentExportRepresentation>>>,
    /// Fields Keycloak knows that kubeward keeps as given.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// `roles` of a realm export.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct RolesRepresentation {
    pub realm: Vec<RoleRepresentation>,
    pub client: BTreeMap<String, Vec<RoleRepresentation>>,
}

/// A role.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct RoleRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub composite: bool,
    pub client_role: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_id: Option<String>,
    /// What a composite role contains (in realm exports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub composites: Option<CompositesRepresentation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<BTreeMap<String, Vec<String>>>,
    /// Fields Keycloak knows that kubeward does not keep.
    #[serde(flatten, skip_serializing)]
    pub other: BTreeMap<String, Value>,
}

/// `composites` of a role: realm role names, client role names by `clientId`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct CompositesRepresentation {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub realm: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub client: BTreeMap<String, Vec<String>>,
}

/// The role mappings of a user or group, as Keycloak's `GET …/role-mappings` shows them;
/// an empty part is left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct MappingsRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realm_mappings: Option<Vec<RoleRepresentation>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_mappings: Option<BTreeMap<String, ClientMappingsRepresentation>>,
}

/// One client's part of [`MappingsRepresentation`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct ClientMappingsRepresentation {
    pub id: String,
    pub client: String,
    pub mappings: Vec<RoleRepresentation>,
}

/// A group with its subgroups.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct GroupRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    pub sub_group_count: usize,
    pub sub_groups: Vec<GroupRepresentation>,
    pub realm_roles: Vec<String>,
    pub client_roles: BTreeMap<String, Vec<String>>,
    pub attributes: BTreeMap<String, Vec<String>>,
    /// Fields Keycloak knows that kubeward does not keep.
    #[serde(flatten, skip_serializing)]
    pub other: BTreeMap<String, Value>,
}

/// A credential of a user: `value` (a plain password, on import) or Keycloak's stored form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct CredentialRepresentation {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporary: Option<bool>,
    /// kubeward's export: the argon2id PHC string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_date: Option<i64>,
    /// Fields Keycloak knows that kubeward does not keep.
    #[serde(flatten, skip_serializing)]
    pub other: BTreeMap<String, Value>,
}

/// A user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct UserRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_timestamp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account_client_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub credentials: Vec<CredentialRepresentation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub required_actions: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub realm_roles: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub client_roles: BTreeMap<String, Vec<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totp: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<BTreeMap<String, Vec<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_before: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disableable_credential_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub federated_identities: Option<Vec<FederatedIdentityRepresentation>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub federation_link: Option<String>,
    /// Fields Keycloak knows that kubeward does not keep.
    #[serde(flatten, skip_serializing)]
    pub other: BTreeMap<String, Value>,
}

/// A protocol mapper.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct ProtocolMapperRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    pub protocol: String,
    pub protocol_mapper: String,
    #[serde(deserialize_with = "lenient_strings")]
    pub config: BTreeMap<String, String>,
    /// Fields Keycloak knows that kubeward does not keep.
    #[serde(flatten, skip_serializing)]
    pub other: BTreeMap<String, Value>,
}

/// A client.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct ClientRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub client_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_client: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_authenticator_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uris: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_origins: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standard_flow_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direct_access_grants_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_accounts_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_strings_opt"
    )]
    pub attributes: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_mappers: Option<Vec<ProtocolMapperRepresentation>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_client_scopes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optional_client_scopes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_scope_allowed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bearer_only: Option<bool>,
    /// Fields Keycloak knows that kubeward keeps as given (`rootUrl`, `description`, …).
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// Keycloak's client attribute for a required PKCE method.
pub const PKCE_ATTRIBUTE: &str = "pkce.code.challenge.method";
/// Keycloak's client attribute enabling the device grant.
pub const DEVICE_ATTRIBUTE: &str = "oauth2.device.authorization.grant.enabled";

/// Why a representation cannot be imported.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImportError {
    /// The realm has no name.
    #[error("the realm has no name (field \"realm\")")]
    NoName,
    /// A part of the realm conflicts or refers to something missing.
    #[error("{0}")]
    Model(#[from] ModelError),
    /// A password could not be hashed.
    #[error("user {user}: {message}")]
    Password {
        /// The user.
        user: String,
        /// Why.
        message: String,
    },
}

pub use crate::minter::Minter;

/// Builds a role from its representation (a new id from `minter` where missing).
pub fn role_from(r: &RoleRepresentation, minter: &mut dyn Minter) -> Role {
    let mut role = Role::new(
        r.id.clone().unwrap_or_else(|| minter.id()),
        &r.name,
        r.description.clone(),
    );
    role.composites = composites_from(r);
    role.attributes = r.attributes.clone().unwrap_or_default();
    role
}

/// What a role representation says the role contains.
pub fn composites_from(r: &RoleRepresentation) -> RoleMappings {
    r.composites
        .as_ref()
        .map(|c| RoleMappings {
            realm: c.realm.clone(),
            client: c.client.clone(),
        })
        .unwrap_or_default()
}

/// Builds a client from its representation (new ids from `minter` where missing). A
/// confidential client without a secret gets one, as Keycloak.
pub fn client_from(rep: &ClientRepresentation, minter: &mut dyn Minter) -> Client {
    let mut client = Client::new(
        rep.id.clone().unwrap_or_else(|| minter.id()),
        rep.client_id.clone(),
    );
    update_client(&mut client, rep, minter);
    client
}

/// Applies the fields a representation sets to a client.
pub fn update_client(client: &mut Client, rep: &ClientRepresentation, minter: &mut dyn Minter) {
    if !rep.client_id.is_empty() {
        client.client_id = rep.client_id.clone();
    }
    if rep.name.is_some() {
        client.name = rep.name.clone();
    }
    if let Some(v) = rep.enabled {
        client.enabled = v;
    }
    if let Some(v) = rep.public_client {
        client.public_client = v;
    }
    if let Some(v) = &rep.redirect_uris {
        client.redirect_uris = v.clone();
    }
    if let Some(v) = &rep.web_origins {
        client.web_origins = v.clone();
    }
    if let Some(v) = rep.standard_flow_enabled {
        client.standard_flow_enabled = v;
    }
    if let Some(v) = rep.direct_access_grants_enabled {
        client.direct_access_grants_enabled = v;
    }
    if let Some(v) = rep.service_accounts_enabled {
        client.service_accounts_enabled = v;
    }
    if let Some(attributes) = &rep.attributes {
        client.pkce_method = attributes
            .get(PKCE_ATTRIBUTE)
            .filter(|m| !m.is_empty())
            .cloned();
        client.device_authorization_grant_enabled = attributes
            .get(DEVICE_ATTRIBUTE)
            .is_some_and(|v| v == "true");
        client.attributes = attributes
            .iter()
            .filter(|(k, _)| *k != PKCE_ATTRIBUTE && *k != DEVICE_ATTRIBUTE)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
    }
    if let Some(mappers) = &rep.protocol_mappers {
        let before = std::mem::take(&mut client.protocol_mappers);
        client.protocol_mappers = mappers
            .iter()
            .map(|m| {
                let mut mapper = scopes::mapper_from(m, minter);
                // A file that names no ids keeps the ids the mappers have.
                if m.id.is_none()
                    && let Some(old) = before.iter().find(|o| o.name == m.name)
                {
                    mapper.id = old.id.clone();
                }
                mapper
            })
            .collect();
    }
    if let Some(v) = &rep.default_client_scopes {
        client.default_client_scopes = v.clone();
    }
    if let Some(v) = &rep.optional_client_scopes {
        client.optional_client_scopes = v.clone();
    }
    if let Some(v) = rep.full_scope_allowed {
        client.full_scope_allowed = v;
    }
    if let Some(v) = rep.bearer_only {
        client.bearer_only = v;
    }
    for (k, v) in &rep.other {
        if AUTHORIZATION_FIELDS.contains(&k.as_str()) {
            continue;
        }
        if v.as_bool()
            .is_some_and(|b| CLIENT_DEFAULTS.contains(&(k.as_str(), b)))
        {
            client.other.remove(k);
        } else {
            client.other.insert(k.clone(), v.clone());
        }
    }
    if rep.secret.is_some() {
        client.secret = rep.secret.clone();
    }
    if client.public_client {
        client.secret = None;
    } else if client.secret.is_none() {
        client.secret = Some(minter.secret());
    }
}

/// The representation of a client, as the admin API and export show it.
pub fn client_to(client: &Client) -> ClientRepresentation {
    let mut attributes = client.attributes.clone();
    if let Some(m) = &client.pkce_method {
        attributes.insert(PKCE_ATTRIBUTE.into(), m.clone());
    }
    attributes.insert(
        DEVICE_ATTRIBUTE.into(),
        client.device_authorization_grant_enabled.to_string(),
    );
    let mut rep = ClientRepresentation {
        id: Some(client.id.clone()),
        client_id: client.client_id.clone(),
        name: client.name.clone(),
        enabled: Some(client.enabled),
        public_client: Some(client.public_client),
        client_authenticator_type: Some("client-secret".into()),
        secret: client.secret.clone(),
        redirect_uris: Some(client.redirect_uris.clone()),
        web_origins: Some(client.web_origins.clone()),
        standard_flow_enabled: Some(client.standard_flow_enabled),
        direct_access_grants_enabled: Some(client.direct_access_grants_enabled),
        service_accounts_enabled: Some(client.service_accounts_enabled),
        protocol: Some("openid-connect".into()),
        attributes: Some(attributes),
        protocol_mappers: Some(
            client
                .protocol_mappers
                .iter()
                .map(|m| scopes::mapper_to(m, "openid-connect"))
                .collect(),
        ),
        default_client_scopes: Some(client.default_client_scopes.clone()),
        optional_client_scopes: Some(client.optional_client_scopes.clone()),
        full_scope_allowed: Some(client.full_scope_allowed),
        bearer_only: Some(client.bearer_only),
        other: client.other.clone(),
    };
    for (k, v) in CLIENT_DEFAULTS {
        rep.other.entry(k.to_string()).or_insert(Value::Bool(*v));
    }
    rep
}

/// Client fields of Keycloak's Authorization Services, which kubeward does not have: ignored,
/// as a Keycloak with the `authorization` feature disabled ignores them.
const AUTHORIZATION_FIELDS: &[&str] = &["authorizationServicesEnabled", "authorizationSettings"];

/// Boolean client fields kubeward does not act on, with the values Keycloak gives a new client
/// (shown by the admin API, not stored while they keep them).
const CLIENT_DEFAULTS: &[(&str, bool)] = &[
    ("surrogateAuthRequired", false),
    ("alwaysDisplayInConsole", false),
    ("consentRequired", false),
    ("implicitFlowEnabled", false),
    ("frontchannelLogout", true),
];

/// Applies a user representation's fields to a user; passwords in `credentials` are hashed.
pub fn update_user(
    user: &mut User,
    rep: &UserRepresentation,
    minter: &mut dyn Minter,
) -> Result<(), ImportError> {
    if !rep.username.is_empty() {
        user.username = rep.username.to_lowercase();
    }
    if let Some(v) = rep.enabled {
        user.enabled = v;
    }
    if rep.email.is_some() {
        user.email = rep.email.clone().filter(|e| !e.is_empty());
    }
    if let Some(v) = rep.email_verified {
        user.email_verified = v;
    }
    if rep.first_name.is_some() {
        user.first_name = rep.first_name.clone().filter(|e| !e.is_empty());
    }
    if rep.last_name.is_some() {
        user.last_name = rep.last_name.clone().filter(|e| !e.is_empty());
    }
    if !rep.required_actions.is_empty() {
        user.required_actions = rep.required_actions.clone();
    }
    if let Some(a) = &rep.attributes {
        user.attributes = a.clone();
    }
    for credential in &rep.credentials {
        if credential.kind != "password" {
            continue;
        }
        if let Some(value) = &credential.value {
            user.password_hash =
                Some(
                    minter
                        .hash(value)
                        .map_err(|message| ImportError::Password {
                            user: user.username.clone(),
                            message,
                        })?,
                );
        } else if let Some(phc) = credential
            .secret_data
            .as_deref()
            .filter(|s| s.starts_with("$argon2"))
        {
            user.password_hash = Some(phc.to_string());
        }
    }
    Ok(())
}

/// The representation of a user (no credentials).
pub fn user_to(user: &User) -> UserRepresentation {
    UserRepresentation {
        id: Some(user.id.clone()),
        username: user.username.clone(),
        enabled: Some(user.enabled),
        email: user.email.clone(),
        email_verified: Some(user.email_verified),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        created_timestamp: Some(user.created_timestamp),
        service_account_client_id: user.service_account_client_id.clone(),
        required_actions: user.required_actions.clone(),
        totp: Some(user.totp_secret.is_some()),
        attributes: (!user.attributes.is_empty()).then(|| user.attributes.clone()),
        federation_link: user.federation_link.clone(),
        not_before: Some(0),
        disableable_credential_types: Some(Vec::new()),
        access: Some(serde_json::json!({
            "manageGroupMembership": true, "view": true, "mapRoles": true,
            "impersonate": false, "manage": true
        })),
        ..UserRepresentation::default()
    }
}

/// A user's representation; `brief` leaves out attributes (Keycloak's `briefRepresentation`).
pub fn user_brief(user: &User, brief: bool) -> UserRepresentation {
    let mut rep = user_to(user);
    if brief {
        rep.attributes = None;
    }
    rep
}

/// The representation of a group (with its subgroups).
pub fn group_to(realm: &Realm, group: &Group) -> GroupRepresentation {
    let children: Vec<GroupRepresentation> = realm
        .groups
        .iter()
        .filter(|g| g.parent.as_deref() == Some(group.id.as_str()))
        .map(|g| group_to(realm, g))
        .collect();
    GroupRepresentation {
        id: Some(group.id.clone()),
        name: group.name.clone(),
        path: Some(realm.group_path(group)),
        parent_id: group.parent.clone(),
        sub_group_count: children.len(),
        sub_groups: children,
        realm_roles: group.roles.realm.clone(),
        client_roles: group.roles.client.clone(),
        attributes: group.attributes.clone(),
        other: BTreeMap::new(),
    }
}

fn import_groups(
    realm: &mut Realm,
    reps: &[GroupRepresentation],
    parent: Option<&str>,
    minter: &mut dyn Minter,
) -> Result<(), ImportError> {
    for rep in reps {
        let id = rep.id.clone().unwrap_or_else(|| minter.id());
        let mut group = Group::new(id.clone(), &rep.name, parent);
        group.roles = RoleMappings {
            realm: rep.realm_roles.clone(),
            client: rep.client_roles.clone(),
        };
        group.attributes = rep.attributes.clone();
        realm.add_group(group)?;
        import_groups(realm, &rep.sub_groups, Some(&id), minter)?;
    }
    Ok(())
}

/// Builds a realm from a Keycloak realm export.
pub fn import(rep: &RealmRepresentation, minter: &mut dyn Minter) -> Result<Realm, ImportError> {
    if rep.realm.is_empty() {
        return Err(ImportError::NoName);
    }
    let id = rep.id.clone().unwrap_or_else(|| minter.id());
    let mut realm = Realm::new(id, rep.realm.clone());
    apply_settings(&mut realm, rep);
    if let Some(a) = flows::import(&rep.other, minter).map_err(ModelError::Invalid)? {
        realm.authentication = a;
    }
    if let Some(scopes) = &rep.client_scopes {
        realm.client_scopes = scopes
            .iter()
            .map(|s| scopes::scope_from(s, minter))
            .collect();
    }
    if let Some(v) = &rep.default_default_client_scopes {
        realm.default_default_client_scopes = v.clone();
    }
    if let Some(v) = &rep.default_optional_client_scopes {
        realm.default_optional_client_scopes = v.clone();
    }
    if let Some(role) = &rep.default_role {
        realm.default_role = role.name.clone();
    }
    if let Some(roles) = &rep.roles {
        for r in &roles.realm {
            realm.add_role(role_from(r, minter))?;
        }
    }
    for c in rep.clients.iter().flatten() {
        let mut client = client_from(c, minter);
        if let Some(roles) = rep.roles.as_ref().and_then(|r| r.client.get(&c.client_id)) {
            client.roles = roles.iter().map(|r| role_from(r, minter)).collect();
        }
        realm.add_client(client)?;
    }
    import_groups(
        &mut realm,
        rep.groups.as_deref().unwrap_or(&[]),
        None,
        minter,
    )?;
    for p in rep.identity_providers.iter().flatten() {
        let provider = brokering::provider_from(p, minter).map_err(ImportError::Model)?;
        if realm.identity_provider(&provider.alias).is_none() {
            realm.identity_providers.push(provider);
        }
    }
    realm.identity_provider_mappers = rep
        .identity_provider_mappers
        .iter()
        .flatten()
        .map(|m| brokering::idp_mapper_from(m, minter))
        .collect();
    if let Some(exported) = &rep.components {
        let id = realm.id.clone();
        realm
            .components
            .extend(components::import_components(exported, &id, minter));
    }
    for u in rep.users.iter().flatten() {
        let mut user = User::new(u.id.clone().unwrap_or_else(|| minter.id()), &u.username);
        update_user(&mut user, u, minter)?;
        user.federated_identities = u
            .federated_identities
            .iter()
            .flatten()
            .map(brokering::federated_from)
            .collect();
        user.federation_link = u.federation_link.clone();
        user.created_timestamp = u.created_timestamp.unwrap_or(0);
        user.service_account_client_id = u.service_account_client_id.clone();
        user.roles = RoleMappings {
            realm: u.realm_roles.clone(),
            client: u.client_roles.clone(),
        };
        user.groups = realm.group_ids(&u.groups)?;
        realm.add_user(user)?;
    }
    scopes::import_scope_mappings(
        &mut realm,
        rep.scope_mappings.as_deref().unwrap_or(&[]),
        &rep.client_scope_mappings.clone().unwrap_or_default(),
    );
    ensure_service_accounts(&mut realm, minter);
    crate::defaults::ensure(&mut realm, minter);
    Ok(realm)
}

/// Creates the `service-account-<clientId>` user of every client with service accounts on
/// that has none, as Keycloak does when the switch is turned on.
pub fn ensure_service_accounts(realm: &mut Realm, minter: &mut dyn Minter) {
    let missing: Vec<String> = realm
        .clients
        .iter()
        .filter(|c| c.service_accounts_enabled)
        .filter(|c| {
            !realm
                .users
                .iter()
                .any(|u| u.service_account_client_id.as_deref() == Some(c.client_id.as_str()))
        })
        .map(|c| c.client_id.clone())
        .collect();
    for client_id in missing {
        let mut user = User::new(minter.id(), &format!("service-account-{client_id}"));
        user.service_account_client_id = Some(client_id);
        let _ = realm.add_user(user);
    }
}

/// Applies the realm-level settings a representation sets.
pub fn apply_settings(realm: &mut Realm, rep: &RealmRepresentation) {
    let s = &mut realm.settings;
    if rep.display_name.is_some() {
        realm.display_name = rep.display_name.clone();
    }
    if let Some(v) = rep.enabled {
        realm.enabled = v;
    }
    macro_rules! set {
        ($field:ident, $target:ident) => {
            if let Some(v) = rep.$field.clone() {
                s.$target = v;
            }
        };
    }
    set!(access_token_lifespan, access_token_lifespan);
    set!(sso_session_idle_timeout, sso_session_idle_timeout);
    set!(sso_session_max_lifespan, sso_session_max_lifespan);
    set!(access_code_lifespan, access_code_lifespan);
    set!(offline_session_idle_timeout, offline_session_idle_timeout);
    set!(
        offline_session_max_lifespan_enabled,
        offline_session_max_lifespan_enabled
    );
    set!(offline_session_max_lifespan, offline_session_max_lifespan);
    set!(revoke_refresh_token, revoke_refresh_token);
    set!(brute_force_protected, brute_force_protected);
    set!(failure_factor, failure_factor);
    set!(wait_increment_seconds, wait_increment_seconds);
    set!(max_failure_wait_seconds, max_failure_wait_seconds);
    set!(max_delta_time_seconds, max_delta_time_seconds);
    set!(default_signature_algorithm, default_signature_algorithm);
    apply_events(&mut realm.events, rep);
    let device = |k: &str| rep.other.get(k).and_then(Value::as_u64);
    if let Some(v) = device("oauth2DeviceCodeLifespan") {
        realm.settings.device_code_lifespan = v;
    }
    if let Some(v) = device("oauth2DevicePollingInterval") {
        realm.settings.device_polling_interval = v;
    }
    let defaults = realm_defaults(&realm.settings);
    for (k, v) in &rep.other {
        if k == flows::FLOWS || k == flows::CONFIGS {
            continue;
        }
        if defaults.iter().any(|(dk, dv)| dk == k && dv == v) {
            realm.other.remove(k);
        } else {
            realm.other.insert(k.clone(), v.clone());
        }
    }
}

/// Realm fields the admin API shows with Keycloak's values (kubeward's for the device flow),
/// not stored while they keep them.
fn realm_defaults(s: &crate::model::RealmSettings) -> Vec<(&'static str, Value)> {
    vec![
        ("notBefore", Value::from(0)),
        ("sslRequired", Value::from("external")),
        ("registrationAllowed", Value::from(false)),
        ("loginWithEmailAllowed", Value::from(true)),
        ("duplicateEmailsAllowed", Value::from(false)),
        ("resetPasswordAllowed", Value::from(false)),
        ("editUsernameAllowed", Value::from(false)),
        ("permanentLockout", Value::from(false)),
        (
            "oauth2DeviceCodeLifespan",
            Value::from(s.device_code_lifespan),
        ),
        (
            "oauth2DevicePollingInterval",
            Value::from(s.device_polling_interval),
        ),
        ("otpPolicyType", Value::from("totp")),
        ("otpPolicyAlgorithm", Value::from("HmacSHA1")),
        ("otpPolicyDigits", Value::from(6)),
        ("otpPolicyPeriod", Value::from(30)),
        ("otpPolicyLookAheadWindow", Value::from(1)),
    ]
}

/// Applies the event settings a representation sets.
pub fn apply_events(e: &mut EventsConfig, rep: &RealmRepresentation) {
    if let Some(v) = rep.events_enabled {
        e.events_enabled = v;
    }
    if rep.events_expiration.is_some() {
        e.events_expiration = rep.events_expiration.filter(|v| *v > 0);
    }
    if let Some(v) = &rep.events_listeners {
        e.events_listeners = v.clone();
    }
    if let Some(v) = &rep.enabled_event_types {
        e.enabled_event_types = v.clone();
    }
    if let Some(v) = rep.admin_events_enabled {
        e.admin_events_enabled = v;
    }
    if let Some(v) = rep.admin_events_details_enabled {
        e.admin_events_details_enabled = v;
    }
}

/// The realm's settings as the admin API's `GET /admin/realms/{realm}` shows them (no users,
/// clients, groups, roles or scopes).
pub fn realm_summary(realm: &Realm) -> RealmRepresentation {
    let s = &realm.settings;
    let e = &realm.events;
    let mut other = realm.other.clone();
    for (k, v) in realm_defaults(s) {
        other.entry(k.to_string()).or_insert(v);
    }
    RealmRepresentation {
        id: Some(realm.id.clone()),
        realm: realm.name.clone(),
        display_name: realm.display_name.clone(),
        enabled: Some(realm.enabled),
        access_token_lifespan: Some(s.access_token_lifespan),
        sso_session_idle_timeout: Some(s.sso_session_idle_timeout),
        sso_session_max_lifespan: Some(s.sso_session_max_lifespan),
        offline_session_idle_timeout: Some(s.offline_session_idle_timeout),
        offline_session_max_lifespan_enabled: Some(s.offline_session_max_lifespan_enabled),
        offline_session_max_lifespan: Some(s.offline_session_max_lifespan),
        access_code_lifespan: Some(s.access_code_lifespan),
        revoke_refresh_token: Some(s.revoke_refresh_token),
        brute_force_protected: Some(s.brute_force_protected),
        failure_factor: Some(s.failure_factor),
        wait_increment_seconds: Some(s.wait_increment_seconds),
        max_failure_wait_seconds: Some(s.max_failure_wait_seconds),
        max_delta_time_seconds: Some(s.max_delta_time_seconds),
        default_signature_algorithm: Some(s.default_signature_algorithm.clone()),
        default_role: realm
            .role_named(None, &realm.default_role)
            .map(|r| role_to(r, false, &realm.id)),
        events_enabled: Some(e.events_enabled),
        events_expiration: e.events_expiration,
        events_listeners: Some(e.events_listeners.clone()),
        enabled_event_types: Some(e.enabled_event_types.clone()),
        admin_events_enabled: Some(e.admin_events_enabled),
        admin_events_details_enabled: Some(e.admin_events_details_enabled),
        other,
        ..RealmRepresentation::default()
    }
}

/// The realm as `kc.sh export` writes it: with users and their password hashes.
pub fn export(realm: &Realm) -> RealmRepresentation {
    let mut client_roles = BTreeMap::new();
    for c in &realm.clients {
        client_roles.insert(
            c.client_id.clone(),
            c.roles
                .iter()
                .map(|r| exported_role(r, true, &c.id))
                .collect(),
        );
    }
    let (scope_mappings, client_scope_mappings) = scopes::export_scope_mappings(realm);
    let mut rep = RealmRepresentation {
        client_scopes: Some(realm.client_scopes.iter().map(scopes::scope_to).collect()),
        default_default_client_scopes: Some(realm.default_default_client_scopes.clone()),
        default_optional_client_scopes: Some(realm.default_optional_client_scopes.clone()),
        scope_mappings: Some(scope_mappings),
        client_scope_mappings: Some(client_scope_mappings),
        roles: Some(RolesRepresentation {
            realm: realm
                .roles
                .iter()
                .map(|r| exported_role(r, false, &realm.id))
                .collect(),
            client: client_roles,
        }),
        groups: Some(
            realm
                .groups
                .iter()
                .filter(|g| g.parent.is_none())
                .map(|g| group_to(realm, g))
                .collect(),
        ),
        users: Some(
            realm
                .users
                .iter()
                .map(|u| {
                    let mut rep = user_to(u);
                    rep.federated_identities = (!u.federated_identities.is_empty()).then(|| {
                        u.federated_identities
                            .iter()
                            .map(brokering::federated_to)
                            .collect()
                    });
                    rep.realm_roles = u.roles.realm.clone();
                    rep.client_roles = u.roles.client.clone();
                    rep.groups = u
                        .groups
                        .iter()
                        .filter_map(|id| realm.group(id))
                        .map(|g| realm.group_path(g))
                        .collect();
                    rep.credentials = u
                        .password_hash
                        .iter()
                        .map(|phc| CredentialRepresentation {
                            kind: "password".into(),
                            secret_data: Some(phc.clone()),
                            credential_data: Some(r#"{"algorithm":"argon2"}"#.into()),
                            ..CredentialRepresentation::default()
                        })
                        .collect();
                    rep
                })
                .collect(),
        ),
        clients: Some(realm.clients.iter().map(client_to).collect()),
        identity_providers: Some(
            realm
                .identity_providers
                .iter()
                .map(|p| brokering::provider_to(p, false))
                .collect(),
        ),
        identity_provider_mappers: Some(
            realm
                .identity_provider_mappers
                .iter()
                .map(brokering::idp_mapper_to)
                .collect(),
        ),
        components: Some(components::export_components(realm, &realm.id)),
        ..realm_summary(realm)
    };
    rep.other.extend(
        flows::export(&realm.authentication)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v)),
    );
    rep
}

/// A role's representation, as the admin API shows it (`composite`, not what it contains).
pub fn role_to(role: &Role, client_role: bool, container: &str) -> RoleRepresentation {
    RoleRepresentation {
        id: Some(role.id.clone()),
        name: role.name.clone(),
        description: role.description.clone(),
        composite: !role.composites.is_empty(),
        client_role,
        container_id: Some(container.to_string()),
        composites: None,
        attributes: Some(role.attributes.clone()),
        other: BTreeMap::new(),
    }
}

/// A role's representation in a realm export: with what a composite contains.
fn exported_role(role: &Role, client_role: bool, container: &str) -> RoleRepresentation {
    let mut rep = role_to(role, client_role, container);
    if rep.composite {
        rep.composites = Some(CompositesRepresentation {
            realm: role.composites.realm.clone(),
            client: role.composites.client.clone(),
        });
    }
    rep
}

#[cfg(test)]
pub(crate) mod tests;
