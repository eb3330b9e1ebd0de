//! The `master` realm and its first administrator, as Keycloak bootstraps them: the public
//! client `admin-cli` (password grant on), realm roles `admin` and `create-realm`, and one user
//! holding them, named by `KC_BOOTSTRAP_ADMIN_USERNAME`/`KC_BOOTSTRAP_ADMIN_PASSWORD` (read by
//! the binary) or `admin` with a generated password.

use crate::directory::{Directory, DirectoryError};
use crate::model::{Client, Realm, Role, User};
use crate::representation::Minter;

/// The administration realm.
pub const MASTER: &str = "master";
/// The administration client.
pub const ADMIN_CLI: &str = "admin-cli";
/// The realm role that may use the admin API.
pub const ADMIN_ROLE: &str = "admin";

/// What bootstrapping did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bootstrap {
    /// The master realm existed already.
    Existing,
    /// Created, with this admin username; `Some(password)` when it was generated (the caller
    /// must show or store it: it is kept nowhere else).
    Created {
        /// Username.
        username: String,
        /// The generated password, if one was generated.
        generated_password: Option<String>,
    },
}

/// Why bootstrapping failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BootstrapError {
    /// The directory failed.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// The password could not be hashed.
    #[error("hashing the admin password: {0}")]
    Hash(String),
}

/// Creates the master realm with its admin unless it exists.
pub fn ensure_master(
    directory: &Directory,
    admin: Option<(String, String)>,
    minter: &mut dyn Minter,
    now_millis: i64,
) -> Result<Bootstrap, BootstrapError> {
    if directory.realm(MASTER).is_some() {
        return Ok(Bootstrap::Existing);
    }
    let (username, password, generated) = match admin {
        Some((u, p)) => (u, p, false),
        None => ("admin".to_string(), minter.secret(), true),
    };
    let mut realm = Realm::new(MASTER.to_string(), MASTER.to_string());
    realm.display_name = Some("Keycloak".to_string());
    for name in [ADMIN_ROLE, "create-realm"] {
        realm.roles.push(Role::new(minter.id(), name, None));
    }
    let mut cli = Client::new(minter.id(), ADMIN_CLI.to_string());
    cli.public_client = true;
    cli.standard_flow_enabled = false;
    cli.name = Some("${client_admin-cli}".to_string());
    cli.direct_access_grants_enabled = true;
    realm.clients.push(cli);
    let mut user = User::new(minter.id(), &username);
    user.password_hash = Some(minter.hash(&password).map_err(BootstrapError::Hash)?);
    user.roles.realm = vec![ADMIN_ROLE.to_string(), "create-realm".to_string()];
    user.created_timestamp = now_millis;
    realm.users.push(user);
    crate::defaults::ensure(&mut realm, minter);
    let default_role = realm.default_role.clone();
    if let Some(u) = realm.users.last_mut() {
        u.roles.add(None, &default_role);
    }
    match directory.create_realm(realm) {
        // Another provider sharing the store made it a moment ago.
        Err(DirectoryError::RealmExists) => return Ok(Bootstrap::Existing),
        created => created?,
    };
    Ok(Bootstrap::Created {
        username,
        generated_password: generated.then_some(password),
    })
}
