//! `kubeward rbac`: RBAC questions answered offline from Kubernetes manifests, with the
//! bootstrap policy of kube-apiserver included, worded as kubectl words them.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use kubeward_analysis::sources::{self, LoadedPolicy};
use kubeward_analysis::{rules_table, who_can};
use kubeward_core::Attributes;
use kubeward_core::discovery;
use kubeward_core::user::impersonated_user;
use kubeward_rbac::Decision;

/// Verbs kubectl knows for resources; others draw a warning, as in `kubectl auth can-i`.
const RESOURCE_VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "use",
    "bind",
    "impersonate",
    "*",
    "approve",
    "sign",
    "escalate",
    "attest",
];
/// Verbs kubectl knows for non-resource URLs.
const NON_RESOURCE_VERBS: &[&str] = &[
    "get", "put", "post", "head", "options", "delete", "patch", "*",
];
/// Resources the server supports that discovery does not list (targets of `impersonate`).
const NON_STANDARD_RESOURCES: &[&str] = &["users", "groups"];

#[derive(Debug, Args)]
pub(crate) struct RbacArgs {
    #[command(subcommand)]
    command: RbacCommand,
}

#[derive(Debug, Subcommand)]
enum RbacCommand {
    /// Check whether an action is allowed, like `kubectl auth can-i`: prints yes or no and exits
    /// 0 or 1.
    #[command(name = "can-i")]
    CanI(CanIArgs),
    /// List the subjects allowed to perform an action, with the binding and role that grant it.
    #[command(name = "who-can")]
    WhoCan(WhoCanArgs),
}

/// Where the policy comes from.
#[derive(Debug, Args)]
struct PolicySource {
    /// Manifest files or directories (YAML or JSON; multi-document files and Lists). Objects that
    /// are not RBAC objects are skipped.
    #[arg(long = "from", value_name = "PATH", required = true, num_args = 1..)]
    from: Vec<PathBuf>,
    /// Leave out the bootstrap policy that kube-apiserver creates (cluster-admin,
    /// system:basic-user, …).
    #[arg(long)]
    no_bootstrap: bool,
}

#[derive(Debug, Args)]
struct CanIArgs {
    /// VERB, then TYPE[.GROUP][/NAME] or a /NON/RESOURCE/URL, optionally followed by NAME.
    #[arg(value_name = "VERB TYPE|URL [NAME]")]
    args: Vec<String>,
    /// The user to ask for (as kubectl's --as; a ServiceAccount is
    /// system:serviceaccount:NAMESPACE:NAME).
    #[arg(long = "as", value_name = "USER")]
    user: String,
    /// A group of the user (repeatable), as kubectl's --as-group.
    #[arg(long = "as-group", value_name = "GROUP")]
    groups: Vec<String>,
    #[command(flatten)]
    scope: RequestScope,
    /// Print every allowed action, as `kubectl auth can-i --list`.
    #[arg(long)]
    list: bool,
    /// With --list, print no header line.
    #[arg(long)]
    no_headers: bool,
    /// Print nothing; only the exit code answers.
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    source: PolicySource,
}

/// Where the asked-about request goes: kubectl's namespace flags and `--subresource`.
#[derive(Debug, Args)]
struct RequestScope {
    /// The namespace of the request.
    #[arg(short = 'n', long, default_value = "default")]
    namespace: String,
    /// Ask about all namespaces (a request without a namespace).
    #[arg(short = 'A', long)]
    all_namespaces: bool,
    /// A subresource such as log or scale.
    #[arg(long)]
    subresource: Option<String>,
}

#[derive(Debug, Args)]
struct WhoCanArgs {
    /// The verb, e.g. get, list, create, or * .
    verb: String,
    /// TYPE[.GROUP][/NAME] or a /NON/RESOURCE/URL.
    target: String,
    /// The object's name.
    name: Option<String>,
    #[command(flatten)]
    scope: RequestScope,
    #[command(flatten)]
    source: PolicySource,
}

pub(crate) fn run(args: RbacArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        RbacCommand::CanI(args) => can_i(args),
        RbacCommand::WhoCan(args) => who_can(args),
    }
}

/// A request target as kubectl resolves it.
enum Target {
    Resource {
        group: String,
        resource: String,
        name: String,
        namespaced: bool,
    },
    NonResource(String),
}

