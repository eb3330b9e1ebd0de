//! The offline administration commands: realm files in and out, `apply`, key rotation, and
//! list/create/delete of realms, clients, users, groups and roles with readable tables.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use kubeward_idp::directory::DirectoryError;
use kubeward_idp::model::{Client, Group, ModelError, Realm, Role, RoleMappings, User};
use kubeward_idp::provider::{RandomMinter, hash_password, new_id, random_token};
use kubeward_idp::reconcile;
use kubeward_idp::representation::{self, RealmRepresentation};

use super::{DataDir, now, open_provider};

/// Reads a realm file: JSON, or YAML when the file name says so or JSON fails.
pub fn read_realm_file(path: &Path) -> anyhow::Result<RealmRepresentation> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        s
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
    };
    let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
    let parsed = if yaml {
        serde_saphyr::from_str(&text).map_err(|e| anyhow::anyhow!("{e}"))
    } else {
        serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{e}"))
    };
    parsed.with_context(|| format!("{} is not a Keycloak realm file", path.display()))
}

/// `-f FILE`.
#[derive(Debug, Args)]
pub struct FileArgs {
    #[command(flatten)]
    data: DataDir,
    /// The realm file (JSON; `-` for standard input).
    #[arg(short = 'f', long = "file")]
    file: PathBuf,
}

/// `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    data: DataDir,
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
    data: DataDir,
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
        data: DataDir,
        /// The realm.
        #[arg(short = 'r', long)]
        realm: String,
        /// RS256 (default, as Keycloak), ES256 or EdDSA.
        #[arg(long)]
        algorithm: Option<String>,
    },
    /// List the signing keys.
    List {
        #[command(flatten)]
        data: DataDir,
        /// The realm.
        #[arg(short = 'r', long)]
        realm: String,
    },
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
    List(DataDir),
    /// Create an empty realm.
    Create {
        #[command(flatten)]
        data: DataDir,
        /// Its name.
        name: String,
    },
    /// Delete a realm with everything in it.
    Delete {
        #[command(flatten)]
        data: DataDir,
        /// Its name.
        name: String,
    },
}

/// Options common to the commands inside a realm.
#[derive(Debug, Clone, Args)]
struct InRealm {
    #[command(flatten)]
    data: DataDir,
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

/// Whose role mappings a command reads or changes.
#[derive(Debug, Clone, Copy)]
enum Holder {
    User,
    Group,
}

impl Holder {
    fn word(self) -> &'static str {
        match self {
            Holder::User => "user",
            Holder::Group => "group",
        }
    }

    fn mappings<'r>(self, r: &'r Realm, name: &str) -> Result<&'r RoleMappings, ModelError> {
        match self {
            Holder::User => r.user_by_login(name).map(|u| &u.roles),
            Holder::Group => r.group_by_path(name).map(|g| &g.roles),
        }
        .ok_or(self.missing())
    }

    fn mappings_mut<'r>(
        self,
        r: &'r mut Realm,
        name: &str,
    ) -> Result<&'r mut RoleMappings, ModelError> {
        let id = match self {
            Holder::User => r.user_by_login(name).map(|u| u.id.clone()),
            Holder::Group => r.group_by_path(name).map(|g| g.id.clone()),
        }
        .ok_or(self.missing())?;
        match self {
            Holder::User => r
                .users
                .iter_mut()
                .find(|u| u.id == id)
                .map(|u| &mut u.roles),
            Holder::Group => r
                .groups
                .iter_mut()
                .find(|g| g.id == id)
                .map(|g| &mut g.roles),
        }
        .ok_or(self.missing())
    }

    fn missing(self) -> ModelError {
        ModelError::NotFound(match self {
            Holder::User => "User",
            Holder::Group => "Group",
        })
    }
}

/// Prints a holder's role mappings: realm roles, then each client's.
fn print_roles(at: &InRealm, holder: Holder, name: &str) -> anyhow::Result<()> {
    let realm = load(at)?;
    let m = holder.mappings(&realm, name)?;
    let mut rows: Vec<Vec<String>> = m
        .realm
        .iter()
        .map(|r| vec![r.clone(), String::new()])
        .collect();
    for (client, names) in &m.client {
        rows.extend(names.iter().map(|r| vec![r.clone(), client.clone()]));
    }
    table(&["ROLE", "CLIENT"], rows);
    Ok(())
}

