//! The identity provider's domain: realms with their clients, users, groups and roles, as the
//! provider keeps them (one JSON document per realm in the store). Keycloak's wire format for the
//! same things is `representation`; this module is what the flows read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use authentication::{AuthFlow, Authentication, AuthenticatorConfig, Execution};
pub use brokering::{
    FIRST_BROKER_LOGIN, FederatedIdentity, IdentityProvider, IdentityProviderMapper,
    PROVIDER_TYPES, SyncMode,
};
pub use federation::{Component, LDAP_MAPPER, LDAP_PROVIDER, USER_STORAGE};
pub use shared_user::User;

/// Why a change to a realm was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelError {
    /// A name that must be unique in its realm is taken (`what` is e.g. "User", "Client").
    #[error("{what} exists with same {field}")]
    Conflict {
        /// The kind of thing.
        what: &'static str,
        /// The field that collides (Keycloak says "username", "clientId", "name").
        field: &'static str,
    },
    /// Nothing has that name or id; Keycloak's message (e.g. "User not found").
    #[error("{0}")]
    NotFound(&'static str),
    /// A value that cannot be used (an empty name, an unknown role).
    #[error("{0}")]
    Invalid(String),
    /// A name that must be unique is taken, in Keycloak's words for that kind
    /// (`Role with name x already exists`).
    #[error("{0}")]
    Exists(String),
}

/// The lifetimes and policies of a realm, in seconds as Keycloak's realm settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RealmSettings {
    /// Access and id token lifetime (Keycloak: 300).
    pub access_token_lifespan: u64,
    /// SSO session idle timeout, the refresh token lifetime (Keycloak: 1800).
    pub sso_session_idle_timeout: u64,
    /// SSO session max lifespan (Keycloak: 36000).
    pub sso_session_max_lifespan: u64,
    /// Offline session idle timeout (Keycloak: 2592000, 30 days).
    pub offline_session_idle_timeout: u64,
    /// Whether offline sessions have a max lifespan (Keycloak: off).
    pub offline_session_max_lifespan_enabled: bool,
    /// Offline session max lifespan when enabled (Keycloak: 5184000, 60 days).
    pub offline_session_max_lifespan: u64,
    /// Authorization code lifetime (Keycloak's `accessCodeLifespan`: 60).
    pub access_code_lifespan: u64,
    /// Device code lifetime (Keycloak's `oauth2DeviceCodeLifespan`: 600).
    pub device_code_lifespan: u64,
    /// Device polling interval (Keycloak's `oauth2DevicePollingInterval`: 5).
    pub device_polling_interval: u64,
    /// Refresh tokens are single-use; a reused one revokes its family.
    pub revoke_refresh_token: bool,
    /// Brute-force detection.
    pub brute_force_protected: bool,
    /// Failures before a temporary lockout (Keycloak: 30).
    pub failure_factor: u32,
    /// Lockout increment per `failure_factor` failures (Keycloak: 60).
    pub wait_increment_seconds: u64,
    /// Longest lockout (Keycloak: 900).
    pub max_failure_wait_seconds: u64,
    /// Failures are forgotten after this long without one (Keycloak: 43200).
    pub max_delta_time_seconds: u64,
    /// Algorithm of new signing keys (`RS256`, `ES256`, `EdDSA`).
    pub default_signature_algorithm: String,
}

impl Default for RealmSettings {
    fn default() -> Self {
        Self {
            access_token_lifespan: 300,
            sso_session_idle_timeout: 1800,
            sso_session_max_lifespan: 36000,
            offline_session_idle_timeout: 2_592_000,
            offline_session_max_lifespan_enabled: false,
            offline_session_max_lifespan: 5_184_000,
            access_code_lifespan: 60,
            device_code_lifespan: 600,
            device_polling_interval: 5,
            revoke_refresh_token: true,
            brute_force_protected: true,
            failure_factor: 30,
            wait_increment_seconds: 60,
            max_failure_wait_seconds: 900,
            max_delta_time_seconds: 43200,
            default_signature_algorithm: "RS256".to_string(),
        }
    }
}

