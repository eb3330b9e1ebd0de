//! The finalizer of CustomResourceDefinitions (apiextensions-apiserver's
//! `customresourcecleanup` controller): a definition marked for deletion has every object of its
//! resource deleted, in every namespace, then its `customresourcecleanup.apiextensions.k8s.io`
//! finalizer removed; it goes once no finalizer is left.

use kubeward_store::{ListScope, ObjectKey, StoreError, StoreExt as _, WatchEvent};
use serde_json::Value;

use super::controller::{Controller, is};
use crate::registry::kinds::apiextensions::{CLEANUP_FINALIZER, GROUP, crds};
use crate::registry::{generic, objects};
use crate::state::State;

/// The cleanup controller.
pub struct CrdCleanup;

impl Controller for CrdCleanup {
    fn name(&self) -> &'static str {
        "customresourcecleanup"
    }

    fn watches(&self, key: &ObjectKey) -> bool {
        is(key, GROUP, "customresourcedefinitions")
    }

    fn handle(&self, state: &State, event: &WatchEvent) {
        let holds_ours = objects::strings(event.object.pointer("/metadata/finalizers"))
            .iter()
            .any(|f| f == CLEANUP_FINALIZER);
        if event.kind == kubeward_store::EventType::Deleted
            || !objects::is_terminating(&event.object)
            || !holds_ours
        {
            return;
        }
        if let Err(error) = clean_up(state, &event.object) {
            tracing::warn!(%error, crd = objects::name(&event.object), "custom resources not deleted");
        }
    }
}

/// Deletes the objects of the definition, then its finalizer.
fn clean_up(state: &State, crd: &Value) -> Result<(), StoreError> {
    let text = |pointer: &str| crd.pointer(pointer).and_then(Value::as_str).unwrap_or("");
    let (group, resource) = (text("/spec/group"), text("/spec/names/plural"));
    let scope = ListScope {
        group: group.to_string(),
        resource: resource.to_string(),
        namespace: None,
    };
    for object in state.store.list_all(&scope)?.items {
        let namespace = objects::namespace(&object);
        let key = ObjectKey {
            group: group.to_string(),
            resource: resource.to_string(),
            namespace: (!namespace.is_empty()).then(|| namespace.to_string()),
            name: objects::name(&object).to_string(),
        };
        match state.store.delete(&key, None) {
            Ok(_) | Err(StoreError::NotFound) => {}
            Err(error) => return Err(error),
        }
    }
    let key = crds().key("", objects::name(crd));
    generic::remove_finalizer(state, &key, "/metadata/finalizers", CLEANUP_FINALIZER)
}