/// Adds or removes roles of a user or group; every role must exist.
fn change_roles(change: RoleChange, holder: Holder, add: bool) -> anyhow::Result<()> {
    let client = change.client.as_deref();
    edit(&change.at, |r| {
        if let Some(c) = client
            && r.client(c).is_none()
        {
            return Err(ModelError::NotFound("Client").into());
        }
        if let Some(missing) = change
            .roles
            .iter()
            .find(|n| r.role_named(client, n).is_none())
        {
            return Err(ModelError::Invalid(format!("role {missing:?} not found")).into());
        }
        let m = holder.mappings_mut(r, &change.name)?;
        for role in &change.roles {
            if add {
                m.add(client, role);
            } else {
                m.remove(client, role);
            }
        }
        Ok(())
    })?;
    let of = client
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

/// Prints rows under upper-case headers, columns padded with three spaces as kubectl does.
fn table(headers: &[&str], rows: Vec<Vec<String>>) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}   ", w = widths[i]));
            }
        }
        println!("{}", out.trim_end());
    };
    line(headers.iter().map(|h| h.to_string()).collect());
    for row in rows {
        line(row);
    }
}

fn missing_realm(e: DirectoryError, realm: &str) -> anyhow::Error {
    match e {
        DirectoryError::RealmNotFound => anyhow::anyhow!("realm {realm:?} not found"),
        other => other.into(),
    }
}

/// `import`.
pub fn import(args: FileArgs) -> anyhow::Result<ExitCode> {
    let rep = read_realm_file(&args.file)?;
    let provider = open_provider(&args.data.data_dir)?;
    if provider.directory().realm(&rep.realm).is_some() {
        bail!(
            "realm {:?} exists already (use `kubeward idp apply` to change it)",
            rep.realm
        );
    }
    super::server::import_realm(provider.directory(), &rep)?;
    println!("realm {} imported", rep.realm);
    Ok(ExitCode::SUCCESS)
}

