//! Reading the RBAC objects of a live cluster through `kube::Client` (so exec credential plugins
//! work as in kubectl): ClusterRoles, Roles, ClusterRoleBindings and RoleBindings of every
//! namespace, listed in pages of 500, into the same [`Manifests`] as files give.

use k8s_openapi::api::rbac::v1 as rbac;
use kube::Api;
use kube::api::ListParams;

use super::manifest::{Manifests, accepted_checks, object_key};

/// Page size of the list calls (kubectl's `--chunk-size` default).
const PAGE: u32 = 500;

/// Why the cluster's RBAC objects could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LiveError {
    /// The API server refused to list a kind.
    #[error(
        "cannot list {resource}.rbac.authorization.k8s.io at the cluster scope: {message}\n\
         the current user needs the \"list\" verb on {resource}.rbac.authorization.k8s.io \
         cluster-wide (for example: kubectl create clusterrole rbac-reader --verb=list \
         --resource=clusterroles,roles,clusterrolebindings,rolebindings)"
    )]
    Forbidden {
        /// The plural resource.
        resource: &'static str,
        /// The server's message.
        message: String,
    },
    /// Any other API error (the server's Status).
    #[error("listing {resource}.rbac.authorization.k8s.io: {message} ({code})")]
    Api {
        /// The plural resource.
        resource: &'static str,
        /// The server's message.
        message: String,
        /// The HTTP code.
        code: u16,
    },
    /// The server could not be reached, or answered something that is not Kubernetes.
    #[error("cannot reach the cluster while listing {resource}: {message}")]
    Unreachable {
        /// The plural resource.
        resource: &'static str,
        /// What went wrong.
        message: String,
    },
    /// An object the server returned is not a valid RBAC object.
    #[error("{0}")]
    Invalid(String),
}

fn error(resource: &'static str, e: kube::Error) -> LiveError {
    match e {
        kube::Error::Api(status) if status.code == 403 => LiveError::Forbidden {
            resource,
            message: status.message.clone(),
        },
        kube::Error::Api(status) => LiveError::Api {
            resource,
            message: status.message.clone(),
            code: status.code,
        },
        other => LiveError::Unreachable {
            resource,
            message: full_message(&other),
        },
    }
}

/// The error with its sources (kube's own text hides the connection's cause).
fn full_message(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

async fn list_all<K>(
    api: Api<K>,
    resource: &'static str,
    progress: &mut (dyn FnMut(&str, usize) + Send),
) -> Result<Vec<K>, LiveError>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let mut items = Vec::new();
    let mut params = ListParams::default().limit(PAGE);
    loop {
        let page = api.list(&params).await.map_err(|e| error(resource, e))?;
        items.extend(page.items);
        progress(resource, items.len());
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => break,
        }
    }
    Ok(items)
}

/// Lists every RBAC object of the cluster; `progress(kind, count)` is called after each page.
pub async fn load(
    client: &kube::Client,
    progress: &mut (dyn FnMut(&str, usize) + Send),
) -> Result<Manifests, LiveError> {
    let mut manifests = Manifests::default();
    let invalid = |kind: &str, name: &Option<String>, e: &dyn std::fmt::Display| {
        LiveError::Invalid(format!(
            "{kind} {:?}: {e}",
            name.clone().unwrap_or_default()
        ))
    };
    for role in list_all(
        Api::<rbac::ClusterRole>::all(client.clone()),
        "clusterroles",
        progress,
    )
    .await?
    {
        let converted = kubeward_rbac::from_k8s::cluster_role(&role)
            .map_err(|e| invalid("ClusterRole", &role.metadata.name, &e))?;
        manifests.roles.push(converted);
        let accepted = accepted_checks(
            role.metadata
                .annotations
                .iter()
                .flatten()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        if !accepted.is_empty() {
            let key = object_key(false, None, role.metadata.name.as_deref().unwrap_or(""));
            manifests.accepted.insert(key, accepted);
        }
    }
    for role in list_all(Api::<rbac::Role>::all(client.clone()), "roles", progress).await? {
        let converted = kubeward_rbac::from_k8s::role(&role)
            .map_err(|e| invalid("Role", &role.metadata.name, &e))?;
        manifests.roles.push(converted);
        let accepted = accepted_checks(
            role.metadata
                .annotations
                .iter()
                .flatten()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        if !accepted.is_empty() {
            let key = object_key(
                false,
                role.metadata.namespace.as_deref(),
                role.metadata.name.as_deref().unwrap_or(""),
            );
            manifests.accepted.insert(key, accepted);
        }
    }
    for binding in list_all(
        Api::<rbac::ClusterRoleBinding>::all(client.clone()),
        "clusterrolebindings",
        progress,
    )
    .await?
    {
        let converted = kubeward_rbac::from_k8s::cluster_role_binding(&binding)
            .map_err(|e| invalid("ClusterRoleBinding", &binding.metadata.name, &e))?;
        manifests.bindings.push(converted);
        let accepted = accepted_checks(
            binding
                .metadata
                .annotations
                .iter()
                .flatten()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        if !accepted.is_empty() {
            let key = object_key(true, None, binding.metadata.name.as_deref().unwrap_or(""));
            manifests.accepted.insert(key, accepted);
        }
    }
    for binding in list_all(
        Api::<rbac::RoleBinding>::all(client.clone()),
        "rolebindings",
        progress,
    )
    .await?
    {
        let converted = kubeward_rbac::from_k8s::role_binding(&binding)
            .map_err(|e| invalid("RoleBinding", &binding.metadata.name, &e))?;
        manifests.bindings.push(converted);
        let accepted = accepted_checks(
            binding
                .metadata
                .annotations
                .iter()
                .flatten()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        if !accepted.is_empty() {
            let key = object_key(
                true,
                binding.metadata.namespace.as_deref(),
                binding.metadata.name.as_deref().unwrap_or(""),
            );
            manifests.accepted.insert(key, accepted);
        }
    }
    let keys: Vec<(String, String)> = manifests
        .roles
        .iter()
        .map(|r| {
            (
                object_key(false, r.namespace.as_deref(), &r.name),
                r.namespace.clone(),
                r.name.clone(),
            )
        })
        .chain(manifests.bindings.iter().map(|b| {
            (
                object_key(true, b.namespace.as_deref(), &b.name),
                b.namespace.clone(),
                b.name.clone(),
            )
        }))
        .map(|(key, ns, name)| match ns {
            Some(ns) => (key, format!("{ns}/{name}")),
            None => (key, name),
        })
        .collect();
    manifests.origins = keys.into_iter().collect();
    Ok(manifests)
}
