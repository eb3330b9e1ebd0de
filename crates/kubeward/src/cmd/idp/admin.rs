//! The administration commands: realm files in and out, `apply`, key rotation, and
//! list/create/delete of realms, clients, users, groups and roles with readable tables. They act
//! on a stopped data directory, or on a running provider through its admin REST API
//! (`backend`); `export`, `apply` and `keys` need the data directory stopped.

mod backend;
mod offline;
mod online;
mod tables;
mod target;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use kubeward_idp::provider::RandomMinter;
use kubeward_idp::reconcile;
use kubeward_idp::representation;

use self::backend::{Holder, NewClient, NewUser, RoleChange as Change};
use self::target::Where;
use super::data::{now, open_provider};
use super::realm_file::read as read_realm_file;

/// `-f FILE`.
#[derive(Debug, Args)]
pub struct FileArgs {
    #[command(flatten)]
    at: Where,
    /// The realm file (JSON; `-` for standard input).
    #[arg(short = 'f', long = "file")]
    file: PathBuf,
}

/// `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    at: Where,
    /// The realm.
    #[arg(short = 'r', long)]
    realm: String,
    /// Where to write (default: standard output).
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
}

/// `apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    at: Where,
    /// The realm file (JSON or YAML).
    #[arg(short = 'f', long = "file")]
    file: PathBuf,
    /// Delete clients, users, groups and roles the file does not name.
    #[arg(long)]
    prune: bool,
    /// Show what would change; change nothing.
    #[arg(long)]
    dry_run: bool,
}

/// `keys`.
#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Publish a new signing key; the old one stays in the JWKS until its tokens expired.
    Rotate {
        #[command(flatten)]
        at: InRealm,
        /// RS256 (default, as Keycloak), ES256 or EdDSA.
        #[arg(long)]
        algorithm: Option<String>,
    },
    /// List the signing keys.
    List(InRealm),
}

/// `realm`.
#[derive(Debug, Args)]
pub struct RealmArgs {
    #[command(subcommand)]
    command: RealmCommand,
}

#[derive(Debug, Subcommand)]
enum RealmCommand {
    /// List realms.
    List(Where),
    /// Create an empty realm.
    Create {
        #[command(flatten)]
        at: Where,
        /// Its name.
        name: String,
    },
    /// Delete a realm with everything in it.
    Delete {
        #[command(flatten)]
        at: Where,
        /// Its name.
        name: String,
    },
}

/// Options common to the commands inside a realm.
#[derive(Debug, Clone, Args)]
struct InRealm {
    #[command(flatten)]
    at: Where,
    /// The realm.
    #[arg(short = 'r', long)]
    realm: String,
}

/// `client`.
#[derive(Debug, Args)]
pub struct ClientArgs {
    #[command(subcommand)]
    command: ClientCommand,
}

#[derive(Debug, Subcommand)]
enum ClientCommand {
    /// List clients.
    List(InRealm),
    /// Create a client (confidential with a generated secret unless --public).
    Create {
        #[command(flatten)]
        at: InRealm,
        /// Its client_id.
        client_id: String,
        /// A public client (no secret; native apps such as kubelogin).
        #[arg(long)]
        public: bool,
        /// The secret (default: generated).
        #[arg(long)]
        secret: Option<String>,
        /// Allowed redirect URIs (repeatable).
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        /// Allow the client_credentials grant (a service account).
        #[arg(long)]
        service_account: bool,
    },
    /// Delete a client.
    Delete {
        #[command(flatten)]
        at: InRealm,
        /// Its client_id.
        client_id: String,
    },
    /// Print a confidential client's secret (the kubeconfig's --oidc-client-secret).
    Secret {
        #[command(flatten)]
        at: InRealm,
        /// Its client_id.
        client_id: String,
        /// Replace the secret with a new one first (the old one stops working).
        #[arg(long)]
        regenerate: bool,
    },
}

/// `user`.
#[derive(Debug, Args)]
pub struct UserArgs {
    #[command(subcommand)]
    command: UserCommand,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// List users.
    List(InRealm),
    /// Create a user.
    Create {
        #[command(flatten)]
        at: InRealm,
        /// Username.
        username: String,
        /// Read the password from standard input (first line).
        #[arg(long)]
        password_stdin: bool,
        /// E-mail address.
        #[arg(long)]
        email: Option<String>,
        /// Groups (name or /path; repeatable).
        #[arg(long = "group")]
        groups: Vec<String>,
    },
    /// Delete a user.
    Delete {
        #[command(flatten)]
        at: InRealm,
        /// Username.
        username: String,
    },
    /// List the roles given to a user directly (not through groups).
    Roles {
        #[command(flatten)]
        at: InRealm,
        /// Username.
        username: String,
    },
    /// Give a user realm roles, or roles of a client.
    AddRoles(RoleChange),
    /// Take realm roles, or roles of a client, from a user.
    RemoveRoles(RoleChange),
}

