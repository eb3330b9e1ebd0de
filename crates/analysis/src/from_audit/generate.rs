//! The roles that allow exactly a set of questions: per namespace a Role, and a ClusterRole for
//! cluster-scoped questions, questions across namespaces and non-resource paths; each with a
//! binding to the subject. Rules are merged only where the merge grants nothing more: verbs of
//! one resource with the same names, then resources of one group with the same verbs and names.
//! API groups are never merged (a rule's groups × resources would grant pairs never asked for),
//! and no wildcard is ever written.

use std::collections::{BTreeMap, BTreeSet};

use kubeward_rbac::{Binding, PolicyRule, Role, RoleRef, RoleRefKind, Subject};

use super::requests::UsedRequest;
use crate::summary::VERBS;

/// The roles and bindings to write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Generated {
    /// The ClusterRole (if any question needs one) first, then Roles by namespace.
    pub roles: Vec<Role>,
    /// One binding per role, in the same order.
    pub bindings: Vec<Binding>,
}

/// Which objects a rule allows: every object, or these names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Names {
    All,
    Some(BTreeSet<String>),
}

/// The order verbs are written in: kubectl's and rolesum's, then the others alphabetically.
fn verb_rank(verb: &str) -> (usize, &str) {
    (
        VERBS.iter().position(|v| *v == verb).unwrap_or(VERBS.len()),
        verb,
    )
}

fn sorted_verbs(verbs: BTreeSet<String>) -> Vec<String> {
    let mut verbs: Vec<String> = verbs.into_iter().collect();
    verbs.sort_by(|a, b| verb_rank(a).cmp(&verb_rank(b)));
    verbs
}

/// The rules that allow exactly `requests` (all in one scope).
pub fn rules(requests: &[&UsedRequest]) -> Vec<PolicyRule> {
    // (group, resource) → verb → names.
    let mut by_verb: BTreeMap<(String, String), BTreeMap<String, Names>> = BTreeMap::new();
    let mut paths: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for request in requests {
        if !request.resource_request {
            paths
                .entry(request.path.clone())
                .or_default()
                .insert(request.verb.clone());
            continue;
        }
        let names = by_verb
            .entry((request.api_group.clone(), request.rule_resource()))
            .or_default()
            .entry(request.verb.clone())
            .or_insert_with(|| Names::Some(BTreeSet::new()));
        match (names, request.name.is_empty()) {
            (names, true) => *names = Names::All,
            (Names::Some(set), false) => {
                set.insert(request.name.clone());
            }
            (Names::All, false) => {}
        }
    }
    // (group, resource, names) → verbs, then (group, verbs, names) → resources.
    let mut by_names: BTreeMap<(String, Names, String), BTreeSet<String>> = BTreeMap::new();
    for ((group, resource), verbs) in by_verb {
        for (verb, names) in verbs {
            by_names
                .entry((group.clone(), names, resource.clone()))
                .or_default()
                .insert(verb);
        }
    }
    let mut by_verbs: BTreeMap<(String, Names, Vec<String>), Vec<String>> = BTreeMap::new();
    for ((group, names, resource), verbs) in by_names {
        by_verbs
            .entry((group, names, sorted_verbs(verbs)))
            .or_default()
            .push(resource);
    }
    let mut rules: Vec<PolicyRule> = by_verbs
        .into_iter()
        .map(|((group, names, verbs), resources)| PolicyRule {
            verbs,
            api_groups: vec![group],
            resources,
            resource_names: match names {
                Names::All => Vec::new(),
                Names::Some(set) => set.into_iter().collect(),
            },
            non_resource_urls: Vec::new(),
        })
        .collect();
    rules.sort_by(|a, b| {
        (&a.api_groups, &a.resources, &a.resource_names).cmp(&(
            &b.api_groups,
            &b.resources,
            &b.resource_names,
        ))
    });
    // Paths with the same verbs share a rule.
    let mut by_path_verbs: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    for (path, verbs) in paths {
        by_path_verbs
            .entry(sorted_verbs(verbs))
            .or_default()
            .push(path);
    }
    rules.extend(by_path_verbs.into_iter().map(|(verbs, urls)| PolicyRule {
        verbs,
        non_resource_urls: urls,
        ..PolicyRule::default()
    }));
    rules
}

/// Roles named `name` allowing exactly `requests`, bound to `subject`.
pub fn generate<'a>(
    requests: impl IntoIterator<Item = &'a UsedRequest>,
    subject: &Subject,
    name: &str,
) -> Generated {
    let mut scopes: BTreeMap<Option<String>, Vec<&UsedRequest>> = BTreeMap::new();
    for request in requests {
        let scope = (request.resource_request && !request.namespace.is_empty())
            .then(|| request.namespace.clone());
        scopes.entry(scope).or_default().push(request);
    }
    let mut generated = Generated::default();
    for (namespace, requests) in scopes {
        let kind = if namespace.is_some() {
            RoleRefKind::Role
        } else {
            RoleRefKind::ClusterRole
        };
        generated.roles.push(Role {
            namespace: namespace.clone(),
            name: name.to_string(),
            rules: rules(&requests),
            ..Role::default()
        });
        generated.bindings.push(Binding {
            namespace,
            name: name.to_string(),
            role_ref: RoleRef {
                kind,
                name: name.to_string(),
            },
            subjects: vec![subject.clone()],
        });
    }
    generated
}
