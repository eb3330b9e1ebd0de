//! Adding a cluster's entries to a user's kubeconfig, as `kind create cluster` does: the
//! current context of a source kubeconfig (its cluster, user and context) is copied under new
//! names, replacing entries of those names, and everything else in the target is kept as it was.

use kube::config::{Kubeconfig, NamedAuthInfo, NamedCluster, NamedContext};

/// The names the copied entries get in the target.
#[derive(Debug, Clone, Copy)]
pub struct Names<'a> {
    /// The cluster's name.
    pub cluster: &'a str,
    /// The user's name.
    pub user: &'a str,
    /// The context's name.
    pub context: &'a str,
}

/// Why a source cannot be merged.
#[derive(Debug, PartialEq, Eq)]
pub enum MergeError {
    /// The source has no current context, or it names a context, cluster or user it lacks.
    Incomplete(String),
}

impl std::fmt::Display for MergeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MergeError::Incomplete(what) => write!(f, "the kubeconfig to merge {what}"),
        }
    }
}

impl std::error::Error for MergeError {}

/// Copies the current context of `source` into `target` under `names`.
pub fn merge(
    mut target: Kubeconfig,
    source: &Kubeconfig,
    names: Names<'_>,
) -> Result<Kubeconfig, MergeError> {
    let current = source
        .current_context
        .as_deref()
        .ok_or_else(|| MergeError::Incomplete("has no current-context".into()))?;
    let context = source
        .contexts
        .iter()
        .find(|c| c.name == current)
        .and_then(|c| c.context.clone())
        .ok_or_else(|| MergeError::Incomplete(format!("has no context {current:?}")))?;
    let cluster = source
        .clusters
        .iter()
        .find(|c| c.name == context.cluster)
        .and_then(|c| c.cluster.clone())
        .ok_or_else(|| MergeError::Incomplete(format!("has no cluster {:?}", context.cluster)))?;
    let user_name = context.user.clone().unwrap_or_default();
    let user = source
        .auth_infos
        .iter()
        .find(|u| u.name == user_name)
        .and_then(|u| u.auth_info.clone())
        .ok_or_else(|| MergeError::Incomplete(format!("has no user {user_name:?}")))?;
    let mut context = context;
    context.cluster = names.cluster.to_string();
    context.user = Some(names.user.to_string());
    replace(
        &mut target.clusters,
        NamedCluster {
            name: names.cluster.to_string(),
            cluster: Some(cluster),
            other: Default::default(),
        },
        |c| &c.name,
    );
    replace(
        &mut target.auth_infos,
        NamedAuthInfo {
            name: names.user.to_string(),
            auth_info: Some(user),
            other: Default::default(),
        },
        |u| &u.name,
    );
    replace(
        &mut target.contexts,
        NamedContext {
            name: names.context.to_string(),
            context: Some(context),
            other: Default::default(),
        },
        |c| &c.name,
    );
    if target.api_version.is_none() {
        target.api_version = Some("v1".into());
    }
    if target.kind.is_none() {
        target.kind = Some("Config".into());
    }
    Ok(target)
}

/// Puts `entry` in the place of the one of the same name, or at the end.
fn replace<T>(list: &mut Vec<T>, entry: T, name: impl Fn(&T) -> &String) {
    match list.iter().position(|e| name(e) == name(&entry)) {
        Some(i) => list[i] = entry,
        None => list.push(entry),
    }
}

#[cfg(test)]
mod tests;
