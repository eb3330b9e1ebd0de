//! The ServiceAccount controller: every active namespace has a ServiceAccount `default`,
//! created with the namespace and again if it is deleted.

use kubeward_store::{EventType, ObjectKey, StoreError, WatchEvent};
use serde_json::json;

use super::controller::{Controller, is};
use super::writer::{CONTROLLER_MANAGER, record};
use crate::registry::{kinds, objects};
use crate::state::State;

/// The name of the ServiceAccount every namespace has.
const DEFAULT: &str = "default";

/// The default ServiceAccount controller.
pub struct DefaultServiceAccount;

impl Controller for DefaultServiceAccount {
    fn name(&self) -> &'static str {
        "serviceaccount"
    }

    fn watches(&self, key: &ObjectKey) -> bool {
        is(key, "", "namespaces") || (is(key, "", "serviceaccounts") && key.name == DEFAULT)
    }

    fn handle(&self, state: &State, event: &WatchEvent) {
        let namespace = match (event.key.resource.as_str(), event.kind) {
            ("namespaces", EventType::Added | EventType::Modified) => event.key.name.as_str(),
            ("serviceaccounts", EventType::Deleted) => {
                event.key.namespace.as_deref().unwrap_or_default()
            }
            _ => return,
        };
        ensure(state, namespace);
    }
}

/// Creates ServiceAccount `default` in `namespace` unless it exists or the namespace is missing
/// or terminating.
fn ensure(state: &State, namespace: &str) {
    match state
        .store
        .get(&kinds::core::namespaces().key("", namespace))
    {
        Ok(Some(found)) if !objects::is_terminating(&found) => {}
        _ => return,
    }
    let key = kinds::core::service_accounts().key(namespace, DEFAULT);
    if matches!(state.store.get(&key), Ok(Some(_))) {
        return;
    }
    let mut account = json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": DEFAULT},
    });
    objects::prepare_create(&mut account, Some(namespace), crate::clock::now());
    record(
        kinds::core::service_accounts(),
        CONTROLLER_MANAGER,
        "",
        None,
        &mut account,
    );
    match state.store.create(&key, account) {
        Ok(_) | Err(StoreError::AlreadyExists) => {}
        Err(error) => tracing::warn!(%error, namespace, "default ServiceAccount not created"),
    }
}
