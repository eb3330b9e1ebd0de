//! What a subject holds today against what it used: every permission its bindings grant
//! (broken down to one verb on one resource, or one path), marked `used` when the log asked
//! exactly that, `wider` when it allows requests of the log but more besides (a wildcard, every
//! name, every namespace), `unused` when no request of the log needed it; and the requests of
//! the log the policy does not allow (`missing`). The defaults every user holds (the bootstrap
//! policy's bindings) are left out.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use kubeward_core::UserInfo;
use kubeward_rbac::{Binding, Policy, PolicyRule, RoleRefKind, Subject, bootstrap, rule_allows};

use super::requests::UsedRequest;
use crate::diff::{Permission, granted};
use crate::subject::effective;
use crate::tabwriter::TabWriter;

/// How a held permission compares with the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Usage {
    /// A request of the log was not allowed.
    Missing,
    /// No request of the log needed it.
    Unused,
    /// It allows requests of the log, and more.
    Wider,
    /// It is exactly what requests of the log asked.
    Used,
}

impl Usage {
    fn as_str(self) -> &'static str {
        match self {
            Usage::Missing => "missing",
            Usage::Unused => "unused",
            Usage::Wider => "wider",
            Usage::Used => "used",
        }
    }
}

/// One line of the comparison.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Row {
    /// How the permission compares with the log.
    pub usage: Usage,
    /// The permission (for a missing one, what the request asked).
    #[serde(flatten)]
    pub permission: Permission,
    /// The binding and role that grant it (empty for a missing request).
    pub granted_by: String,
    /// The requests of the log it allows.
    pub used_for: Vec<String>,
}

fn is_default(binding: &Binding, defaults: &BTreeSet<(Option<String>, String)>) -> bool {
    defaults.contains(&(binding.namespace.clone(), binding.name.clone()))
}

fn names_user(binding: &Binding, user: &UserInfo) -> bool {
    binding
        .subjects
        .iter()
        .any(|s| match effective(s, binding) {
            Subject::User(name) => name == user.name,
            Subject::Group(group) => user.groups.contains(&group),
            Subject::ServiceAccount { namespace, name } => {
                user.service_account() == Some((namespace.as_str(), name.as_str()))
            }
        })
}

fn granted_by(binding: &Binding) -> String {
    let role = match binding.role_ref.kind {
        RoleRefKind::Role => "Role",
        RoleRefKind::ClusterRole => "ClusterRole",
    };
    match &binding.namespace {
        Some(ns) => format!(
            "RoleBinding {ns}/{} → {role} {}",
            binding.name, binding.role_ref.name
        ),
        None => format!(
            "ClusterRoleBinding {} → {role} {}",
            binding.name, binding.role_ref.name
        ),
    }
}

/// Whether an atomic held rule is exactly what `request` asked (same verb, group, resource and
/// name, and a Role in the request's namespace).
fn exact(rule: &PolicyRule, scope: Option<&str>, request: &UsedRequest) -> bool {
    let one = |items: &[String], value: &str| items.len() == 1 && items[0] == value;
    let names_match = if request.name.is_empty() {
        rule.resource_names.is_empty()
    } else {
        one(&rule.resource_names, &request.name)
    };
    if !request.resource_request {
        return one(&rule.non_resource_urls, &request.path) && one(&rule.verbs, &request.verb);
    }
    let scope_match = match scope {
        Some(ns) => ns == request.namespace,
        None => request.namespace.is_empty(),
    };
    scope_match
        && one(&rule.verbs, &request.verb)
        && one(&rule.api_groups, &request.api_group)
        && one(&rule.resources, &request.rule_resource())
        && names_match
}

/// Compares what `user` holds in `held` with the `requests` of the log.
pub fn compare(held: &Policy, user: &UserInfo, requests: &[&UsedRequest]) -> Vec<Row> {
    let defaults: BTreeSet<(Option<String>, String)> = bootstrap::policy()
        .1
        .into_iter()
        .map(|b| (b.namespace, b.name))
        .collect();
    let mut rows = Vec::new();
    for request in requests {
        if !held.allows(&request.attributes(user.clone())) {
            rows.push(Row {
                usage: Usage::Missing,
                permission: Permission {
                    scope: if request.namespace.is_empty() {
                        "*".into()
                    } else {
                        request.namespace.clone()
                    },
                    verb: request.verb.clone(),
                    target: request.target(),
                    name: request.name.clone(),
                },
                granted_by: String::new(),
                used_for: vec![request.to_string()],
            });
        }
    }
    for binding in held.bindings() {
        if is_default(binding, &defaults) || !names_user(binding, user) {
            continue;
        }
        let scope = binding.namespace.as_deref();
        for (rule, permission) in granted(held, binding) {
            let covered: Vec<&&UsedRequest> = requests
                .iter()
                .filter(|r| scope.is_none_or(|ns| r.resource_request && r.namespace == ns))
                .filter(|r| rule_allows(&r.attributes(user.clone()), &rule))
                .collect();
            let usage = if covered.is_empty() {
                Usage::Unused
            } else if covered.iter().all(|r| exact(&rule, scope, r)) {
                Usage::Used
            } else {
                Usage::Wider
            };
            rows.push(Row {
                usage,
                permission,
                granted_by: granted_by(binding),
                used_for: covered.iter().map(|r| r.to_string()).collect(),
            });
        }
    }
    let key = |row: &Row| {
        let p = &row.permission;
        (
            row.usage,
            p.scope.clone(),
            p.target.clone(),
            p.verb.clone(),
            p.name.clone(),
        )
    };
    rows.sort_by_key(key);
    rows
}

/// The comparison as a table (kubectl's column layout), or a sentence when there is nothing.
pub fn render(rows: &[Row]) -> String {
    if rows.is_empty() {
        return "The subject holds nothing beyond the defaults, and the log asked nothing more.\n"
            .to_string();
    }
    let mut text = String::from("USAGE\tSCOPE\tVERB\tRESOURCE\tNAME\tGRANTED BY\tUSED FOR\n");
    for row in rows {
        let _ = writeln!(
            text,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            row.usage.as_str(),
            row.permission.scope,
            row.permission.verb,
            row.permission.target,
            row.permission.name,
            row.granted_by,
            row.used_for.join("; ")
        );
    }
    TabWriter::KUBECTL.render(&text)
}