/// A realm: a namespace of clients, users, groups and roles with its own issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Realm {
    /// Realm id (a uuid, or the name for `master` as Keycloak).
    pub id: String,
    /// Realm name: the `{realm}` of the paths.
    pub name: String,
    /// A disabled realm answers 404 on its endpoints.
    pub enabled: bool,
    /// Title of the login page.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Lifetimes and policies.
    #[serde(default)]
    pub settings: RealmSettings,
    /// Realm roles.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Clients.
    #[serde(default)]
    pub clients: Vec<Client>,
    /// Users.
    #[serde(default)]
    pub users: Vec<User>,
    /// Groups (flat; `parent` links subgroups).
    #[serde(default)]
    pub groups: Vec<Group>,
    /// Client scopes.
    #[serde(default)]
    pub client_scopes: Vec<ClientScope>,
    /// Names of the client scopes a new client gets as default scopes.
    #[serde(default)]
    pub default_default_client_scopes: Vec<String>,
    /// Names of the client scopes a new client gets as optional scopes.
    #[serde(default)]
    pub default_optional_client_scopes: Vec<String>,
    /// The name of the composite role every new user gets (`default-roles-<realm>`).
    #[serde(default)]
    pub default_role: String,
    /// Which version of Keycloak's default objects the realm has (see `model::defaults`).
    #[serde(default)]
    pub defaults_version: u32,
    /// Login and admin event settings.
    #[serde(default)]
    pub events: EventsConfig,
    /// Upstream identity providers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identity_providers: Vec<IdentityProvider>,
    /// Their mappers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identity_provider_mappers: Vec<IdentityProviderMapper>,
    /// Components: user storage providers (LDAP) and their mappers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
    /// Authentication flows and authenticator configurations.
    #[serde(default, skip_serializing_if = "Authentication::is_empty")]
    pub authentication: Authentication,
    /// The user profile as last set through `users/profile` (Keycloak's UPConfig); `None`: the
    /// default ([`user_profile::default_config`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_profile: Option<Value>,
    /// Keycloak realm fields kubeward keeps but does not act on (themes, policies, …), as given.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub other: BTreeMap<String, Value>,
}

/// Which events a realm records (Keycloak's `RealmEventsConfigRepresentation`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EventsConfig {
    /// Login events are recorded.
    pub events_enabled: bool,
    /// Login events are kept this many seconds (none: until the log is full).
    pub events_expiration: Option<u64>,
    /// The listeners (`jboss-logging`): kept for Keycloak's clients.
    pub events_listeners: Vec<String>,
    /// The event types recorded (empty: all).
    pub enabled_event_types: Vec<String>,
    /// Admin events are recorded.
    pub admin_events_enabled: bool,
    /// Admin events carry the request body.
    pub admin_events_details_enabled: bool,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self {
            events_enabled: false,
            events_expiration: None,
            events_listeners: vec!["jboss-logging".to_string()],
            enabled_event_types: Vec::new(),
            admin_events_enabled: false,
            admin_events_details_enabled: false,
        }
    }
}

/// A client scope (Keycloak's `ClientScopeRepresentation`): protocol mappers and role scope
/// mappings that a client takes on as a default scope, or as an optional scope when the request's
/// `scope` names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientScope {
    /// Id (uuid).
    pub id: String,
    /// Name: what the `scope` parameter says.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// `openid-connect` (or `saml`, kept but never applied).
    pub protocol: String,
    /// `include.in.token.scope`, `display.on.consent.screen`, `consent.screen.text`, …
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Its claim mappers.
    #[serde(default)]
    pub protocol_mappers: Vec<ProtocolMapper>,
    /// The roles it lets into tokens of clients without full scope.
    #[serde(default, skip_serializing_if = "RoleMappings::is_empty")]
    pub scope_mappings: RoleMappings,
}

impl ClientScope {
    /// Whether its name goes into a token's `scope` (attribute `include.in.token.scope`,
    /// true when absent, as Keycloak).
    pub fn in_token_scope(&self) -> bool {
        self.attributes
            .get("include.in.token.scope")
            .is_none_or(|v| v == "true")
    }
}

/// A realm or client role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    /// Role id (uuid).
    pub id: String,
    /// Role name.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// The roles this one contains (Keycloak's composite role): who has it has them too.
    #[serde(default, skip_serializing_if = "RoleMappings::is_empty")]
    pub composites: RoleMappings,
    /// Free attributes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, Vec<String>>,
}

