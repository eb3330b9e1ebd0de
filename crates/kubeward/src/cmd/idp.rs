//! `kubeward idp`: the OpenID Connect identity provider alone (`serve`), and its administration
//! (`import`, `export`, `apply`, `keys`, and `realm|client|user|group|role`): on a stopped data
//! directory, or on a running provider through its admin REST API. `kubeward up` runs the same
//! provider in its own process (see [`start`]).
//!
//! - `data`: the data directory (store, the running provider's URL file).
//! - `realm_file`: Keycloak realm files, read and imported.
//! - `server`: `serve` and [`start`].
//! - `admin`: the administration commands.

mod admin;
mod data;
mod realm_file;
mod server;

use std::process::ExitCode;

use clap::{Args, Subcommand};

pub use data::URL_FILE;
pub use server::{IdpHandle, StartOptions, print_banner, read_truststore, start};

/// `kubeward idp …`.
#[derive(Debug, Args)]
pub struct IdpArgs {
    #[command(subcommand)]
    command: IdpCommand,
}

#[derive(Debug, Subcommand)]
enum IdpCommand {
    /// Serve the identity provider (Keycloak's paths) over HTTPS.
    Serve(Box<server::ServeArgs>),
    /// Import a Keycloak realm file (`kc.sh export` format); the realm must not exist. Works on a
    /// stopped data directory or a running provider, as the commands below.
    Import(admin::FileArgs),
    /// Write a realm as a Keycloak realm file (users with password hashes; stopped data
    /// directory only).
    Export(admin::ExportArgs),
    /// Reconcile realms to a Keycloak realm file (JSON or YAML): create, update, and with
    /// --prune delete. Running it twice changes nothing the second time (stopped data directory
    /// only).
    Apply(admin::ApplyArgs),
    /// Signing keys (stopped data directory only).
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
        IdpCommand::Serve(a) => server::run(*a),
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
