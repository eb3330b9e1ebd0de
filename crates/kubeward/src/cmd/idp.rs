//! `kubeward idp`: the OpenID Connect identity provider alone (`serve`), and its offline
//! administration on a data directory (`import`, `export`, `apply`, `keys rotate`, and
//! `realm|client|user|group|role` list/create/delete). `kubeward up` runs the same provider in
//! its own process (see [`start`]).

mod admin;
mod server;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use kubeward_idp::directory::Directory;
use kubeward_idp::provider::Provider;
use kubeward_store::{RedbStore, Store};

pub use server::{IdpHandle, StartOptions, print_banner, start};

/// `kubeward idp …`.
#[derive(Debug, Args)]
pub struct IdpArgs {
    #[command(subcommand)]
    command: IdpCommand,
}

/// Where the provider keeps its state.
#[derive(Debug, Clone, Args)]
pub struct DataDir {
    /// The data directory (shared with `kubeward up`).
    #[arg(long, default_value = "./kubeward-data", global = true)]
    pub data_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
enum IdpCommand {
    /// Serve the identity provider (Keycloak's paths) over HTTPS.
    Serve(server::ServeArgs),
    /// Import a Keycloak realm file (`kc.sh export` format); the realm must not exist.
    Import(admin::FileArgs),
    /// Write a realm as a Keycloak realm file (users with password hashes).
    Export(admin::ExportArgs),
    /// Reconcile realms to a Keycloak realm file (JSON or YAML): create, update, and with
    /// --prune delete. Running it twice changes nothing the second time.
    Apply(admin::ApplyArgs),
    /// Signing keys.
    Keys(admin::KeysArgs),
    /// Realms.
    Realm(admin::RealmArgs),
    /// Clients of a realm.
    Client(admin::ClientArgs),
    /// Users of a realm.
    User(admin::UserArgs),
    /// Groups of a realm.
    Group(admin::GroupArgs),
    /// Roles of a realm (or of a client with --client).
    Role(admin::RoleArgs),
}

/// Runs `kubeward idp`.
pub fn run(args: IdpArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        IdpCommand::Serve(a) => server::run(a),
        IdpCommand::Import(a) => admin::import(a),
        IdpCommand::Export(a) => admin::export(a),
        IdpCommand::Apply(a) => admin::apply(a),
        IdpCommand::Keys(a) => admin::keys(a),
        IdpCommand::Realm(a) => admin::realm(a),
        IdpCommand::Client(a) => admin::client(a),
        IdpCommand::User(a) => admin::user(a),
        IdpCommand::Group(a) => admin::group(a),
        IdpCommand::Role(a) => admin::role(a),
    }
}

/// The store file of a data directory (the API server's too).
pub fn store_path(data_dir: &Path) -> PathBuf {
    data_dir.join("store.redb")
}

/// Opens the data directory's store. A new data directory is the owner's only (0700) and a new
/// store file 0600: it holds signing keys and password hashes.
pub fn open_store(data_dir: &Path) -> anyhow::Result<Arc<dyn Store>> {
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    if !data_dir.exists() {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("creating {}", data_dir.display()))?;
        std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700))?;
    }
    let path = store_path(data_dir);
    if !path.exists() {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("creating {}", path.display()))?;
    }
    RedbStore::open(&path).map(|s| Arc::new(s) as Arc<dyn Store>).map_err(|e| {
        anyhow::anyhow!(
            "cannot open {}: {e} (is a kubeward server running on this data directory? stop it, or use the admin REST API)",
            path.display()
        )
    })
}

/// A provider over the data directory's store.
fn open_provider(data_dir: &Path) -> anyhow::Result<Provider> {
    let store = open_store(data_dir)?;
    let directory = Directory::open(store).context("reading the identity provider's realms")?;
    directory
        .upgrade(&mut kubeward_idp::provider::RandomMinter)
        .context("upgrading the identity provider's realms")?;
    Ok(Provider::new(directory))
}

/// Seconds since the epoch.
fn now() -> u64 {
    kubeward_idp::http::clock::now()
}