/// A protocol mapper of a client: adds claims to tokens (Keycloak's `protocolMappers`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProtocolMapper {
    /// Id (uuid), the `{id}` of `…/protocol-mappers/models/{id}`.
    #[serde(default)]
    pub id: String,
    /// Mapper name.
    pub name: String,
    /// Mapper type, e.g. `oidc-group-membership-mapper`.
    pub protocol_mapper: String,
    /// Mapper configuration (`claim.name`, `full.path`, `id.token.claim`, …).
    #[serde(default)]
    pub config: BTreeMap<String, String>,
}

/// An OAuth client (relying party).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Client {
    /// Internal id (uuid), the `{id}` of the admin API.
    pub id: String,
    /// The `client_id` of the protocol.
    pub client_id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Disabled clients cannot get tokens.
    pub enabled: bool,
    /// Public clients have no secret (native apps, kubelogin without a secret).
    pub public_client: bool,
    /// The secret of a confidential client.
    #[serde(default)]
    pub secret: Option<String>,
    /// Allowed redirect URIs (exact; a trailing `*` matches a prefix as Keycloak).
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Browser origins that may read its answers (CORS): origins, `+` (those of the redirect
    /// URIs) or `*`.
    #[serde(default)]
    pub web_origins: Vec<String>,
    /// Authorization code flow allowed.
    pub standard_flow_enabled: bool,
    /// Password grant allowed.
    pub direct_access_grants_enabled: bool,
    /// client_credentials grant allowed.
    pub service_accounts_enabled: bool,
    /// Device authorization grant allowed.
    #[serde(default)]
    pub device_authorization_grant_enabled: bool,
    /// PKCE method the client must use (`S256`), or none required.
    #[serde(default)]
    pub pkce_method: Option<String>,
    /// Client roles.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Claim mappers.
    #[serde(default)]
    pub protocol_mappers: Vec<ProtocolMapper>,
    /// Other Keycloak attributes, kept for export.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Names of its default client scopes (always applied).
    #[serde(default)]
    pub default_client_scopes: Vec<String>,
    /// Names of its optional client scopes (applied when the `scope` parameter names them).
    #[serde(default)]
    pub optional_client_scopes: Vec<String>,
    /// Tokens carry every role of the user (Keycloak's "Full scope allowed", on by default);
    /// off, only the client's own roles and those of its scope mappings.
    #[serde(default = "yes")]
    pub full_scope_allowed: bool,
    /// The roles this client's tokens may carry when full scope is off.
    #[serde(default, skip_serializing_if = "RoleMappings::is_empty")]
    pub scope_mappings: RoleMappings,
    /// A bearer-only client gets no tokens (Keycloak's `broker`, `realm-management`).
    #[serde(default)]
    pub bearer_only: bool,
    /// Keycloak client fields kubeward keeps but does not act on (`rootUrl`, `description`, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub other: BTreeMap<String, Value>,
}

fn yes() -> bool {
    true
}

/// Role assignments: realm roles by name, client roles by client id (`clientId`) then name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleMappings {
    /// Realm role names.
    #[serde(default)]
    pub realm: Vec<String>,
    /// Client role names by `clientId`.
    #[serde(default)]
    pub client: BTreeMap<String, Vec<String>>,
}

/// Keycloak's required action that enrols an authenticator app.
pub const CONFIGURE_TOTP: &str = "CONFIGURE_TOTP";

/// The required action that makes a user choose a new password at the next login (set by a
/// temporary password).
pub const UPDATE_PASSWORD: &str = "UPDATE_PASSWORD";

/// A user's data; realms hold it as a [`User`], shared until changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserData {
    /// User id (uuid): the `sub` of tokens.
    pub id: String,
    /// Login name (lowercase, as Keycloak stores it).
    pub username: String,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Whether the e-mail address was verified.
    #[serde(default)]
    pub email_verified: bool,
    /// Given name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Disabled users cannot log in.
    pub enabled: bool,
    /// The argon2id PHC string of the password; never the password.
    #[serde(default)]
    pub password_hash: Option<String>,
    /// The TOTP secret (base32) once enrolled.
    #[serde(default)]
    pub totp_secret: Option<String>,
    /// Keycloak required actions (`CONFIGURE_TOTP`, …).
    #[serde(default)]
    pub required_actions: Vec<String>,
    /// Group ids.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Directly assigned roles.
    #[serde(default)]
    pub roles: RoleMappings,
    /// For a client's service account: that client's `clientId`.
    #[serde(default)]
    pub service_account_client_id: Option<String>,
    /// Creation time, milliseconds since the epoch.
    #[serde(default)]
    pub created_timestamp: i64,
    /// Free attributes (Keycloak's user attributes; `user.attribute` of mappers).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, Vec<String>>,
    /// Links to upstream accounts (identity brokering).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub federated_identities: Vec<FederatedIdentity>,
    /// The user storage provider (component id) the user comes from (LDAP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federation_link: Option<String>,
}

