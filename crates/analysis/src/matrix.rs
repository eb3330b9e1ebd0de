//! access-matrix: which verbs a user may use on every resource (resources × verbs), or which
//! subjects may use each verb on one resource (subjects × verbs).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use kubeward_core::discovery::{ApiResource, ResourceCatalog};
use kubeward_core::{Attributes, UserInfo};
use kubeward_rbac::{Policy, Subject};

use crate::paint::{Colour, Paint};
use crate::subject::{kind_of, name_of, namespace_of};
use crate::tabwriter::TabWriter;

/// access-matrix's default verbs.
pub const DEFAULT_VERBS: [&str; 4] = ["list", "create", "update", "delete"];

/// One cell of a matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Cell {
    /// Allowed (✔).
    Allowed,
    /// Not allowed (✖).
    Denied,
    /// The resource does not support the verb (`n/a`).
    NotApplicable,
}

/// A matrix: a row per resource (or subject), a cell per verb.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Matrix {
    /// The column verbs.
    pub verbs: Vec<String>,
    /// The rows.
    pub rows: Vec<MatrixRow>,
}

/// One row of a matrix.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MatrixRow {
    /// `resource[.group]`, or a subject's name.
    pub name: String,
    /// For a subject row: its kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// For a ServiceAccount row: its namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// A cell per verb.
    pub cells: Vec<Cell>,
}

/// The resources a matrix lists: the namespaced ones for a namespace, all of them otherwise;
/// sorted by `resource.group`.
pub fn resources<'a>(catalog: &'a ResourceCatalog, namespace: &str) -> Vec<&'a ApiResource> {
    let mut list: Vec<&ApiResource> = catalog
        .iter()
        .filter(|r| namespace.is_empty() || r.namespaced)
        .collect();
    list.sort_by_key(|r| r.group_resource());
    list.dedup_by_key(|r| r.group_resource());
    list
}

/// resources × verbs for `user` in `namespace` (empty: cluster-wide).
pub fn for_user(
    policy: &Policy,
    user: &UserInfo,
    namespace: &str,
    verbs: &[String],
    resources: &[&ApiResource],
) -> Matrix {
    let rows = resources
        .iter()
        .map(|resource| MatrixRow {
            name: resource.group_resource(),
            kind: None,
            namespace: None,
            cells: verbs
                .iter()
                .map(|verb| {
                    if !resource.verbs.iter().any(|v| v == verb) {
                        return Cell::NotApplicable;
                    }
                    let attributes = Attributes::resource(
                        user.clone(),
                        verb,
                        &resource.group,
                        &resource.resource,
                        namespace,
                    );
                    if policy.authorize(&attributes).is_allowed() {
                        Cell::Allowed
                    } else {
                        Cell::Denied
                    }
                })
                .collect(),
        })
        .collect();
    Matrix {
        verbs: verbs.to_vec(),
        rows,
    }
}

/// subjects × verbs on `group`/`resource` in `namespace` (empty: cluster-wide): every subject that
/// some binding allows one of the verbs, sorted by kind, namespace and name.
pub fn for_resource(
    policy: &Policy,
    group: &str,
    resource: &str,
    namespace: &str,
    verbs: &[String],
) -> Matrix {
    let mut subjects: BTreeMap<Subject, Vec<Cell>> = BTreeMap::new();
    for (column, verb) in verbs.iter().enumerate() {
        let attributes =
            Attributes::resource(UserInfo::default(), verb, group, resource, namespace);
        for grant in policy.who_can(&attributes) {
            let cells = subjects
                .entry(grant.subject)
                .or_insert_with(|| vec![Cell::Denied; verbs.len()]);
            cells[column] = Cell::Allowed;
        }
    }
    let rows = subjects
        .into_iter()
        .map(|(subject, cells)| MatrixRow {
            name: name_of(&subject).to_string(),
            kind: Some(kind_of(&subject).to_string()),
            namespace: Some(namespace_of(&subject).to_string()),
            cells,
        })
        .collect();
    Matrix {
        verbs: verbs.to_vec(),
        rows,
    }
}

/// Renders the matrix as an aligned table: NAME (then KIND and SA-NAMESPACE for subjects) and a
/// column per verb with ✔, ✖ or n/a.
pub fn render(matrix: &Matrix, paint: Paint) -> String {
    let subjects = matrix.rows.iter().any(|r| r.kind.is_some());
    let mut text = String::from("NAME");
    if subjects {
        text.push_str("\tKIND\tSA-NAMESPACE");
    }
    for verb in &matrix.verbs {
        text.push('\t');
        text.push_str(&verb.to_uppercase());
    }
    text.push('\n');
    let mut lines = Vec::new();
    for row in &matrix.rows {
        let mut line = row.name.clone();
        if subjects {
            let _ = write!(
                line,
                "\t{}\t{}",
                row.kind.as_deref().unwrap_or_default(),
                row.namespace.as_deref().unwrap_or_default()
            );
        }
        for cell in &row.cells {
            line.push('\t');
            line.push_str(match cell {
                Cell::Allowed => "✔",
                Cell::Denied => "✖",
                Cell::NotApplicable => "n/a",
            });
        }
        lines.push(line);
    }
    text.push_str(&lines.join("\n"));
    text.push('\n');
    let aligned = TabWriter::KUBECTL.render(&text);
    if !paint.enabled {
        return aligned;
    }
    aligned
        .replace('✔', &paint.apply(Colour::Green, "✔"))
        .replace('✖', &paint.apply(Colour::Red, "✖"))
}

#[cfg(test)]
mod tests;
