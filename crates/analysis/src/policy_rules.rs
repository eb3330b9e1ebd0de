//! `rbac-tool policy-rules`: the effective rules of the subjects whose names match, one row per
//! (subject, verb, namespace, group, resource, names, URLs) with the roles they come from.

use std::collections::{BTreeMap, BTreeSet};

use kubeward_rbac::{Policy, RoleRefKind, Subject};
use regex::Regex;

use crate::subject::{effective, kind_of, name_of};

/// One permission of a subject.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Row {
    /// User, Group or ServiceAccount.
    #[serde(rename = "type")]
    pub kind: String,
    /// The subject (`namespace/name` for a ServiceAccount).
    pub subject: String,
    /// One verb.
    pub verb: String,
    /// The namespace where it applies, `*` for all.
    pub namespace: String,
    /// One API group.
    pub api_group: String,
    /// One resource.
    pub resource: String,
    /// The resourceNames, joined by commas.
    pub names: String,
    /// The nonResourceURLs, joined by commas.
    pub non_resource_urls: String,
    /// `ClusterRoles>>a,b` and/or `Roles>>ns/r `.
    pub originated_from: String,
}

/// The rows of every subject whose name matches `pattern` (or not, with `inverse`); rbac-tool
/// matches a plain argument case-insensitively anywhere in the name.
pub fn policy_rules(policy: &Policy, pattern: &Regex, inverse: bool) -> Vec<Row> {
    type Key = (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
    );
    let mut origins: BTreeMap<Key, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for binding in policy.bindings() {
        let role_namespace = match binding.role_ref.kind {
            RoleRefKind::ClusterRole => None,
            RoleRefKind::Role => binding.namespace.as_deref(),
        };
        let Some(rules) = policy.effective_rules(role_namespace, &binding.role_ref.name) else {
            continue;
        };
        let namespace = binding.namespace.clone().unwrap_or_else(|| "*".to_string());
        for subject in &binding.subjects {
            if pattern.is_match(name_of(subject)) == inverse {
                continue;
            }
            let subject = effective(subject, binding);
            let shown = match &subject {
                Subject::ServiceAccount { namespace, name } => format!("{namespace}/{name}"),
                other => name_of(other).to_string(),
            };
            for rule in rules {
                let groups: Vec<&str> = if rule.api_groups.is_empty() {
                    vec![""]
                } else {
                    rule.api_groups.iter().map(String::as_str).collect()
                };
                let resources: Vec<&str> = if rule.resources.is_empty() {
                    vec![""]
                } else {
                    rule.resources.iter().map(String::as_str).collect()
                };
                for verb in &rule.verbs {
                    for group in &groups {
                        for resource in &resources {
                            let key = (
                                kind_of(&subject).to_string(),
                                shown.clone(),
                                verb.clone(),
                                namespace.clone(),
                                group.to_string(),
                                resource.to_string(),
                                rule.resource_names.join(","),
                                rule.non_resource_urls.join(","),
                            );
                            let (cluster_roles, roles) = origins.entry(key).or_default();
                            match binding.role_ref.kind {
                                RoleRefKind::ClusterRole => {
                                    cluster_roles.insert(binding.role_ref.name.clone());
                                }
                                RoleRefKind::Role => {
                                    roles.insert(format!("{namespace}/{} ", binding.role_ref.name));
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    origins
        .into_iter()
        .map(|(key, (cluster_roles, roles))| {
            let mut originated_from = String::new();
            if !cluster_roles.is_empty() {
                originated_from.push_str("ClusterRoles>>");
                originated_from.push_str(&cluster_roles.into_iter().collect::<Vec<_>>().join(","));
            }
            if !roles.is_empty() {
                originated_from.push_str("Roles>>");
                originated_from.push_str(&roles.into_iter().collect::<Vec<_>>().join(","));
            }
            Row {
                kind: key.0,
                subject: key.1,
                verb: key.2,
                namespace: key.3,
                api_group: key.4,
                resource: key.5,
                names: key.6,
                non_resource_urls: key.7,
                originated_from,
            }
        })
        .collect()
}

/// rbac-tool's regular expression for a policy-rules argument: case-insensitive, anywhere.
pub fn loose(name: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("(?mi){name}"))
}

/// Renders rows as rbac-tool's table.
pub fn render(rows: &[Row]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.kind.clone(),
                r.subject.clone(),
                r.verb.clone(),
                r.namespace.clone(),
                r.api_group.clone(),
                r.resource.clone(),
                r.names.clone(),
                r.non_resource_urls.clone(),
                r.originated_from.clone(),
            ]
        })
        .collect();
    crate::boxless::render(
        &[
            "TYPE",
            "SUBJECT",
            "VERBS",
            "NAMESPACE",
            "API GROUP",
            "KIND",
            "NAMES",
            "NonResourceURI",
            "ORIGINATED FROM",
        ],
        &cells,
    )
}

#[cfg(test)]
mod tests;