/// A group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// Group id (uuid).
    pub id: String,
    /// Group name.
    pub name: String,
    /// Parent group id for a subgroup.
    #[serde(default)]
    pub parent: Option<String>,
    /// Roles members get.
    #[serde(default)]
    pub roles: RoleMappings,
    /// Free attributes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, Vec<String>>,
}

impl Realm {
    /// An empty realm with Keycloak's defaults.
    pub fn new(id: String, name: String) -> Self {
        Self {
            id,
            name,
            enabled: true,
            display_name: None,
            settings: RealmSettings::default(),
            roles: Vec::new(),
            clients: Vec::new(),
            users: Vec::new(),
            groups: Vec::new(),
            client_scopes: Vec::new(),
            default_default_client_scopes: Vec::new(),
            default_optional_client_scopes: Vec::new(),
            default_role: String::new(),
            defaults_version: 0,
            events: EventsConfig::default(),
            identity_providers: Vec::new(),
            identity_provider_mappers: Vec::new(),
            components: Vec::new(),
            authentication: Authentication::default(),
            user_profile: None,
            other: BTreeMap::new(),
        }
    }

    /// The identity provider with this alias.
    pub fn identity_provider(&self, alias: &str) -> Option<&IdentityProvider> {
        self.identity_providers.iter().find(|p| p.alias == alias)
    }

    /// The user linked to this upstream account.
    pub fn user_by_federated_identity(&self, alias: &str, upstream_id: &str) -> Option<&User> {
        self.users.iter().find(|u| {
            u.federated_identities
                .iter()
                .any(|f| f.identity_provider == alias && f.user_id == upstream_id)
        })
    }

