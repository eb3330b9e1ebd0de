//! What changed between two policies, per subject: the permissions gained and lost. A permission
//! is one verb on one group/resource (or URL), optionally one name, in one scope (a namespace, or
//! the cluster), as `kubectl auth can-i --list` breaks rules down.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use kubeward_rbac::{Binding, Policy, PolicyRule, RoleRefKind, Subject};

use crate::rules_table::{breakdown, combine_resource_group};
use crate::subject::{display, effective};

/// One permission.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Permission {
    /// The namespace, or `*` for every namespace (a ClusterRoleBinding).
    pub scope: String,
    /// One verb.
    pub verb: String,
    /// `resource.group[/sub]` or a URL.
    pub target: String,
    /// One resource name, empty for all.
    pub name: String,
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.verb, self.target)?;
        if !self.name.is_empty() {
            write!(f, " {:?}", self.name)?;
        }
        if self.scope == "*" {
            write!(f, " (cluster-wide)")
        } else {
            write!(f, " in namespace {}", self.scope)
        }
    }
}

/// The changes of one subject.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SubjectChange {
    /// The subject, as `Kind/name` or `ServiceAccount/namespace/name`.
    pub subject: String,
    /// Permissions only the new policy grants.
    pub gained: Vec<Permission>,
    /// Permissions only the old policy grants.
    pub lost: Vec<Permission>,
}

/// The atomic rules `binding` grants (one verb on one resource or path; a RoleBinding grants no
/// path), each with its permission; nothing when its role is missing.
pub fn granted(policy: &Policy, binding: &Binding) -> Vec<(PolicyRule, Permission)> {
    let role_namespace = match binding.role_ref.kind {
        RoleRefKind::ClusterRole => None,
        RoleRefKind::Role => binding.namespace.as_deref(),
    };
    let Some(rules) = policy.effective_rules(role_namespace, &binding.role_ref.name) else {
        return Vec::new();
    };
    let scope = binding.namespace.clone().unwrap_or_else(|| "*".to_string());
    rules
        .iter()
        .flat_map(breakdown)
        .filter(|r| binding.namespace.is_none() || r.non_resource_urls.is_empty())
        .map(|r| {
            let permission = Permission {
                scope: scope.clone(),
                verb: r.verbs.join(","),
                target: if r.non_resource_urls.is_empty() {
                    combine_resource_group(&r.resources, &r.api_groups)
                } else {
                    r.non_resource_urls.join(",")
                },
                name: r.resource_names.join(","),
            };
            (r, permission)
        })
        .collect()
}

/// Every subject's permissions, from the bindings naming it directly.
pub fn permissions(policy: &Policy) -> BTreeMap<Subject, BTreeSet<Permission>> {
    let mut all: BTreeMap<Subject, BTreeSet<Permission>> = BTreeMap::new();
    for binding in policy.bindings() {
        let granted: Vec<Permission> = granted(policy, binding)
            .into_iter()
            .map(|(_, p)| p)
            .collect();
        for subject in &binding.subjects {
            all.entry(effective(subject, binding))
                .or_default()
                .extend(granted.iter().cloned());
        }
    }
    all
}

/// The subjects whose permissions differ between `old` and `new`, by subject.
pub fn diff(old: &Policy, new: &Policy) -> Vec<SubjectChange> {
    let before = permissions(old);
    let after = permissions(new);
    let empty = BTreeSet::new();
    let subjects: BTreeSet<&Subject> = before.keys().chain(after.keys()).collect();
    subjects
        .into_iter()
        .filter_map(|subject| {
            let b = before.get(subject).unwrap_or(&empty);
            let a = after.get(subject).unwrap_or(&empty);
            let gained: Vec<Permission> = a.difference(b).cloned().collect();
            let lost: Vec<Permission> = b.difference(a).cloned().collect();
            (!gained.is_empty() || !lost.is_empty()).then(|| SubjectChange {
                subject: display(subject),
                gained,
                lost,
            })
        })
        .collect()
}

/// Renders the changes: a subject line, then `+ ` gained and `- ` lost permissions.
pub fn render(changes: &[SubjectChange]) -> String {
    if changes.is_empty() {
        return "No changes in permissions.\n".to_string();
    }
    let mut out = String::new();
    for change in changes {
        let _ = writeln!(out, "{}", change.subject);
        for p in &change.gained {
            let _ = writeln!(out, "  + {p}");
        }
        for p in &change.lost {
            let _ = writeln!(out, "  - {p}");
        }
    }
    out
}

#[cfg(test)]
mod tests;
