//! Request targets as kubectl resolves them: TYPE[.GROUP][/NAME] through discovery, or a
//! non-resource URL, with kubectl's warnings; and the authorizer question they make.

use anyhow::bail;
use clap::Args;
use kubeward_core::Attributes;
use kubeward_core::discovery;

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

/// Where the asked-about request goes: kubectl's namespace flags and `--subresource`.
#[derive(Debug, Args)]
pub(super) struct RequestScope {
    /// The namespace of the request.
    #[arg(short = 'n', long, default_value = "default")]
    pub namespace: String,
    /// Ask about all namespaces (a request without a namespace).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// A subresource such as log or scale.
    #[arg(long)]
    pub subresource: Option<String>,
}

/// A request target as kubectl resolves it.
pub(super) enum Target {
    Resource {
        group: String,
        resource: String,
        name: String,
        namespaced: bool,
    },
    NonResource(String),
}

/// Resolves TYPE[.GROUP][/NAME] (or a URL) as kubectl's `auth can-i` does, printing kubectl's
/// warnings for unknown resources and verbs.
pub(super) fn resolve_target(
    argument: &str,
    name: Option<&String>,
    verb: &str,
) -> anyhow::Result<Target> {
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
pub(super) fn warn_if_cluster_scoped(target: &Target, namespace: &str) {
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
pub(super) fn attributes_for(
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
