//! The subject index: for one scope (all ClusterRoleBindings, or the RoleBindings of one
//! namespace), the bindings naming each user and each group, sorted by binding name.
//!
//! ServiceAccount subjects are keyed by their user name (`system:serviceaccount:<ns>:<name>`),
//! which is exactly what Kubernetes compares them with, so a request looks up its user name once
//! and each of its groups once, whatever the number of bindings in the cluster.
//!
//! The maps hash with foldhash (randomly seeded per process) rather than std's SipHash: a
//! decision hashes its user name and each group, and SipHash was a third of a decision's time
//! (docs/performance.md). The keys come from bindings, which only those allowed to write RBAC
//! objects create; a request's own names are only looked up.

use std::sync::Arc;

use foldhash::HashMap;

use kubeward_core::user::SERVICE_ACCOUNT_USER_PREFIX;

use crate::model::{Binding, Subject};

/// A role slot's number in [`super::Policy`]'s role table.
pub(super) type RoleId = u32;

/// One binding as the index holds it: the binding and the slot of the role it references.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) binding: Arc<Binding>,
    pub(super) role: RoleId,
}

impl Entry {
    pub(super) fn name(&self) -> &str {
        &self.binding.name
    }
}

/// Whose bindings: a user name (User and ServiceAccount subjects) or a group name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Key {
    User(String),
    Group(String),
}

/// The keys under which `binding` is indexed, without duplicates. A ServiceAccount subject
/// without a namespace takes the binding's (Kubernetes' `appliesTo`); in a ClusterRoleBinding it
/// applies to nobody and is not indexed.
pub(super) fn subject_keys(binding: &Binding) -> Vec<Key> {
    let mut keys: Vec<Key> = binding
        .subjects
        .iter()
        .filter_map(|subject| match subject {
            Subject::User(name) => Some(Key::User(name.clone())),
            Subject::Group(name) => Some(Key::Group(name.clone())),
            Subject::ServiceAccount { namespace, name } => {
                let namespace = effective_sa_namespace(namespace, binding.namespace.as_deref())?;
                Some(Key::User(format!(
                    "{SERVICE_ACCOUNT_USER_PREFIX}{namespace}:{name}"
                )))
            }
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The namespace a ServiceAccount subject stands for: its own, else the binding's; `None` when
/// both are empty (the subject then applies to nobody).
pub(super) fn effective_sa_namespace<'a>(
    subject_namespace: &'a str,
    binding_namespace: Option<&'a str>,
) -> Option<&'a str> {
    let namespace = if subject_namespace.is_empty() {
        binding_namespace.unwrap_or_default()
    } else {
        subject_namespace
    };
    (!namespace.is_empty()).then_some(namespace)
}

/// The bindings of one scope by subject.
#[derive(Debug, Clone, Default)]
pub(super) struct SubjectIndex {
    pub(super) users: HashMap<Box<str>, Vec<Entry>>,
    pub(super) groups: HashMap<Box<str>, Vec<Entry>>,
}

impl SubjectIndex {
    fn map_mut<'s, 'k>(
        &'s mut self,
        key: &'k Key,
    ) -> (&'s mut HashMap<Box<str>, Vec<Entry>>, &'k str) {
        match key {
            Key::User(name) => (&mut self.users, name),
            Key::Group(name) => (&mut self.groups, name),
        }
    }

    /// Adds `entry` under `key`, keeping the list sorted by binding name (a binding of the same
    /// name is replaced).
    pub(super) fn insert(&mut self, key: &Key, entry: Entry) {
        let (map, name) = self.map_mut(key);
        let list = match map.get_mut(name) {
            Some(list) => list,
            None => map.entry(name.into()).or_default(),
        };
        match list.binary_search_by(|e| e.name().cmp(entry.name())) {
            Ok(i) => list[i] = entry,
            Err(i) => list.insert(i, entry),
        }
    }

    /// Removes the binding named `binding_name` from `key`'s list.
    pub(super) fn remove(&mut self, key: &Key, binding_name: &str) {
        let (map, name) = self.map_mut(key);
        if let Some(list) = map.get_mut(name) {
            if let Ok(i) = list.binary_search_by(|e| e.name().cmp(binding_name)) {
                list.remove(i);
            }
            if list.is_empty() {
                map.remove(name);
            }
        }
    }

    /// Whether no binding is indexed.
    pub(super) fn is_empty(&self) -> bool {
        self.users.is_empty() && self.groups.is_empty()
    }

    /// The lists a user's request consults: its user name's, then each group's.
    pub(super) fn lists_for<'a>(
        &'a self,
        user: &'a str,
        groups: &'a [String],
    ) -> impl Iterator<Item = &'a [Entry]> + 'a {
        std::iter::once(self.users.get(user))
            .chain(groups.iter().map(|g| self.groups.get(g.as_str())))
            .flatten()
            .map(Vec::as_slice)
    }
}
