//! Where policies come from: Kubernetes manifests on disk ([`files`]), parsed by [`manifest`],
//! or a live cluster ([`live`]), assembled with the bootstrap policy into a [`Policy`] by [`build_policy`].

pub mod files;
pub mod live;
pub mod manifest;

pub use files::load_paths;
pub use manifest::{ACCEPT_ANNOTATION, LoadError, Manifests, accepted_checks, object_key};

use kubeward_rbac::{Binding, Policy, RoleRefKind, bootstrap};

/// A policy assembled from manifests, with what a user should be told about it.
#[derive(Debug)]
pub struct LoadedPolicy {
    /// The policy.
    pub policy: Policy,
    /// Problems that Kubernetes would accept but that make a binding grant nothing, such as a
    /// binding whose role does not exist.
    pub warnings: Vec<String>,
    /// Where each object came from, by [`manifest::object_key`] (bootstrap objects are absent).
    pub origins: std::collections::BTreeMap<String, String>,
    /// The `rbac lint` checks accepted per object, by [`manifest::object_key`].
    pub accepted: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
}

/// Builds a policy from `manifests`, on top of kube-apiserver's bootstrap policy when
/// `with_bootstrap` is set (a manifest object with the same name replaces a bootstrap one, as an
/// apply would).
pub fn build_policy(mut manifests: Manifests, with_bootstrap: bool) -> LoadedPolicy {
    let mut policy = Policy::new();
    let origins = std::mem::take(&mut manifests.origins);
    let accepted = std::mem::take(&mut manifests.accepted);
    if with_bootstrap {
        let (roles, bindings) = bootstrap::policy();
        for role in roles {
            policy.upsert_role(role);
        }
        for binding in bindings {
            policy.upsert_binding(binding);
        }
    }
    for role in manifests.roles {
        policy.upsert_role(role);
    }
    for binding in manifests.bindings {
        policy.upsert_binding(binding);
    }
    let warnings = policy
        .bindings()
        .filter_map(|binding| missing_role_warning(&policy, binding))
        .collect();
    LoadedPolicy {
        policy,
        warnings,
        origins,
        accepted,
    }
}

/// The warning for a binding whose role is missing, worded with Kubernetes' NotFound text.
fn missing_role_warning(policy: &Policy, binding: &Binding) -> Option<String> {
    let (role_namespace, resource) = match binding.role_ref.kind {
        RoleRefKind::Role => (binding.namespace.as_deref(), "role"),
        RoleRefKind::ClusterRole => (None, "clusterrole"),
    };
    if policy
        .role(role_namespace, &binding.role_ref.name)
        .is_some()
    {
        return None;
    }
    let binding_name = match &binding.namespace {
        Some(namespace) => format!("RoleBinding \"{namespace}/{}\"", binding.name),
        None => format!("ClusterRoleBinding \"{}\"", binding.name),
    };
    Some(format!(
        "{binding_name} grants nothing: {resource}.rbac.authorization.k8s.io \"{}\" not found",
        binding.role_ref.name
    ))
}
