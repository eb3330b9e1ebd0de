//! Who may perform an action: the subjects, each with the binding and role that grant it.

use std::fmt::Write as _;

use kubeward_rbac::{Grant, RoleRefKind, Subject};

use crate::tabwriter::TabWriter;

/// Renders grants as a kubectl-style table with the columns KIND, NAME, NAMESPACE, BINDING and
/// ROLE, one line per (subject, binding); the binding is `ClusterRoleBinding/name` or
/// `RoleBinding/namespace/name`, the role `ClusterRole/name` or `Role/name`.
pub fn render(grants: &[Grant]) -> String {
    let mut text = String::from("KIND\tNAME\tNAMESPACE\tBINDING\tROLE\n");
    for GrantRow {
        kind,
        name,
        namespace,
        binding,
        role,
    } in rows(grants)
    {
        // Writing to a String cannot fail.
        let _ = writeln!(text, "{kind}\t{name}\t{namespace}\t{binding}\t{role}");
    }
    TabWriter::KUBECTL.render(&text)
}

/// One (subject, binding) that allows the action.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct GrantRow {
    /// User, Group or ServiceAccount.
    pub kind: String,
    /// The subject's name.
    pub name: String,
    /// A ServiceAccount's namespace.
    pub namespace: String,
    /// `ClusterRoleBinding/name` or `RoleBinding/namespace/name`.
    pub binding: String,
    /// `ClusterRole/name` or `Role/name`.
    pub role: String,
}

/// The grants as sorted, distinct rows.
pub fn rows(grants: &[Grant]) -> Vec<GrantRow> {
    let mut rows: Vec<GrantRow> = grants.iter().map(row).collect();
    rows.sort();
    rows.dedup();
    rows
}

fn row(grant: &Grant) -> GrantRow {
    let (kind, name, namespace) = match &grant.subject {
        Subject::User(name) => ("User", name.clone(), String::new()),
        Subject::Group(name) => ("Group", name.clone(), String::new()),
        Subject::ServiceAccount { namespace, name } => {
            ("ServiceAccount", name.clone(), namespace.clone())
        }
    };
    let binding = match &grant.binding_namespace {
        Some(namespace) => format!("RoleBinding/{namespace}/{}", grant.binding_name),
        None => format!("ClusterRoleBinding/{}", grant.binding_name),
    };
    let role = match grant.role_ref.kind {
        RoleRefKind::Role => format!("Role/{}", grant.role_ref.name),
        RoleRefKind::ClusterRole => format!("ClusterRole/{}", grant.role_ref.name),
    };
    GrantRow {
        kind: kind.to_string(),
        name,
        namespace,
        binding,
        role,
    }
}