    /// The component with this id.
    pub fn component(&self, id: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.id == id)
    }

    /// The enabled LDAP user storage providers, in order of their `priority`.
    pub fn ldap_providers(&self) -> Vec<&Component> {
        let mut list: Vec<&Component> = self
            .components
            .iter()
            .filter(|c| c.is_ldap() && c.flag("enabled", true))
            .collect();
        list.sort_by_key(|c| {
            c.config("priority")
                .and_then(|p| p.parse::<i64>().ok())
                .unwrap_or(0)
        });
        list
    }

    /// The mappers of a component.
    pub fn sub_components(&self, parent: &str) -> Vec<&Component> {
        self.components
            .iter()
            .filter(|c| c.parent_id == parent)
            .collect()
    }

    /// The client scope with this name.
    pub fn client_scope(&self, name: &str) -> Option<&ClientScope> {
        self.client_scopes.iter().find(|s| s.name == name)
    }

    /// The client with this `client_id`.
    pub fn client(&self, client_id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }

    /// The client with this internal id.
    pub fn client_by_id(&self, id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.id == id)
    }

    /// The user with this username (case-insensitive, as Keycloak) or, failing that, e-mail.
    pub fn user_by_login(&self, login: &str) -> Option<&User> {
        let lower = login.to_lowercase();
        self.users.iter().find(|u| u.username == lower).or_else(|| {
            self.users.iter().find(|u| {
                u.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(login))
            })
        })
    }

    /// The user with this id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// The group with this id.
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// The group at this path (`/parent/child`) or, without a leading `/`, with this name.
    pub fn group_by_path(&self, path: &str) -> Option<&Group> {
        if path.starts_with('/') {
            self.groups.iter().find(|g| self.group_path(g) == path)
        } else {
            self.groups.iter().find(|g| g.name == path)
        }
    }

    /// The ids of the groups at these paths (or with these names); a missing one is
    /// `Invalid("Group <path> not found")`.
    pub fn group_ids(&self, paths: &[String]) -> Result<Vec<String>, ModelError> {
        paths
            .iter()
            .map(|path| {
                self.group_by_path(path)
                    .map(|g| g.id.clone())
                    .ok_or_else(|| ModelError::Invalid(format!("Group {path} not found")))
            })
            .collect()
    }

    /// Removes a group with its subgroups, and the memberships in them.
    pub fn remove_group(&mut self, id: &str) {
        let mut doomed = vec![id.to_string()];
        let mut i = 0;
        while i < doomed.len() {
            let children: Vec<String> = self
                .groups
                .iter()
                .filter(|g| g.parent.as_deref() == Some(doomed[i].as_str()))
                .map(|g| g.id.clone())
                .collect();
            doomed.extend(children);
            i += 1;
        }
        self.groups.retain(|g| !doomed.contains(&g.id));
        for u in &mut self.users {
            u.groups.retain(|g| !doomed.contains(g));
        }
    }

    /// A group's full path, `/parent/child`.
    pub fn group_path(&self, group: &Group) -> String {
        let mut parts = vec![group.name.as_str()];
        let mut parent = group.parent.as_deref();
        let mut depth = 0;
        while let Some(id) = parent {
            let Some(p) = self.group(id) else { break };
            parts.push(p.name.as_str());
            parent = p.parent.as_deref();
            depth += 1;
            if depth > 64 {
                break;
            }
        }
        parts.reverse();
        format!("/{}", parts.join("/"))
    }

    /// The user's groups with their ancestors' roles: every group the user is in, in order.
    pub fn user_groups(&self, user: &User) -> Vec<&Group> {
        user.groups.iter().filter_map(|id| self.group(id)).collect()
    }

    /// The roles a user has: direct, through groups and their ancestors, and what their
    /// composites contain. Realm role names, and client role names by `clientId`, sorted and
    /// without duplicates.
    pub fn effective_roles(&self, user: &User) -> RoleMappings {
        let mut realm: Vec<String> = user.roles.realm.clone();
        let mut client: BTreeMap<String, Vec<String>> = user.roles.client.clone();
        for group in self.user_groups(user) {
            let mut current = Some(group);
            let mut depth = 0;
            while let Some(g) = current {
                realm.extend(g.roles.realm.iter().cloned());
                for (c, names) in &g.roles.client {
                    client
                        .entry(c.clone())
                        .or_default()
                        .extend(names.iter().cloned());
                }
                current = g.parent.as_deref().and_then(|p| self.group(p));
                depth += 1;
                if depth > 64 {
                    break;
                }
            }
        }
        self.expand_composites(&RoleMappings { realm, client })
    }

    /// Gives a new user the realm's default role (`default-roles-<realm>`), as Keycloak gives it
    /// to users created through the admin API (not to users of an imported realm file).
    pub fn give_default_role(&self, user: &mut User) {
        if !self.default_role.is_empty() {
            user.roles.add(None, &self.default_role);
        }
    }

    /// Adds a user, refusing a taken username.
    pub fn add_user(&mut self, user: User) -> Result<(), ModelError> {
        if user.username.is_empty() {
            return Err(ModelError::Invalid("username is required".to_string()));
        }
        if self.users.iter().any(|u| u.username == user.username) {
            return Err(ModelError::Conflict {
                what: "User",
                field: "username",
            });
        }
        self.users.push(user);
        Ok(())
    }

    /// Adds a client, refusing a taken `clientId`.
    pub fn add_client(&mut self, client: Client) -> Result<(), ModelError> {
        if client.client_id.is_empty() {
            return Err(ModelError::Invalid("clientId is required".to_string()));
        }
        if self.client(&client.client_id).is_some() {
            return Err(ModelError::Conflict {
                what: "Client",
                field: "clientId",
            });
        }
        self.clients.push(client);
        Ok(())
    }

    /// Adds a top-level group (or a subgroup of `group.parent`), refusing a taken name among
    /// its siblings.
    pub fn add_group(&mut self, group: Group) -> Result<(), ModelError> {
        if group.name.is_empty() {
            return Err(ModelError::Invalid("name is required".to_string()));
        }
        if self
            .groups
            .iter()
            .any(|g| g.name == group.name && g.parent == group.parent)
        {
            return Err(ModelError::Conflict {
                what: "Group",
                field: "name",
            });
        }
        self.groups.push(group);
        Ok(())
    }

    /// Adds a realm role, refusing a taken name.
    pub fn add_role(&mut self, role: Role) -> Result<(), ModelError> {
        if role.name.is_empty() {
            return Err(ModelError::Invalid("name is required".to_string()));
        }
        if self.roles.iter().any(|r| r.name == role.name) {
            return Err(ModelError::Conflict {
                what: "Role",
                field: "name",
            });
        }
        self.roles.push(role);
        Ok(())
    }
}

