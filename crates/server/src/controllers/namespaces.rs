//! The namespace controller: a namespace marked for deletion (Terminating) is emptied — every
//! namespaced object of every stored kind deleted — then its `kubernetes` finalizer removed; it
//! goes once no finalizer is left, as kube-controller-manager's namespace controller and
//! kube-apiserver's finalization do it.

use kubeward_store::{ObjectKey, StoreError, StoreExt as _, WatchEvent};

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
        is(key, "", "namespaces")
    }

    fn handle(&self, state: &State, event: &WatchEvent) {
        let holds_ours = objects::strings(event.object.pointer("/spec/finalizers"))
            .iter()
            .any(|f| f == KUBERNETES_FINALIZER);
        if event.kind == kubeward_store::EventType::Deleted
            || !objects::is_terminating(&event.object)
            || !holds_ours
        {
            return;
        }
        let namespace = objects::name(&event.object);
        if let Err(error) = finalize(state, namespace) {
            tracing::warn!(%error, namespace, "namespace not finalized");
        }
    }
}

/// Deletes the contents of `namespace`, then the namespace.
fn finalize(state: &State, namespace: &str) -> Result<(), StoreError> {
    let custom = custom::one_per_resource();
    for kind in kinds::stored().chain(custom).filter(|kind| kind.namespaced) {
        let listing = state.store.list_all(&kind.scope(namespace))?;
        for object in &listing.items {
            match state
                .store
                .delete(&kind.key(namespace, objects::name(object)), None)
            {
                Ok(_) | Err(StoreError::NotFound) => {}
                Err(error) => return Err(error),
            }
        }
    }
    // The namespace controller's finalizer is done: remove it; the namespace goes once no
    // finalizer is left.
    let key = kinds::core::namespaces().key("", namespace);
    generic::remove_finalizer(state, &key, "/spec/finalizers", KUBERNETES_FINALIZER)
}
