//! The namespace controller: a namespace marked for deletion (Terminating) is emptied — every
//! namespaced object of every stored kind deleted, those held by finalizers marked for deletion
//! and waited for — then its `kubernetes` finalizer removed; it goes once no finalizer is left,
//! as kube-controller-manager's namespace controller and kube-apiserver's finalization do it.

use kubeward_store::{EventType, ObjectKey, StoreError, StoreExt as _, WatchEvent};
use serde_json::{Value, json};

use super::controller::{Controller, is};
use crate::registry::kinds::core::KUBERNETES_FINALIZER;
use crate::registry::{custom, generic, kinds, objects};
use crate::state::State;

/// The namespace lifecycle controller.
pub struct NamespaceLifecycle;

impl Controller for NamespaceLifecycle {
    fn name(&self) -> &'static str {
        "namespace"
    }

    fn watches(&self, key: &ObjectKey) -> bool {
        // Namespaces, and the namespaced objects whose going may let one finish.
        is(key, "", "namespaces") || key.namespace.as_deref().is_some_and(|n| !n.is_empty())
    }

    fn handle(&self, state: &State, event: &WatchEvent) {
        if !is(&event.key, "", "namespaces") {
            // An object held by finalizers in a terminating namespace is gone at last: the
            // namespace may be done.
            if event.kind == EventType::Deleted && objects::is_terminating(&event.object) {
                let namespace = objects::namespace(&event.object);
                let key = kinds::core::namespaces().key("", namespace);
                if let Ok(Some(found)) = state.store.get(&key) {
                    finalize_if_ours(state, &found);
                }
            }
            return;
        }
        if event.kind != EventType::Deleted {
            finalize_if_ours(state, &event.object);
        }
    }
}

/// Empties `namespace` if it is terminating and still holds the controller's finalizer.
fn finalize_if_ours(state: &State, namespace: &Value) {
    let holds_ours = objects::strings(namespace.pointer("/spec/finalizers"))
        .iter()
        .any(|f| f == KUBERNETES_FINALIZER);
    if !objects::is_terminating(namespace) || !holds_ours {
        return;
    }
    let name = objects::name(namespace);
    if let Err(error) = finalize(state, name) {
        tracing::warn!(%error, namespace = name, "namespace not finalized");
    }
}

/// Deletes the contents of `namespace` (an object with finalizers is marked for deletion and
/// stays until they are removed), then — once nothing is left — the namespace.
fn finalize(state: &State, namespace: &str) -> Result<(), StoreError> {
    let custom = custom::one_per_resource();
    let mut held = 0;
    for kind in kinds::stored().chain(custom).filter(|kind| kind.namespaced) {
        let listing = state.store.list_all(&kind.scope(namespace))?;
        for object in &listing.items {
            let key = kind.key(namespace, objects::name(object));
            if has_finalizers(object) {
                held += 1;
                if !objects::is_terminating(object) {
                    mark_for_deletion(state, &key)?;
                }
                continue;
            }
            match state.store.delete(&key, None) {
                Ok(_) | Err(StoreError::NotFound) => {}
                Err(error) => return Err(error),
            }
        }
    }
    if held > 0 {
        // Terminating until the objects' own controllers remove their finalizers.
        return Ok(());
    }
    // The namespace controller's finalizer is done: remove it; the namespace goes once no
    // finalizer is left.
    let key = kinds::core::namespaces().key("", namespace);
    generic::remove_finalizer(state, &key, "/spec/finalizers", KUBERNETES_FINALIZER)
}

fn has_finalizers(object: &Value) -> bool {
    object
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|finalizers| !finalizers.is_empty())
}

/// Sets `deletionTimestamp` on the object at `key`, as a delete of an object with finalizers
/// does.
fn mark_for_deletion(state: &State, key: &ObjectKey) -> Result<(), StoreError> {
    let marked = state.store.modify(key, |mut current| {
        let metadata = objects::metadata_mut(&mut current);
        if !metadata.contains_key("deletionTimestamp") {
            metadata.insert(
                "deletionTimestamp".into(),
                json!(objects::timestamp(crate::clock::now())),
            );
            metadata.insert("deletionGracePeriodSeconds".into(), json!(0));
        }
        Ok::<_, StoreError>(current)
    });
    match marked {
        Ok(_) | Err(StoreError::NotFound) => Ok(()),
        Err(error) => Err(error),
    }
}
