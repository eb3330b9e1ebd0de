//! The identity provider's domain: realms with their clients, users, groups and roles, as the
//! provider keeps them (one JSON document per realm in the store). Keycloak's wire format for the
//! same things is `representation`; this module is what the flows read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
}

/// A protocol mapper of a client: adds claims to tokens (Keycloak's `protocolMappers`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProtocolMapper {
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

/// A user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
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
        }
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

impl Role {
    /// A role that contains no other.
    pub fn new(id: String, name: &str, description: Option<String>) -> Self {
        Self {
            id,
            name: name.to_string(),
            description,
            composites: RoleMappings::default(),
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
        }
    }
}

impl User {
    /// An enabled user without credentials.
    pub fn new(id: String, username: &str) -> Self {
        Self {
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
        }
    }

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

mod composites;
#[cfg(test)]
mod tests;