/// `group`.
#[derive(Debug, Args)]
pub struct GroupArgs {
    #[command(subcommand)]
    command: GroupCommand,
}

#[derive(Debug, Subcommand)]
enum GroupCommand {
    /// List groups.
    List(InRealm),
    /// Create a top-level group.
    Create {
        #[command(flatten)]
        at: InRealm,
        /// Name.
        name: String,
    },
    /// Delete a group (and its subgroups).
    Delete {
        #[command(flatten)]
        at: InRealm,
        /// Name or /path.
        name: String,
    },
    /// List the roles a group gives its members.
    Roles {
        #[command(flatten)]
        at: InRealm,
        /// Name or /path.
        name: String,
    },
    /// Give a group's members realm roles, or roles of a client.
    AddRoles(RoleChange),
    /// Take realm roles, or roles of a client, from a group.
    RemoveRoles(RoleChange),
}

/// `user|group add-roles|remove-roles`.
#[derive(Debug, Args)]
struct RoleChange {
    #[command(flatten)]
    at: InRealm,
    /// The username, or the group's name or /path.
    name: String,
    /// Role names.
    #[arg(required = true)]
    roles: Vec<String>,
    /// Roles of this client (its client_id) instead of realm roles.
    #[arg(long)]
    client: Option<String>,
}

/// `role`.
#[derive(Debug, Args)]
pub struct RoleArgs {
    #[command(subcommand)]
    command: RoleCommand,
}

#[derive(Debug, Subcommand)]
enum RoleCommand {
    /// List realm roles, or a client's roles.
    List {
        #[command(flatten)]
        at: InRealm,
        /// A client's roles instead of the realm's.
        #[arg(long)]
        client: Option<String>,
    },
    /// Create a role.
    Create {
        #[command(flatten)]
        at: InRealm,
        /// Name.
        name: String,
        /// A client role of this client.
        #[arg(long)]
        client: Option<String>,
    },
    /// Delete a role.
    Delete {
        #[command(flatten)]
        at: InRealm,
        /// Name.
        name: String,
        /// A client role of this client.
        #[arg(long)]
        client: Option<String>,
    },
}

/// Adds or removes roles of a user or group; every role must exist.
fn change_roles(change: RoleChange, holder: Holder, add: bool) -> anyhow::Result<()> {
    change.at.at.backend()?.change_roles(
        &change.at.realm,
        &Change {
            holder,
            name: &change.name,
            roles: &change.roles,
            client: change.client.as_deref(),
            add,
        },
    )?;
    let of = change
        .client
        .as_deref()
        .map(|c| format!(" of client {c}"))
        .unwrap_or_default();
    println!(
        "{} {}: {}{of} {}",
        holder.word(),
        change.name,
        change.roles.join(", "),
        if add { "added" } else { "removed" }
    );
    Ok(())
}

/// `import`.
pub fn import(args: FileArgs) -> anyhow::Result<ExitCode> {
    let rep = read_realm_file(&args.file)?;
    args.at.backend()?.import_realm(&rep)?;
    println!("realm {} imported", rep.realm);
    Ok(ExitCode::SUCCESS)
}