/// `export`.
pub fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let provider = open_provider(&args.data.data_dir)?;
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
    let provider = open_provider(&args.data.data_dir)?;
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
            *r = realm;
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
        KeysCommand::Rotate {
            data,
            realm,
            algorithm,
        } => {
            let provider = open_provider(&data.data_dir)?;
            let kid = provider
                .rotate_keys(&realm, algorithm.as_deref(), now())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "realm {realm}: new signing key {kid}; the previous key stays published until its tokens expire"
            );
        }
        KeysCommand::List { data, realm } => {
            let provider = open_provider(&data.data_dir)?;
            let keys = provider.directory().keys(&realm)?;
            table(
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
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `realm`.
pub fn realm(args: RealmArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        RealmCommand::List(data) => {
            let provider = open_provider(&data.data_dir)?;
            table(
                &["NAME", "ENABLED", "CLIENTS", "USERS", "GROUPS"],
                provider
                    .directory()
                    .realms()
                    .iter()
                    .map(|r| {
                        vec![
                            r.name.clone(),
                            r.enabled.to_string(),
                            r.clients.len().to_string(),
                            r.users.len().to_string(),
                            r.groups.len().to_string(),
                        ]
                    })
                    .collect(),
            );
        }
        RealmCommand::Create { data, name } => {
            let provider = open_provider(&data.data_dir)?;
            provider
                .directory()
                .create_realm(kubeward_idp::defaults::new_realm(
                    new_id(),
                    name.clone(),
                    &mut RandomMinter,
                ))
                .map_err(|e| match e {
                    DirectoryError::RealmExists => anyhow::anyhow!("realm {name:?} exists already"),
                    other => other.into(),
                })?;
            println!("realm {name} created");
        }
        RealmCommand::Delete { data, name } => {
            let provider = open_provider(&data.data_dir)?;
            provider
                .directory()
                .delete_realm(&name)
                .map_err(|e| missing_realm(e, &name))?;
            println!("realm {name} deleted");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `client`.
pub fn client(args: ClientArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        ClientCommand::List(at) => {
            let realm = load(&at)?;
            table(
                &["CLIENT ID", "TYPE", "ENABLED", "GRANTS", "REDIRECT URIS"],
                realm
                    .clients
                    .iter()
                    .map(|c| {
                        let mut grants = Vec::new();
                        if c.standard_flow_enabled {
                            grants.push("authorization_code");
                        }
                        if c.direct_access_grants_enabled {
                            grants.push("password");
                        }
                        if c.service_accounts_enabled {
                            grants.push("client_credentials");
                        }
                        if c.device_authorization_grant_enabled {
                            grants.push("device_code");
                        }
                        vec![
                            c.client_id.clone(),
                            if c.public_client {
                                "public"
                            } else {
                                "confidential"
                            }
                            .to_string(),
                            c.enabled.to_string(),
                            grants.join(","),
                            c.redirect_uris.join(","),
                        ]
                    })
                    .collect(),
            );
        }
        ClientCommand::Create {
            at,
            client_id,
            public,
            secret,
            redirect_uris,
            service_account,
        } => {
            let mut client = Client::new(new_id(), client_id.clone());
            client.public_client = public;
            client.redirect_uris = redirect_uris;
            client.service_accounts_enabled = service_account && !public;
            if !public {
                client.secret = Some(secret.unwrap_or_else(|| random_token(24)));
            }
            edit(&at, |r| {
                kubeward_idp::defaults::assign_default_scopes(r, &mut client);
                r.add_client(client)?;
                representation::ensure_service_accounts(r, &mut RandomMinter);
                Ok(())
            })?;
            println!("client {client_id} created");
        }
        ClientCommand::Delete { at, client_id } => {
            edit(&at, |r| {
                let before = r.clients.len();
                r.clients.retain(|c| c.client_id != client_id);
                if r.clients.len() == before {
                    return Err(ModelError::NotFound("Client").into());
                }
                r.users
                    .retain(|u| u.service_account_client_id.as_deref() != Some(client_id.as_str()));
                Ok(())
            })?;
            println!("client {client_id} deleted");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `user`.
pub fn user(args: UserArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        UserCommand::List(at) => {
            let realm = load(&at)?;
            table(
                &["USERNAME", "ENABLED", "EMAIL", "GROUPS", "ID"],
                realm
                    .users
                    .iter()
                    .map(|u| {
                        vec![
                            u.username.clone(),
                            u.enabled.to_string(),
                            u.email.clone().unwrap_or_default(),
                            realm
                                .user_groups(u)
                                .iter()
                                .map(|g| realm.group_path(g))
                                .collect::<Vec<_>>()
                                .join(","),
                            u.id.clone(),
                        ]
                    })
                    .collect(),
            );
        }
        UserCommand::Create {
            at,
            username,
            password_stdin,
            email,
            groups,
        } => {
            let mut user = User::new(new_id(), &username);
            user.email = email;
            user.created_timestamp = (now() * 1000) as i64;
            if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                let password = line.trim_end_matches(['\r', '\n']);
                if password.is_empty() {
                    bail!("the password on standard input is empty");
                }
                user.password_hash = Some(hash_password(password).map_err(anyhow::Error::msg)?);
            }
            edit(&at, |r| {
                user.groups = r.group_ids(&groups)?;
                r.give_default_role(&mut user);
                r.add_user(user)?;
                Ok(())
            })?;
            println!("user {} created", username.to_lowercase());
        }
        UserCommand::Delete { at, username } => {
            let name = username.to_lowercase();
            edit(&at, |r| {
                let before = r.users.len();
                r.users.retain(|u| u.username != name);
                if r.users.len() == before {
                    return Err(ModelError::NotFound("User").into());
                }
                Ok(())
            })?;
            println!("user {name} deleted");
        }
        UserCommand::Roles { at, username } => print_roles(&at, Holder::User, &username)?,
        UserCommand::AddRoles(change) => change_roles(change, Holder::User, true)?,
        UserCommand::RemoveRoles(change) => change_roles(change, Holder::User, false)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `group`.
pub fn group(args: GroupArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        GroupCommand::List(at) => {
            let realm = load(&at)?;
            table(
                &["PATH", "MEMBERS", "REALM ROLES", "CLIENT ROLES"],
                realm
                    .groups
                    .iter()
                    .map(|g| {
                        vec![
                            realm.group_path(g),
                            realm
                                .users
                                .iter()
                                .filter(|u| u.groups.contains(&g.id))
                                .count()
                                .to_string(),
                            g.roles.realm.join(","),
                            g.roles
                                .client
                                .iter()
                                .flat_map(|(c, names)| {
                                    names.iter().map(move |n| format!("{c}:{n}"))
                                })
                                .collect::<Vec<_>>()
                                .join(","),
                        ]
                    })
                    .collect(),
            );
        }
        GroupCommand::Create { at, name } => {
            edit(&at, |r| {
                r.add_group(Group::new(new_id(), &name, None))?;
                Ok(())
            })?;
            println!("group {name} created");
        }
        GroupCommand::Delete { at, name } => {
            edit(&at, |r| {
                let id = r
                    .group_by_path(&name)
                    .map(|g| g.id.clone())
                    .ok_or(ModelError::NotFound("Group"))?;
                r.remove_group(&id);
                Ok(())
            })?;
            println!("group {name} deleted");
        }
        GroupCommand::Roles { at, name } => print_roles(&at, Holder::Group, &name)?,
        GroupCommand::AddRoles(change) => change_roles(change, Holder::Group, true)?,
        GroupCommand::RemoveRoles(change) => change_roles(change, Holder::Group, false)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `role`.
pub fn role(args: RoleArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        RoleCommand::List { at, client } => {
            let realm = load(&at)?;
            let roles = match &client {
                Some(c) => {
                    &realm
                        .client(c)
                        .ok_or_else(|| anyhow::anyhow!("client {c:?} not found"))?
                        .roles
                }
                None => &realm.roles,
            };
            table(
                &["NAME", "DESCRIPTION"],
                roles
                    .iter()
                    .map(|r| vec![r.name.clone(), r.description.clone().unwrap_or_default()])
                    .collect(),
            );
        }
        RoleCommand::Create { at, name, client } => {
            let role = Role::new(new_id(), &name, None);
            edit(&at, |r| {
                match &client {
                    Some(c) => {
                        let client = r
                            .clients
                            .iter_mut()
                            .find(|x| &x.client_id == c)
                            .ok_or(ModelError::NotFound("Client"))?;
                        if client.roles.iter().any(|x| x.name == role.name) {
                            return Err(ModelError::Conflict {
                                what: "Role",
                                field: "name",
                            }
                            .into());
                        }
                        client.roles.push(role);
                    }
                    None => r.add_role(role)?,
                }
                Ok(())
            })?;
            println!("role {name} created");
        }
        RoleCommand::Delete { at, name, client } => {
            edit(&at, |r| {
                let list = match &client {
                    Some(c) => {
                        &mut r
                            .clients
                            .iter_mut()
                            .find(|x| &x.client_id == c)
                            .ok_or(ModelError::NotFound("Client"))?
                            .roles
                    }
                    None => &mut r.roles,
                };
                let before = list.len();
                list.retain(|x| x.name != name);
                if list.len() == before {
                    return Err(ModelError::NotFound("Role").into());
                }
                r.forget_role(client.as_deref(), &name);
                Ok(())
            })?;
            println!("role {name} deleted");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn load(at: &InRealm) -> anyhow::Result<std::sync::Arc<Realm>> {
    let provider = open_provider(&at.data.data_dir)?;
    provider
        .directory()
        .realm(&at.realm)
        .ok_or_else(|| anyhow::anyhow!("realm {:?} not found", at.realm))
}

fn edit(
    at: &InRealm,
    change: impl FnOnce(&mut Realm) -> Result<(), DirectoryError>,
) -> anyhow::Result<()> {
    let provider = open_provider(&at.data.data_dir)?;
    provider
        .directory()
        .update_realm(&at.realm, change)
        .map_err(|e| missing_realm(e, &at.realm))
}
