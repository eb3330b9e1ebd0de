//! What the administration commands can ask of an identity provider, whether they act on a
//! stopped data directory (`offline`) or on a running provider (`online`), and the values they
//! pass.

use kubeward_idp::representation::RealmRepresentation;

use super::tables::{ClientRow, GroupRow, MappingRow, RealmRow, RoleRow, UserRow};

/// Whose role mappings a command reads or changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// A user, by username.
    User,
    /// A group, by name or `/path`.
    Group,
}

impl Holder {
    /// `user` or `group`.
    pub fn word(self) -> &'static str {
        match self {
            Holder::User => "user",
            Holder::Group => "group",
        }
    }
}

/// A new client.
#[derive(Debug, Clone, Default)]
pub struct NewClient {
    /// `client_id`.
    pub client_id: String,
    /// Public (no secret).
    pub public: bool,
    /// The secret of a confidential client (default: generated).
    pub secret: Option<String>,
    /// Redirect URIs.
    pub redirect_uris: Vec<String>,
    /// The client_credentials grant.
    pub service_account: bool,
}

/// A new user.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    /// Username.
    pub username: String,
    /// Password, if any.
    pub password: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Groups by name or path.
    pub groups: Vec<String>,
}

/// A change of role mappings.
#[derive(Debug, Clone)]
pub struct RoleChange<'a> {
    /// The user or group.
    pub holder: Holder,
    /// Its username, or name or path.
    pub name: &'a str,
    /// The role names.
    pub roles: &'a [String],
    /// Roles of this client (its client_id) instead of realm roles.
    pub client: Option<&'a str>,
    /// Add, or remove.
    pub add: bool,
}

/// What the administration commands can do, on a data directory or a running provider.
pub trait Backend {
    /// Every realm.
    fn realms(&self) -> anyhow::Result<Vec<RealmRow>>;
    /// Creates an empty realm.
    fn create_realm(&self, name: &str) -> anyhow::Result<()>;
    /// Deletes a realm with everything in it.
    fn delete_realm(&self, name: &str) -> anyhow::Result<()>;
    /// Creates a realm from a Keycloak realm file; the realm must not exist.
    fn import_realm(&self, rep: &RealmRepresentation) -> anyhow::Result<()>;
    /// The clients of a realm.
    fn clients(&self, realm: &str) -> anyhow::Result<Vec<ClientRow>>;
    /// Creates a client.
    fn create_client(&self, realm: &str, client: &NewClient) -> anyhow::Result<()>;
    /// Deletes a client (and its service-account user).
    fn delete_client(&self, realm: &str, client_id: &str) -> anyhow::Result<()>;
    /// A confidential client's secret, after replacing it with a new one if `regenerate`.
    fn client_secret(
        &self,
        realm: &str,
        client_id: &str,
        regenerate: bool,
    ) -> anyhow::Result<String>;
    /// The users of a realm.
    fn users(&self, realm: &str) -> anyhow::Result<Vec<UserRow>>;
    /// Creates a user.
    fn create_user(&self, realm: &str, user: &NewUser) -> anyhow::Result<()>;
    /// Deletes a user.
    fn delete_user(&self, realm: &str, username: &str) -> anyhow::Result<()>;
    /// The groups of a realm, at every level.
    fn groups(&self, realm: &str) -> anyhow::Result<Vec<GroupRow>>;
    /// Creates a top-level group.
    fn create_group(&self, realm: &str, name: &str) -> anyhow::Result<()>;
    /// Deletes a group and its subgroups.
    fn delete_group(&self, realm: &str, path: &str) -> anyhow::Result<()>;
    /// Realm roles, or a client's roles.
    fn roles(&self, realm: &str, client: Option<&str>) -> anyhow::Result<Vec<RoleRow>>;
    /// Creates a realm role or client role.
    fn create_role(&self, realm: &str, client: Option<&str>, name: &str) -> anyhow::Result<()>;
    /// Deletes a realm role or client role.
    fn delete_role(&self, realm: &str, client: Option<&str>, name: &str) -> anyhow::Result<()>;
    /// The roles given directly to a user or group.
    fn mappings(&self, realm: &str, holder: Holder, name: &str) -> anyhow::Result<Vec<MappingRow>>;
    /// Gives or takes roles; every role must exist.
    fn change_roles(&self, realm: &str, change: &RoleChange<'_>) -> anyhow::Result<()>;
}