/// `export`.
pub fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let provider = open_provider(args.at.offline_only("export")?)?;
    let realm = provider
        .directory()
        .realm(&args.realm)
        .ok_or_else(|| anyhow::anyhow!("realm {:?} not found", args.realm))?;
    let json = serde_json::to_string_pretty(&representation::export(&realm))? + "\n";
    match args.output {
        Some(path) => {
            crate::files::write_atomic(&path, json.as_bytes(), crate::files::Access::Secret)
                .with_context(|| format!("writing {}", path.display()))?
        }
        None => print!("{json}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// `apply`.
pub fn apply(args: ApplyArgs) -> anyhow::Result<ExitCode> {
    let rep = read_realm_file(&args.file)?;
    if rep.realm.is_empty() {
        bail!(
            "{}: the realm has no name (field \"realm\")",
            args.file.display()
        );
    }
    let provider = open_provider(args.at.offline_only("apply")?)?;
    let directory = provider.directory();
    let current = directory.realm(&rep.realm);
    let (realm, changes) =
        reconcile::apply(current.as_deref(), &rep, args.prune, &mut RandomMinter)?;
    if changes.is_empty() {
        println!("realm {}: no changes", rep.realm);
        return Ok(ExitCode::SUCCESS);
    }
    for c in &changes {
        println!("{c}{}", if args.dry_run { " (dry run)" } else { "" });
    }
    if args.dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    if current.is_some() {
        directory.update_realm(&rep.realm, |r| {
            *r = realm.clone();
            Ok(())
        })?;
    } else {
        directory.create_realm(realm)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `keys`.
pub fn keys(args: KeysArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        KeysCommand::Rotate { at, algorithm } => {
            let provider = open_provider(at.at.offline_only("keys rotate")?)?;
            let realm = at.realm;
            let kid = provider
                .rotate_keys(&realm, algorithm.as_deref(), now())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "realm {realm}: new signing key {kid}; the previous key stays published until its tokens expire"
            );
        }
        KeysCommand::List(at) => {
            let provider = open_provider(at.at.offline_only("keys list")?)?;
            let keys = provider.directory().keys(&at.realm)?;
            print!(
                "{}",
                tables::table(
                    &["KID", "ALGORITHM", "STATUS"],
                    keys.iter()
                        .map(|k| {
                            vec![
                                k.kid.clone(),
                                k.algorithm.clone(),
                                if k.retired.is_some() {
                                    "retired"
                                } else {
                                    "active"
                                }
                                .to_string(),
                            ]
                        })
                        .collect(),
                )
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `realm`.
pub fn realm(args: RealmArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        RealmCommand::List(at) => print!("{}", tables::realms(&at.backend()?.realms()?)),
        RealmCommand::Create { at, name } => {
            at.backend()?.create_realm(&name)?;
            println!("realm {name} created");
        }
        RealmCommand::Delete { at, name } => {
            at.backend()?.delete_realm(&name)?;
            println!("realm {name} deleted");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `client`.
pub fn client(args: ClientArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        ClientCommand::List(at) => {
            print!("{}", tables::clients(&at.at.backend()?.clients(&at.realm)?))
        }
        ClientCommand::Create {
            at,
            client_id,
            public,
            secret,
            redirect_uris,
            service_account,
        } => {
            at.at.backend()?.create_client(
                &at.realm,
                &NewClient {
                    client_id: client_id.clone(),
                    public,
                    secret,
                    redirect_uris,
                    service_account,
                },
            )?;
            println!("client {client_id} created");
        }
        ClientCommand::Delete { at, client_id } => {
            at.at.backend()?.delete_client(&at.realm, &client_id)?;
            println!("client {client_id} deleted");
        }
        ClientCommand::Secret {
            at,
            client_id,
            regenerate,
        } => {
            let secret = at
                .at
                .backend()?
                .client_secret(&at.realm, &client_id, regenerate)?;
            println!("{secret}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `user`.
pub fn user(args: UserArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        UserCommand::List(at) => print!("{}", tables::users(&at.at.backend()?.users(&at.realm)?)),
        UserCommand::Create {
            at,
            username,
            password_stdin,
            email,
            groups,
        } => {
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                let password = line.trim_end_matches(['\r', '\n']).to_string();
                if password.is_empty() {
                    bail!("the password on standard input is empty");
                }
                Some(password)
            } else {
                None
            };
            at.at.backend()?.create_user(
                &at.realm,
                &NewUser {
                    username: username.clone(),
                    password,
                    email,
                    groups,
                },
            )?;
            println!("user {} created", username.to_lowercase());
        }
        UserCommand::Delete { at, username } => {
            at.at.backend()?.delete_user(&at.realm, &username)?;
            println!("user {} deleted", username.to_lowercase());
        }
        UserCommand::Roles { at, username } => print!(
            "{}",
            tables::mappings(
                &at.at
                    .backend()?
                    .mappings(&at.realm, Holder::User, &username)?
            )
        ),
        UserCommand::AddRoles(change) => change_roles(change, Holder::User, true)?,
        UserCommand::RemoveRoles(change) => change_roles(change, Holder::User, false)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `group`.
pub fn group(args: GroupArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        GroupCommand::List(at) => {
            print!("{}", tables::groups(&at.at.backend()?.groups(&at.realm)?))
        }
        GroupCommand::Create { at, name } => {
            at.at.backend()?.create_group(&at.realm, &name)?;
            println!("group {name} created");
        }
        GroupCommand::Delete { at, name } => {
            at.at.backend()?.delete_group(&at.realm, &name)?;
            println!("group {name} deleted");
        }
        GroupCommand::Roles { at, name } => print!(
            "{}",
            tables::mappings(&at.at.backend()?.mappings(&at.realm, Holder::Group, &name)?)
        ),
        GroupCommand::AddRoles(change) => change_roles(change, Holder::Group, true)?,
        GroupCommand::RemoveRoles(change) => change_roles(change, Holder::Group, false)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `role`.
pub fn role(args: RoleArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        RoleCommand::List { at, client } => print!(
            "{}",
            tables::roles(&at.at.backend()?.roles(&at.realm, client.as_deref())?)
        ),
        RoleCommand::Create { at, name, client } => {
            at.at
                .backend()?
                .create_role(&at.realm, client.as_deref(), &name)?;
            println!("role {name} created");
        }
        RoleCommand::Delete { at, name, client } => {
            at.at
                .backend()?
                .delete_role(&at.realm, client.as_deref(), &name)?;
            println!("role {name} deleted");
        }
    }
    Ok(ExitCode::SUCCESS)
}
