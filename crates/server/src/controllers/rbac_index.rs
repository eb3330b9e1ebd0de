//! Keeps the RBAC index (`kubeward_rbac::Policy`) in step with the RBAC objects of the store:
//! every Role, ClusterRole, RoleBinding and ClusterRoleBinding event updates it, in revision
//! order.

use k8s_openapi::api::rbac::v1 as wire;
use kubeward_rbac::{Policy, from_k8s};
use kubeward_store::{EventType, ObjectKey, WatchEvent};
use serde_json::Value;

use super::controller::Controller;
use crate::registry::kinds::rbac::GROUP;
use crate::state::State;

/// The RBAC index controller.
pub struct RbacIndex;

impl Controller for RbacIndex {
    fn name(&self) -> &'static str {
        "rbac-index"
    }

    fn watches(&self, key: &ObjectKey) -> bool {
        key.group == GROUP
    }

    fn reset(&self, state: &State) {
        *state.policy_mut() = Policy::new();
    }

    fn handle(&self, state: &State, event: &WatchEvent) {
        if event.kind == EventType::Deleted {
            forget(state, &event.key);
        } else {
            observe(state, &event.key.resource, &event.object);
        }
    }
}

/// Records a created or updated RBAC object.
fn observe(state: &State, resource: &str, object: &Value) {
    let converted = match resource {
        "roles" => decode::<wire::Role>(object)
            .and_then(|r| from_k8s::role(&r).map_err(|e| e.to_string()))
            .map(Converted::Role),
        "clusterroles" => decode::<wire::ClusterRole>(object)
            .and_then(|r| from_k8s::cluster_role(&r).map_err(|e| e.to_string()))
            .map(Converted::Role),
        "rolebindings" => decode::<wire::RoleBinding>(object)
            .and_then(|b| from_k8s::role_binding(&b).map_err(|e| e.to_string()))
            .map(Converted::Binding),
        "clusterrolebindings" => decode::<wire::ClusterRoleBinding>(object)
            .and_then(|b| from_k8s::cluster_role_binding(&b).map_err(|e| e.to_string()))
            .map(Converted::Binding),
        _ => return,
    };
    match converted {
        Ok(Converted::Role(role)) => state.policy_mut().upsert_role(role),
        Ok(Converted::Binding(binding)) => state.policy_mut().upsert_binding(binding),
        Err(error) => tracing::warn!(%error, "RBAC object left out of the index"),
    }
}

/// Forgets a deleted RBAC object.
fn forget(state: &State, key: &ObjectKey) {
    let namespace = key.namespace.as_deref().filter(|ns| !ns.is_empty());
    let mut policy = state.policy_mut();
    match key.resource.as_str() {
        "roles" | "clusterroles" => {
            policy.remove_role(namespace, &key.name);
        }
        "rolebindings" | "clusterrolebindings" => {
            policy.remove_binding(namespace, &key.name);
        }
        _ => {}
    }
}

enum Converted {
    Role(kubeward_rbac::Role),
    Binding(kubeward_rbac::Binding),
}

fn decode<T: serde::de::DeserializeOwned>(object: &Value) -> Result<T, String> {
    serde_json::from_value(object.clone()).map_err(|e| e.to_string())
}