fn can_i(args: CanIArgs) -> anyhow::Result<ExitCode> {
    validate_can_i(&args)?;
    let policy = load(&args.source)?;
    let user = impersonated_user(&args.user, args.groups.clone());
    let namespace = if args.scope.all_namespaces {
        String::new()
    } else {
        args.scope.namespace.clone()
    };

    if args.list {
        let review = policy.policy.rules_for(&user, &namespace);
        for error in &review.errors {
            eprintln!("Warning: {error}");
        }
        print!("{}", rules_table::render(&review.rules, !args.no_headers));
        return Ok(ExitCode::SUCCESS);
    }

    let verb = &args.args[0];
    let target = resolve_target(&args.args[1], args.args.get(2), verb)?;
    warn_if_cluster_scoped(&target, &namespace);
    let attributes = attributes_for(
        user,
        verb,
        &target,
        &namespace,
        args.scope.subresource.as_deref(),
    );
    let allowed = match policy.policy.authorize(&attributes) {
        Decision::Allow { .. } => true,
        Decision::NoOpinion { reason } => {
            if !args.quiet {
                if reason.is_empty() {
                    println!("no");
                } else {
                    println!("no - {reason}");
                }
            }
            false
        }
    };
    if allowed && !args.quiet {
        println!("yes");
    }
    Ok(if allowed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// kubectl's argument checks for `auth can-i`, with its messages.
fn validate_can_i(args: &CanIArgs) -> anyhow::Result<()> {
    if args.list {
        if !args.args.is_empty() {
            bail!("list option must be specified with no arguments");
        }
        if args.quiet || args.scope.all_namespaces || args.scope.subresource.is_some() {
            bail!(
                "list option can't be specified with neither quiet, all-namespaces nor subresource options"
            );
        }
        return Ok(());
    }
    if args.no_headers {
        bail!("--no-headers cannot be set without --list specified");
    }
    if !(2..=3).contains(&args.args.len()) {
        bail!(
            "you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'kubeward rbac can-i -h' for help and examples."
        );
    }
    if args.args[1].starts_with('/') {
        if args.scope.subresource.is_some() {
            bail!("--subresource can not be used with NonResourceURL");
        }
        if args.args.len() == 3 {
            bail!("NonResourceURL and ResourceName can not specified together");
        }
    }
    Ok(())
}

fn who_can(args: WhoCanArgs) -> anyhow::Result<ExitCode> {
    if args.target.starts_with('/') && (args.scope.subresource.is_some() || args.name.is_some()) {
        bail!("a non-resource URL takes neither a name nor --subresource");
    }
    let policy = load(&args.source)?;
    let target = resolve_target(&args.target, args.name.as_ref(), &args.verb)?;
    let cluster_scoped = matches!(
        target,
        Target::Resource {
            namespaced: false,
            ..
        }
    );
    let namespace = if args.scope.all_namespaces || cluster_scoped {
        String::new()
    } else {
        args.scope.namespace.clone()
    };
    let attributes = attributes_for(
        Default::default(),
        &args.verb,
        &target,
        &namespace,
        args.scope.subresource.as_deref(),
    );
    let grants = policy.policy.who_can(&attributes);
    if grants.is_empty() {
        eprintln!("No subjects found.");
    } else {
        print!("{}", who_can::render(&grants));
    }
    Ok(ExitCode::SUCCESS)
}

/// Loads the policy and prints the loader's warnings (bindings to missing roles, …).
fn load(source: &PolicySource) -> anyhow::Result<LoadedPolicy> {
    let manifests = sources::load_paths(&source.from).context("cannot load the policy")?;
    let loaded = sources::build_policy(manifests, !source.no_bootstrap);
    for warning in &loaded.warnings {
        eprintln!("Warning: {warning}");
    }
    Ok(loaded)
}

/// Resolves TYPE[.GROUP][/NAME] (or a URL) as kubectl's `auth can-i` does, printing kubectl's
/// warnings for unknown resources and verbs.
fn resolve_target(argument: &str, name: Option<&String>, verb: &str) -> anyhow::Result<Target> {
    if argument.starts_with('/') {
        if !NON_RESOURCE_VERBS.contains(&verb) {
            eprintln!("Warning: verb '{verb}' is not a known verb");
        }
        return Ok(Target::NonResource(argument.to_string()));
    }
    let (type_argument, inline_name) = match argument.split_once('/') {
        Some((kind, name)) => (kind, name.to_string()),
        None => (argument, String::new()),
    };
    if name.is_some() && !inline_name.is_empty() {
        bail!("give the name either as TYPE/NAME or as a separate argument, not both");
    }
    let name = name.cloned().unwrap_or(inline_name);
    if !RESOURCE_VERBS.contains(&verb) {
        eprintln!("Warning: verb '{verb}' is not a known verb");
    }
    if type_argument == "*" {
        return Ok(Target::Resource {
            group: String::new(),
            resource: "*".to_string(),
            name,
            namespaced: true,
        });
    }
    if let Some(found) = discovery::builtin().resolve(type_argument) {
        return Ok(Target::Resource {
            group: found.group.clone(),
            resource: found.resource.clone(),
            name,
            namespaced: found.namespaced,
        });
    }
    let lowered = type_argument.to_lowercase();
    let (resource, group) = lowered.split_once('.').unwrap_or((&lowered, ""));
    if !NON_STANDARD_RESOURCES.contains(&lowered.as_str()) {
        if group.is_empty() {
            eprintln!("Warning: the server doesn't have a resource type '{resource}'");
        } else {
            eprintln!(
                "Warning: the server doesn't have a resource type '{resource}' in group '{group}'"
            );
        }
    }
    // kubectl then asks about the argument as written, in the core group.
    Ok(Target::Resource {
        group: String::new(),
        resource: type_argument.to_string(),
        name,
        namespaced: true,
    })
}

/// kubectl's warning when a cluster-scoped resource is asked about in a namespace.
fn warn_if_cluster_scoped(target: &Target, namespace: &str) {
    if let Target::Resource {
        group,
        resource,
        namespaced: false,
        ..
    } = target
        && !namespace.is_empty()
    {
        if group.is_empty() {
            eprintln!("Warning: resource '{resource}' is not namespace scoped");
        } else {
            eprintln!("Warning: resource '{resource}' is not namespace scoped in group '{group}'");
        }
    }
}

/// The authorizer question for `target`; like kubectl, the namespace is sent as given even for
/// cluster-scoped resources.
fn attributes_for(
    user: kubeward_core::UserInfo,
    verb: &str,
    target: &Target,
    namespace: &str,
    subresource: Option<&str>,
) -> Attributes {
    match target {
        Target::NonResource(path) => Attributes::non_resource(user, verb, path),
        Target::Resource {
            group,
            resource,
            name,
            ..
        } => Attributes::resource(user, verb, group, resource, namespace)
            .with_subresource(subresource.unwrap_or_default())
            .with_name(name),
    }
}
