//! rbac-view's picture of a policy: subjects → bindings → roles → rules, as one self-contained
//! HTML page (inline script and style, no network) with search and filters, or as Graphviz dot.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use kubeward_rbac::{Policy, RoleRefKind, Subject};

use crate::subject::{display, effective, kind_of, name_of};

/// The page template; `__DATA__` is replaced by the graph as JSON.
const PAGE: &str = include_str!("viz/page.html");

/// A node of the graph.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Node {
    /// Unique id.
    pub id: String,
    /// `subject`, `binding`, `role` or `rule`.
    pub column: &'static str,
    /// For subjects: User, Group, ServiceAccount; for bindings and roles: their kind.
    pub kind: String,
    /// What is shown.
    pub label: String,
    /// The namespace of a namespaced object or ServiceAccount.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
}

/// The graph: nodes, and edges as (from id, to id).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Graph {
    /// Nodes, subjects first, then bindings, roles and rules.
    pub nodes: Vec<Node>,
    /// Edges subject → binding → role → rule.
    pub edges: Vec<(String, String)>,
}

/// Builds the graph of `policy`.
pub fn graph(policy: &Policy) -> Graph {
    let mut subjects: BTreeMap<String, Node> = BTreeMap::new();
    let mut bindings = Vec::new();
    let mut roles: BTreeMap<String, Node> = BTreeMap::new();
    let mut rules = Vec::new();
    let mut edges = Vec::new();
    let role_id = |kind: RoleRefKind, ns: Option<&str>, name: &str| match (kind, ns) {
        (RoleRefKind::ClusterRole, _) | (_, None) => format!("ClusterRole/{name}"),
        (RoleRefKind::Role, Some(ns)) => format!("Role/{ns}/{name}"),
    };
    for role in policy.roles() {
        let kind = if role.namespace.is_some() {
            RoleRefKind::Role
        } else {
            RoleRefKind::ClusterRole
        };
        let id = role_id(kind, role.namespace.as_deref(), &role.name);
        let effective_rules = policy
            .effective_rules(role.namespace.as_deref(), &role.name)
            .unwrap_or_default();
        for (i, rule) in effective_rules.iter().enumerate() {
            let rule_id = format!("{id}#{i}");
            let what = if rule.non_resource_urls.is_empty() {
                let groups: Vec<String> = rule
                    .api_groups
                    .iter()
                    .map(|g| {
                        if g.is_empty() {
                            "core".to_string()
                        } else {
                            g.clone()
                        }
                    })
                    .collect();
                let mut text = format!("{} [{}]", rule.resources.join(","), groups.join(","));
                if !rule.resource_names.is_empty() {
                    let _ = write!(text, " names={}", rule.resource_names.join(","));
                }
                text
            } else {
                rule.non_resource_urls.join(",")
            };
            rules.push(Node {
                id: rule_id.clone(),
                column: "rule",
                kind: "Rule".into(),
                label: format!("{}: {what}", rule.verbs.join(",")),
                namespace: role.namespace.clone().unwrap_or_default(),
            });
            edges.push((id.clone(), rule_id));
        }
        roles.insert(
            id.clone(),
            Node {
                id: id.clone(),
                column: "role",
                kind: if role.namespace.is_some() {
                    "Role"
                } else {
                    "ClusterRole"
                }
                .into(),
                label: id,
                namespace: role.namespace.clone().unwrap_or_default(),
            },
        );
    }
    for binding in policy.bindings() {
        let id = crate::sources::object_key(true, binding.namespace.as_deref(), &binding.name);
        bindings.push(Node {
            id: id.clone(),
            column: "binding",
            kind: if binding.namespace.is_some() {
                "RoleBinding"
            } else {
                "ClusterRoleBinding"
            }
            .into(),
            label: id.clone(),
            namespace: binding.namespace.clone().unwrap_or_default(),
        });
        let target = role_id(
            binding.role_ref.kind,
            binding.namespace.as_deref(),
            &binding.role_ref.name,
        );
        roles.entry(target.clone()).or_insert_with(|| Node {
            id: target.clone(),
            column: "role",
            kind: "Missing".into(),
            label: format!("{target} (missing)"),
            namespace: String::new(),
        });
        edges.push((id.clone(), target));
        for subject in &binding.subjects {
            let subject = effective(subject, binding);
            let sid = display(&subject);
            subjects.entry(sid.clone()).or_insert_with(|| Node {
                id: sid.clone(),
                column: "subject",
                kind: kind_of(&subject).to_string(),
                label: match &subject {
                    Subject::ServiceAccount { namespace, name } => format!("{namespace}/{name}"),
                    other => name_of(other).to_string(),
                },
                namespace: crate::subject::namespace_of(&subject).to_string(),
            });
            edges.push((sid, id.clone()));
        }
    }
    let mut nodes: Vec<Node> = subjects.into_values().collect();
    nodes.extend(bindings);
    nodes.extend(roles.into_values());
    nodes.extend(rules);
    Graph { nodes, edges }
}

/// The self-contained HTML page showing `graph`.
pub fn html(graph: &Graph) -> String {
    // `</` inside a script element would end it; JSON allows `<\/`.
    let json = serde_json::to_string(graph)
        .unwrap_or_else(|_| "{\"nodes\":[],\"edges\":[]}".to_string())
        .replace("</", "<\\/");
    PAGE.replace("__DATA__", &json)
}

/// The graph in Graphviz dot, left to right.
pub fn dot(graph: &Graph) -> String {
    let mut out =
        String::from("digraph rbac {\n  rankdir=LR;\n  node [shape=box, style=filled];\n");
    for node in &graph.nodes {
        let colour = match node.column {
            "subject" => "#e3f2fd",
            "binding" => "#fff3e0",
            "role" => "#e8f5e9",
            _ => "#f3e5f5",
        };
        let _ = writeln!(
            out,
            "  {:?} [label={:?}, fillcolor={colour:?}];",
            node.id, node.label
        );
    }
    for (a, b) in &graph.edges {
        let _ = writeln!(out, "  {a:?} -> {b:?};");
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests;