impl Group {
    /// A group without roles or attributes.
    pub fn new(id: String, name: &str, parent: Option<&str>) -> Self {
        Self {
            id,
            name: name.to_string(),
            parent: parent.map(str::to_string),
            roles: RoleMappings::default(),
            attributes: BTreeMap::new(),
        }
    }
}

impl Role {
    /// A role that contains no other.
    pub fn new(id: String, name: &str, description: Option<String>) -> Self {
        Self {
            id,
            name: name.to_string(),
            description,
            composites: RoleMappings::default(),
            attributes: BTreeMap::new(),
        }
    }
}

impl RoleMappings {
    /// No role at all.
    pub fn is_empty(&self) -> bool {
        self.realm.is_empty() && self.client.values().all(Vec::is_empty)
    }

    /// The names of a client's roles (`Some(clientId)`) or of realm roles (`None`).
    pub fn names(&self, client: Option<&str>) -> &[String] {
        match client {
            Some(c) => self.client.get(c).map_or(&[], Vec::as_slice),
            None => &self.realm,
        }
    }

    /// Adds a role (once).
    pub fn add(&mut self, client: Option<&str>, name: &str) {
        let list = match client {
            Some(c) => self.client.entry(c.to_string()).or_default(),
            None => &mut self.realm,
        };
        if !list.iter().any(|x| x == name) {
            list.push(name.to_string());
        }
    }

    /// Removes a role; a client left without roles disappears.
    pub fn remove(&mut self, client: Option<&str>, name: &str) {
        match client {
            Some(c) => {
                if let Some(list) = self.client.get_mut(c) {
                    list.retain(|x| x != name);
                }
                self.client.retain(|_, v| !v.is_empty());
            }
            None => self.realm.retain(|x| x != name),
        }
    }
}

impl Client {
    /// A client with Keycloak's defaults for a new OpenID Connect client (confidential,
    /// standard flow on, direct access grants on).
    pub fn new(id: String, client_id: String) -> Self {
        Self {
            id,
            client_id,
            name: None,
            enabled: true,
            public_client: false,
            secret: None,
            redirect_uris: Vec::new(),
            web_origins: Vec::new(),
            standard_flow_enabled: true,
            direct_access_grants_enabled: true,
            service_accounts_enabled: false,
            device_authorization_grant_enabled: false,
            pkce_method: None,
            roles: Vec::new(),
            protocol_mappers: Vec::new(),
            attributes: BTreeMap::new(),
            default_client_scopes: Vec::new(),
            optional_client_scopes: Vec::new(),
            full_scope_allowed: true,
            scope_mappings: RoleMappings::default(),
            bearer_only: false,
            other: BTreeMap::new(),
        }
    }
}

impl User {
    /// An enabled user without credentials.
    pub fn new(id: String, username: &str) -> Self {
        Self::from(UserData {
            id,
            username: username.to_lowercase(),
            email: None,
            email_verified: false,
            first_name: None,
            last_name: None,
            enabled: true,
            password_hash: None,
            totp_secret: None,
            required_actions: Vec::new(),
            groups: Vec::new(),
            roles: RoleMappings::default(),
            service_account_client_id: None,
            created_timestamp: 0,
            attributes: BTreeMap::new(),
            federated_identities: Vec::new(),
            federation_link: None,
        })
    }
}

impl UserData {
    /// `given family`, as Keycloak's `name` claim; `None` when both are missing.
    pub fn full_name(&self) -> Option<String> {
        match (self.first_name.as_deref(), self.last_name.as_deref()) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            (Some(f), None) => Some(f.to_string()),
            (None, Some(l)) => Some(l.to_string()),
            (None, None) => None,
        }
    }
}

pub mod authentication;
mod brokering;
mod composites;
mod federation;
mod shared_user;
#[cfg(test)]
mod tests;
pub mod user_index;
pub mod user_profile;
