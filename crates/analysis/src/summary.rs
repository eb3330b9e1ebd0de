//! The summary of a subject's roles, in the layout of `kubectl rolesum`: the subject line, the
//! bindings naming it (`• [CRB] */name ⟶  [CR] */name`) and, per role, a table of resources with
//! the verbs `G L W C U P D DC` marked ✔ or ✖.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use kubeward_rbac::{Binding, Policy, PolicyRule, RoleRefKind, Subject};

use crate::paint::{Colour, Paint};
use crate::subject::binding_names;

/// The eight verbs of the check columns, in column order.
pub const VERBS: [&str; 8] = [
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];

/// A subject's summary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// The subject.
    #[serde(serialize_with = "crate::serde_subject")]
    pub subject: Subject,
    /// Whether namespaced bindings were looked at (a ServiceAccount, or a namespace given).
    pub namespaced_section: bool,
    /// RoleBindings of the namespace naming the subject, by name.
    pub namespaced: Vec<Entry>,
    /// ClusterRoleBindings naming the subject, by name.
    pub cluster: Vec<Entry>,
}

/// One binding and the rows of its role.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    /// `CRB` or `RB`.
    pub binding_type: &'static str,
    /// The binding's namespace, empty for a ClusterRoleBinding.
    pub binding_namespace: String,
    /// The binding's name.
    pub binding_name: String,
    /// `CR` or `R`.
    pub role_type: &'static str,
    /// The role's namespace, empty for a ClusterRole.
    pub role_namespace: String,
    /// The role's name.
    pub role_name: String,
    /// Whether the role exists.
    pub role_found: bool,
    /// The resource rows, sorted by resource.
    pub rows: Vec<Row>,
}

/// One resource of a role, with the verbs its rules grant.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Row {
    /// `name[.group|.[g1,g2]][/subresource]`.
    pub resource: String,
    /// The rule's resourceNames (empty: all).
    pub names: Vec<String>,
    /// The rule's nonResourceURLs (rolesum's "Exclude" column).
    pub exclude: Vec<String>,
    /// Verbs outside the eight columns.
    pub other_verbs: Vec<String>,
    /// Which of [`VERBS`] are granted.
    pub checks: [bool; 8],
}

/// Summarizes `subject`: the ClusterRoleBindings naming it and, when `namespace` is given, the
/// RoleBindings of that namespace naming it.
pub fn summarize(policy: &Policy, subject: &Subject, namespace: Option<&str>) -> Summary {
    let mut namespaced = Vec::new();
    let mut cluster = Vec::new();
    for binding in policy.bindings() {
        if !binding_names(binding, subject) {
            continue;
        }
        match &binding.namespace {
            None => cluster.push(entry(policy, binding)),
            Some(ns) if Some(ns.as_str()) == namespace => namespaced.push(entry(policy, binding)),
            Some(_) => {}
        }
    }
    Summary {
        subject: subject.clone(),
        namespaced_section: namespace.is_some(),
        namespaced,
        cluster,
    }
}

fn entry(policy: &Policy, binding: &Binding) -> Entry {
    let (role_type, role_namespace) = match binding.role_ref.kind {
        RoleRefKind::ClusterRole => ("CR", None),
        RoleRefKind::Role => ("R", binding.namespace.clone()),
    };
    let rules = policy.effective_rules(role_namespace.as_deref(), &binding.role_ref.name);
    Entry {
        binding_type: if binding.namespace.is_some() {
            "RB"
        } else {
            "CRB"
        },
        binding_namespace: binding.namespace.clone().unwrap_or_default(),
        binding_name: binding.name.clone(),
        role_type,
        role_namespace: role_namespace.unwrap_or_default(),
        role_name: binding.role_ref.name.clone(),
        role_found: rules.is_some(),
        rows: rows(rules.unwrap_or_default()),
    }
}

/// rolesum's rows: one per resource string; a later rule for the same resource adds its verbs
/// when it has the same names and URLs, and replaces the row otherwise.
pub fn rows(rules: &[PolicyRule]) -> Vec<Row> {
    let mut by_resource: BTreeMap<String, Row> = BTreeMap::new();
    for rule in rules {
        for resource in &rule.resources {
            let key = resource_string(resource, &rule.api_groups);
            let fresh = || Row {
                resource: key.clone(),
                names: rule.resource_names.clone(),
                exclude: rule.non_resource_urls.clone(),
                other_verbs: Vec::new(),
                checks: [false; 8],
            };
            let row = by_resource.entry(key.clone()).or_insert_with(fresh);
            if row.names != rule.resource_names || row.exclude != rule.non_resource_urls {
                *row = fresh();
            }
            for verb in &rule.verbs {
                if verb == "*" {
                    row.checks = [true; 8];
                } else if let Some(i) = VERBS.iter().position(|v| v == verb) {
                    row.checks[i] = true;
                } else {
                    row.other_verbs.push(verb.clone());
                }
            }
        }
    }
    by_resource.into_values().collect()
}

