//! The bootstrap policy of kube-apiserver, as data.
//!
//! At start-up kube-apiserver creates (and, for objects annotated
//! `rbac.authorization.kubernetes.io/autoupdate: "true"`, reconciles) the default RBAC objects,
//! all labelled `kubernetes.io/bootstrapping: rbac-defaults`: ClusterRoles such as
//! `cluster-admin`, `admin`/`edit`/`view` and their `system:aggregate-to-*` parts,
//! `system:basic-user`, `system:discovery`, `system:public-info-viewer`, `system:node-proxier` and
//! the `system:controller:*` roles; the ClusterRoleBindings that grant them (`cluster-admin` to
//! the group `system:masters`, …); and a few Roles and RoleBindings in `kube-system` and
//! `kube-public`.
//!
//! The objects are kept as `kubectl get -o yaml` Lists next to this file
//! (`cluster-roles.yaml`, `cluster-role-bindings.yaml`, `namespace-roles.yaml`,
//! `namespace-role-bindings.yaml`), derived from what a real kube-apiserver v1.36 printed and
//! compared with that output by the tests. The aggregated ClusterRoles (`admin`, `edit`, `view`)
//! are stored as Kubernetes creates them: with their `aggregationRule` and no rules; their rules
//! are computed by [`crate::aggregation::aggregate_rules`], as kube-controller-manager's
//! aggregation controller does.
//!
//! The data is embedded with `include_str!` and parsed once, on first use.

use std::sync::LazyLock;

use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// The YAML of the bootstrap ClusterRoles.
const CLUSTER_ROLES_YAML: &str = include_str!("cluster-roles.yaml");
/// The YAML of the bootstrap ClusterRoleBindings.
const CLUSTER_ROLE_BINDINGS_YAML: &str = include_str!("cluster-role-bindings.yaml");
/// The YAML of the bootstrap Roles (kube-system, kube-public).
const NAMESPACE_ROLES_YAML: &str = include_str!("namespace-roles.yaml");
/// The YAML of the bootstrap RoleBindings (kube-system, kube-public).
const NAMESPACE_ROLE_BINDINGS_YAML: &str = include_str!("namespace-role-bindings.yaml");

/// A `kind: List` document; only its `items` matter.
#[derive(Deserialize)]
struct List<T> {
    /// The objects of the list.
    items: Vec<T>,
}

/// The parsed bootstrap policy.
#[derive(Debug, Clone)]
struct Bootstrap {
    /// The ClusterRoles.
    cluster_roles: Vec<ClusterRole>,
    /// The ClusterRoleBindings.
    cluster_role_bindings: Vec<ClusterRoleBinding>,
    /// The namespaced Roles.
    roles: Vec<Role>,
    /// The namespaced RoleBindings.
    role_bindings: Vec<RoleBinding>,
}

/// Parses one embedded List; `file` names it in the error.
fn parse_list<T: DeserializeOwned>(file: &str, yaml: &str) -> Result<Vec<T>, String> {
    serde_saphyr::from_str::<List<T>>(yaml)
        .map(|list| list.items)
        .map_err(|e| format!("bootstrap/{file}: {e}"))
}

/// Parses all embedded files.
fn parse() -> Result<Bootstrap, String> {
    Ok(Bootstrap {
        cluster_roles: parse_list("cluster-roles.yaml", CLUSTER_ROLES_YAML)?,
        cluster_role_bindings: parse_list(
            "cluster-role-bindings.yaml",
            CLUSTER_ROLE_BINDINGS_YAML,
        )?,
        roles: parse_list("namespace-roles.yaml", NAMESPACE_ROLES_YAML)?,
        role_bindings: parse_list("namespace-role-bindings.yaml", NAMESPACE_ROLE_BINDINGS_YAML)?,
    })
}

/// The bootstrap policy, parsed on first use.
///
/// The `expect` cannot fire in a built binary: the data is compiled in, and the unit test
/// `tests::embedded_data_parses` parses exactly this data, so a file that does not parse fails
/// the test suite before it can ship.
static BOOTSTRAP: LazyLock<Bootstrap> =
    LazyLock::new(|| parse().expect("embedded bootstrap policy parses (checked by its unit test)"));

/// The ClusterRoles kube-apiserver creates at start-up, sorted by name.
///
/// Aggregated ClusterRoles (`admin`, `edit`, `view`) carry their `aggregationRule` and no rules,
/// as Kubernetes creates them; [`crate::aggregation::aggregate_rules`] gives their rules.
pub fn cluster_roles() -> Vec<ClusterRole> {
    BOOTSTRAP.cluster_roles.clone()
}

/// The ClusterRoleBindings kube-apiserver creates at start-up, sorted by name.
pub fn cluster_role_bindings() -> Vec<ClusterRoleBinding> {
    BOOTSTRAP.cluster_role_bindings.clone()
}

/// The Roles kube-apiserver creates at start-up, in `kube-system` and `kube-public`.
pub fn roles() -> Vec<Role> {
    BOOTSTRAP.roles.clone()
}

/// The RoleBindings kube-apiserver creates at start-up, in `kube-system` and `kube-public`.
pub fn role_bindings() -> Vec<RoleBinding> {
    BOOTSTRAP.role_bindings.clone()
}

/// The bootstrap policy as domain types: every Role and ClusterRole, then every binding.
///
/// Aggregated ClusterRoles keep their selectors; a [`crate::Policy`] computes their rules when
/// they are upserted.
pub fn policy() -> (Vec<crate::Role>, Vec<crate::Binding>) {
    let converted = || -> Result<_, crate::from_k8s::FromK8sError> {
        let mut roles = Vec::new();
        for role in &BOOTSTRAP.cluster_roles {
            roles.push(crate::from_k8s::cluster_role(role)?);
        }
        for role in &BOOTSTRAP.roles {
            roles.push(crate::from_k8s::role(role)?);
        }
        let mut bindings = Vec::new();
        for binding in &BOOTSTRAP.cluster_role_bindings {
            bindings.push(crate::from_k8s::cluster_role_binding(binding)?);
        }
        for binding in &BOOTSTRAP.role_bindings {
            bindings.push(crate::from_k8s::role_binding(binding)?);
        }
        Ok((roles, bindings))
    };
    converted().expect("embedded bootstrap policy converts (checked by its unit test)")
}

#[cfg(test)]
mod tests;
