//! The ResourceQuota controller (kube-controller-manager's `resourcequota`): each quota's
//! `status.hard` is its `spec.hard`, and `status.used` what the objects of its namespace that it
//! tracks (all of them, or the pods in its scopes) use of it — counted again when the quota changes, when any object of the namespace is added,
//! changed or deleted, and at every tick (kube resyncs every five minutes), which also gives
//! back what the admission charged for a create that then failed.

use kubeward_store::{ObjectKey, StoreExt as _, WatchEvent};
use serde_json::{Value, json};

use super::controller::Controller;
use super::workloads::write_status;
use crate::registry::kinds;
use crate::registry::objects;
use crate::registry::quota;
use crate::registry::quota::scopes;
use crate::registry::quota_admission::{measure, quotas_in};
use crate::state::State;

/// The ResourceQuota controller.
pub struct ResourceQuotas;

impl Controller for ResourceQuotas {
    fn name(&self) -> &'static str {
        "resourcequota"
    }

    fn watches(&self, key: &ObjectKey) -> bool {
        key.namespace.is_some()
    }

    fn handle(&self, state: &State, event: &WatchEvent) {
        if let Some(namespace) = event.key.namespace.as_deref() {
            sync_namespace(state, namespace);
        }
    }

    fn tick(&self, state: &State) {
        let quotas = kinds::core::extended::resource_quotas();
        let Ok(listing) = state.store.list_all(&quotas.scope("")) else {
            return;
        };
        let mut namespaces: Vec<&str> = listing.items.iter().map(objects::namespace).collect();
        namespaces.dedup();
        for namespace in namespaces {
            sync_namespace(state, namespace);
        }
    }
}

/// Counts again the usage of every quota of `namespace`.
fn sync_namespace(state: &State, namespace: &str) {
    for found in quotas_in(state, namespace) {
        let scopes = scopes::requirements(&found);
        let hard = found
            .pointer("/spec/hard")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let used = quota::to_map(&measure(state, namespace, &hard, &scopes));
        let kind = kinds::core::extended::resource_quotas();
        write_status(state, kind, &found, json!({"hard": hard, "used": used}));
    }
}
