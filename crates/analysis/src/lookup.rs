//! `rbac-tool lookup`: the bindings whose subjects' names match a regular expression, as
//! SUBJECT | SUBJECT TYPE | SCOPE | NAMESPACE | ROLE | BINDING rows.

use kubeward_rbac::{Policy, RoleRefKind};
use regex::Regex;

use crate::subject::{kind_of, name_of};

/// One row of the lookup table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Row {
    /// The subject's name.
    pub subject: String,
    /// User, Group or ServiceAccount.
    pub subject_type: String,
    /// `ClusterRole` or `Role`: what the binding grants.
    pub scope: String,
    /// The binding's namespace; empty for a ClusterRoleBinding.
    pub namespace: String,
    /// The role's name.
    pub role: String,
    /// The binding's name.
    pub binding: String,
}

/// The rows for subjects whose name matches `pattern` (or does not, with `inverse`), sorted by
/// subject then namespace as rbac-tool sorts them. Bindings whose role is missing are left out,
/// as rbac-tool leaves them out.
pub fn lookup(policy: &Policy, pattern: &Regex, inverse: bool) -> Vec<Row> {
    let mut rows = Vec::new();
    for binding in policy.bindings() {
        let role_namespace = match binding.role_ref.kind {
            RoleRefKind::ClusterRole => None,
            RoleRefKind::Role => binding.namespace.as_deref(),
        };
        if policy
            .role(role_namespace, &binding.role_ref.name)
            .is_none()
        {
            continue;
        }
        for subject in &binding.subjects {
            if pattern.is_match(name_of(subject)) == inverse {
                continue;
            }
            rows.push(Row {
                subject: name_of(subject).to_string(),
                subject_type: kind_of(subject).to_string(),
                scope: match binding.role_ref.kind {
                    RoleRefKind::ClusterRole => "ClusterRole",
                    RoleRefKind::Role => "Role",
                }
                .to_string(),
                namespace: binding.namespace.clone().unwrap_or_default(),
                role: binding.role_ref.name.clone(),
                binding: binding.name.clone(),
            });
        }
    }
    rows.sort_by(|a, b| (&a.subject, &a.namespace).cmp(&(&b.subject, &b.namespace)));
    rows
}

/// rbac-tool's regular expression for a lookup argument: the exact name, anchored.
pub fn exact(name: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("^{name}$"))
}

/// Renders rows as rbac-tool's table.
pub fn render(rows: &[Row]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.subject.clone(),
                r.subject_type.clone(),
                r.scope.clone(),
                r.namespace.clone(),
                r.role.clone(),
                r.binding.clone(),
            ]
        })
        .collect();
    crate::boxless::render(
        &[
            "SUBJECT",
            "SUBJECT TYPE",
            "SCOPE",
            "NAMESPACE",
            "ROLE",
            "BINDING",
        ],
        &cells,
    )
}

#[cfg(test)]
mod tests;
