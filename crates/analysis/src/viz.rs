//! rbac-view's picture of a policy: subjects → bindings → roles → rules, as one self-contained
//! HTML page (inline script and style, no network) with search and filters, or as Graphviz dot.
//!
//! The objects of kube-apiserver's bootstrap policy (about fifty controller bindings and their
//! roles) bury what an administrator made, so they are marked built-in and hidden unless asked
//! for; a built-in role that one of the administrator's bindings grants stays visible.

use std::collections::{BTreeMap, BTreeSet};
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
    /// Part of the bootstrap policy and reached only through it: hidden unless asked for.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub builtin: bool,
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
                builtin: false,
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
                builtin: false,
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
            builtin: false,
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
            builtin: false,
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
                builtin: false,
            });
            edges.push((sid, id.clone()));
        }
    }
    let mut nodes: Vec<Node> = subjects.into_values().collect();
    nodes.extend(bindings);
    nodes.extend(roles.into_values());
    nodes.extend(rules);
    mark_builtin(&mut nodes, &edges, &bootstrap_ids());
    Graph { nodes, edges }
}

/// The ids (as [`graph`] names roles and bindings) of the objects of the bootstrap policy.
fn bootstrap_ids() -> BTreeSet<String> {
    let (roles, bindings) = kubeward_rbac::bootstrap::policy();
    roles
        .iter()
        .map(|r| crate::sources::object_key(false, r.namespace.as_deref(), &r.name))
        .chain(
            bindings
                .iter()
                .map(|b| crate::sources::object_key(true, b.namespace.as_deref(), &b.name)),
        )
        .collect()
}

/// Marks what only the bootstrap policy reaches: its bindings; its roles that no other binding
/// grants; the rules of those roles; subjects bound by nothing else.
fn mark_builtin(nodes: &mut [Node], edges: &[(String, String)], bootstrap: &BTreeSet<String>) {
    let column: BTreeMap<&str, &str> = nodes.iter().map(|n| (n.id.as_str(), n.column)).collect();
    let shown_bindings: BTreeSet<&str> = nodes
        .iter()
        .filter(|n| n.column == "binding" && !bootstrap.contains(&n.id))
        .map(|n| n.id.as_str())
        .collect();
    let mut shown: BTreeSet<String> = shown_bindings.iter().map(|b| b.to_string()).collect();
    for node in nodes.iter().filter(|n| n.column == "role") {
        if !bootstrap.contains(&node.id) {
            shown.insert(node.id.clone());
        }
    }
    for (from, to) in edges {
        match column.get(from.as_str()) {
            Some(&"subject") if shown_bindings.contains(to.as_str()) => {
                shown.insert(from.clone());
            }
            Some(&"binding") if shown_bindings.contains(from.as_str()) => {
                shown.insert(to.clone());
            }
            _ => {}
        }
    }
    let shown_rules: Vec<String> = edges
        .iter()
        .filter(|(role, rule)| {
            column.get(role.as_str()) == Some(&"role")
                && column.get(rule.as_str()) == Some(&"rule")
                && shown.contains(role)
        })
        .map(|(_, rule)| rule.clone())
        .collect();
    shown.extend(shown_rules);
    for node in nodes {
        node.builtin = !shown.contains(&node.id);
    }
}

/// The page's data: the graph, and whether built-in objects are shown at first.
#[derive(serde::Serialize)]
struct PageData<'a> {
    #[serde(flatten)]
    graph: &'a Graph,
    #[serde(rename = "showBuiltin")]
    show_builtin: bool,
}

/// The self-contained HTML page showing `graph`; built-in objects are shown at first only with
/// `show_builtin` (a checkbox toggles them).
pub fn html(graph: &Graph, show_builtin: bool) -> String {
    // `</` inside a script element would end it; JSON allows `<\/`.
    let json = serde_json::to_string(&PageData {
        graph,
        show_builtin,
    })
    .unwrap_or_else(|_| "{\"nodes\":[],\"edges\":[]}".to_string())
    .replace("</", "<\\/");
    PAGE.replace("__DATA__", &json)
}

/// The graph in Graphviz dot, left to right; built-in objects only with `show_builtin`.
pub fn dot(graph: &Graph, show_builtin: bool) -> String {
    let mut out =
        String::from("digraph rbac {\n  rankdir=LR;\n  node [shape=box, style=filled];\n");
    let hidden: BTreeSet<&str> = graph
        .nodes
        .iter()
        .filter(|n| n.builtin && !show_builtin)
        .map(|n| n.id.as_str())
        .collect();
    for node in graph
        .nodes
        .iter()
        .filter(|n| !hidden.contains(n.id.as_str()))
    {
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
        if hidden.contains(a.as_str()) || hidden.contains(b.as_str()) {
            continue;
        }
        let _ = writeln!(out, "  {a:?} -> {b:?};");
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests;