/// rolesum's resource string: `name`, `name.group`, `name.[g1,g2]`, then `/subresource`.
pub fn resource_string(resource: &str, groups: &[String]) -> String {
    let (name, subresource) = match resource.split_once('/') {
        Some((n, s)) => (n, Some(s)),
        None => (resource, None),
    };
    let mut out = name.to_string();
    match groups {
        [] => {}
        [group] if group.is_empty() => {}
        [group] => {
            out.push('.');
            out.push_str(group);
        }
        many => {
            out.push_str(".[");
            out.push_str(&many.join(","));
            out.push(']');
        }
    }
    if let Some(sub) = subresource {
        out.push('/');
        out.push_str(sub);
    }
    out
}

/// Renders the summary as rolesum prints it; `paint` colours it on a terminal.
pub fn render(summary: &Summary, paint: Paint) -> String {
    let mut out = String::new();
    let kind = crate::subject::kind_of(&summary.subject);
    let name = match &summary.subject {
        Subject::ServiceAccount { namespace, name } => format!("{namespace}/{name}"),
        other => crate::subject::name_of(other).to_string(),
    };
    let _ = writeln!(
        out,
        "{}: {name}",
        paint.apply(Colour::Yellow, &kind.to_string())
    );
    if kind == crate::subject::SubjectKind::ServiceAccount {
        let _ = writeln!(out, "{}", paint.apply(Colour::Cyan, "Secrets:"));
    }
    out.push('\n');
    let _ = writeln!(out, "{}", paint.apply(Colour::Cyan, "Policies:"));
    if summary.namespaced_section {
        render_entries(&summary.namespaced, paint, &mut out);
        out.push('\n');
    }
    render_entries(&summary.cluster, paint, &mut out);
    out
}

fn render_entries(entries: &[Entry], paint: Paint, out: &mut String) {
    for (i, entry) in entries.iter().enumerate() {
        if i != 0 {
            out.push('\n');
        }
        let star = |s: &str| {
            if s.is_empty() {
                "*".to_string()
            } else {
                s.to_string()
            }
        };
        let _ = writeln!(
            out,
            "{} [{}] {}/{} {}  [{}] {}/{}",
            paint.apply(Colour::Magenta, "•"),
            paint.apply(Colour::Cyan, entry.binding_type),
            star(&entry.binding_namespace),
            entry.binding_name,
            paint.apply(Colour::Cyan, "⟶"),
            paint.apply(Colour::Cyan, entry.role_type),
            star(&entry.role_namespace),
            entry.role_name,
        );
        if !entry.role_found {
            let kind = if entry.role_type == "CR" {
                "clusterrole"
            } else {
                "role"
            };
            let _ = writeln!(
                out,
                "  (not found: {kind}.rbac.authorization.k8s.io \"{}\")",
                entry.role_name
            );
        }
        if !entry.rows.is_empty() {
            render_table(&entry.rows, paint, out);
        }
        out.push('\n');
    }
}

/// The table as olekukonko/tablewriter prints it without borders: every cell framed by a space
/// on each side, Resource and the checks left-aligned, the middle columns centred (trailing
/// spaces trimmed).
fn render_table(rows: &[Row], paint: Paint, out: &mut String) {
    let join = |list: &[String], empty: &str| {
        if list.is_empty() {
            empty.to_string()
        } else {
            format!("[{}]", list.join(", "))
        }
    };
    let mut cells: Vec<[String; 5]> = vec![[
        "Resource".into(),
        "Name".into(),
        "Exclude".into(),
        "Verbs".into(),
        "G L W C U P D DC".into(),
    ]];
    for row in rows {
        let checks: Vec<&str> = row
            .checks
            .iter()
            .map(|&c| if c { "✔" } else { "✖" })
            .collect();
        cells.push([
            row.resource.clone(),
            join(&row.names, "[*]"),
            join(&row.exclude, "[-]"),
            join(&row.other_verbs, "[-]"),
            checks.join(" "),
        ]);
    }
    let mut widths = [0usize; 5];
    for line in &cells {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for (index, line) in cells.iter().enumerate() {
        let mut text = String::from(" ");
        for (column, cell) in line.iter().enumerate() {
            let gap = widths[column] - cell.chars().count();
            let (left, right) = match column {
                1..=3 => (gap / 2, gap - gap / 2),
                _ => (0, gap),
            };
            let shown = if index == 0 {
                paint.apply(Colour::Yellow, cell)
            } else if column == 4 {
                cell.split(' ')
                    .map(|c| {
                        let colour = if c == "✔" {
                            Colour::Green
                        } else {
                            Colour::Red
                        };
                        paint.apply(colour, c)
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            } else {
                cell.clone()
            };
            text.push(' ');
            text.push_str(&" ".repeat(left));
            text.push_str(&shown);
            text.push_str(&" ".repeat(right));
            text.push(' ');
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
}

#[cfg(test)]
mod tests;
