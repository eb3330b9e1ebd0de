//! The garbage collector (kube-controller-manager's `garbagecollector`), driven by
//! `ownerReferences`: when every owner of an object is gone, the object is deleted (background
//! propagation); an owner deleted with `propagationPolicy: Foreground` keeps its
//! `foregroundDeletion` finalizer until its dependents are deleted, one deleted with `Orphan`
//! keeps its `orphan` finalizer until its dependents no longer refer to it. It keeps an index of
//! the owners and dependents it has seen, built from the store's events.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};

use kubeward_store::{EventType, ObjectKey, StoreError, WatchEvent};
use serde_json::Value;

use super::controller::Controller;
use crate::registry::generic::{self, DeleteOptions};
use crate::registry::kinds::Kind;
use crate::registry::{custom, objects};
use crate::state::State;

/// What the collector knows of the store.
#[derive(Default)]
struct Graph {
    /// The key of every object seen, by uid.
    live: HashMap<String, ObjectKey>,
    /// The dependents of each owner uid.
    dependents: HashMap<String, BTreeSet<ObjectKey>>,
    /// The owner uids of each dependent.
    owners: HashMap<ObjectKey, Vec<String>>,
}

impl Graph {
    fn observe(&mut self, key: &ObjectKey, object: &Value) {
        self.forget(key, object);
        self.live
            .insert(objects::uid(object).to_string(), key.clone());
        let owners = owner_uids(object);
        for owner in &owners {
            self.dependents
                .entry(owner.clone())
                .or_default()
                .insert(key.clone());
        }
        if !owners.is_empty() {
            self.owners.insert(key.clone(), owners);
        }
    }

    fn forget(&mut self, key: &ObjectKey, object: &Value) {
        self.live.remove(objects::uid(object));
        for owner in self.owners.remove(key).unwrap_or_default() {
            if let Some(set) = self.dependents.get_mut(&owner) {
                set.remove(key);
                if set.is_empty() {
                    self.dependents.remove(&owner);
                }
            }
        }
    }
}

/// The garbage collector.
#[derive(Default)]
pub struct GarbageCollector {
    graph: Mutex<Graph>,
}

impl GarbageCollector {
    fn graph(&self) -> MutexGuard<'_, Graph> {
        self.graph.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn owner_uids(object: &Value) -> Vec<String> {
    object
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("uid").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

fn holds(object: &Value, finalizer: &str) -> bool {
    objects::strings(object.pointer("/metadata/finalizers"))
        .iter()
        .any(|f| f == finalizer)
}

/// The kind stored under `key` (built-in or custom, any version).
fn kind_of(key: &ObjectKey) -> Option<&'static Kind> {
    custom::every_kind().find(|k| k.group == key.group && k.resource == key.resource)
}

impl Controller for GarbageCollector {
    fn name(&self) -> &'static str {
        "garbagecollector"
    }

    fn watches(&self, _key: &ObjectKey) -> bool {
        true
    }

    fn reset(&self, _state: &State) {
        *self.graph() = Graph::default();
    }

    fn handle(&self, state: &State, event: &WatchEvent) {
        let uid = objects::uid(&event.object).to_string();
        if event.kind == EventType::Deleted {
            let dependents = {
                let mut graph = self.graph();
                graph.forget(&event.key, &event.object);
                graph.dependents.get(&uid).cloned().unwrap_or_default()
            };
            for dependent in dependents {
                self.collect(state, &dependent, &uid);
            }
            return;
        }
        self.graph().observe(&event.key, &event.object);
        if !objects::is_terminating(&event.object) {
            return;
        }
        let dependents = self
            .graph()
            .dependents
            .get(&uid)
            .cloned()
            .unwrap_or_default();
        if holds(&event.object, "foregroundDeletion") {
            for dependent in &dependents {
                delete(state, dependent);
            }
            finish(state, &event.key, "foregroundDeletion");
        } else if holds(&event.object, "orphan") {
            for dependent in &dependents {
                let Some(kind) = kind_of(dependent) else {
                    continue;
                };
                let _ = super::writer::modify(state, kind, dependent, "", |mut current| {
                    if let Some(references) = current
                        .pointer_mut("/metadata/ownerReferences")
                        .and_then(Value::as_array_mut)
                    {
                        references.retain(|r| r.get("uid").and_then(Value::as_str) != Some(&uid));
                    }
                    Ok::<_, StoreError>(current)
                });
            }
            finish(state, &event.key, "orphan");
        }
    }
}

impl GarbageCollector {
    /// Deletes `dependent` when none of its owners but `gone` is left either.
    fn collect(&self, state: &State, dependent: &ObjectKey, gone: &str) {
        let remaining = {
            let graph = self.graph();
            graph
                .owners
                .get(dependent)
                .into_iter()
                .flatten()
                .any(|owner| owner != gone && graph.live.contains_key(owner))
        };
        if !remaining {
            delete(state, dependent);
        }
    }
}

fn delete(state: &State, key: &ObjectKey) {
    let Some(kind) = kind_of(key) else {
        return;
    };
    let namespace = key.namespace.as_deref().unwrap_or("");
    if let Err(status) = generic::delete(
        state,
        kind,
        namespace,
        &key.name,
        &DeleteOptions::default(),
        false,
    ) && status.code != 404
    {
        tracing::warn!(message = %status.message, name = key.name, "dependent not deleted");
    }
}

/// Removes the collector's `finalizer` from the object at `key`; it goes if no finalizer is left.
fn finish(state: &State, key: &ObjectKey, finalizer: &str) {
    // A failure leaves the finalizer in place.
    let _ = generic::remove_finalizer(state, key, "/metadata/finalizers", finalizer);
}

#[cfg(test)]
mod tests;
