//! Keeps the RBAC index (`kubeward_rbac::Policy`) in step with the RBAC objects of the store:
//! loaded whole at start, then updated on every committed write.

use k8s_openapi::api::rbac::v1 as wire;
use kubeward_rbac::from_k8s;
use kubeward_store::{StoreError, StoreExt as _};
use serde_json::Value;

use crate::registry::{RBAC_GROUP, ResourceDef, stored_resources};
use crate::rest::scope;
use crate::state::State;

/// Loads every Role, ClusterRole, RoleBinding and ClusterRoleBinding of the store.
pub fn load(state: &State) -> Result<(), StoreError> {
    for def in stored_resources().filter(|d| d.group == RBAC_GROUP) {
        let listing = state.store.list_all(&scope(def, ""))?;
        for object in &listing.items {
            observe(state, def, object);
        }
    }
    Ok(())
}

/// Records a created or updated RBAC object.
pub fn observe(state: &State, def: &ResourceDef, object: &Value) {
    if def.group != RBAC_GROUP {
        return;
    }
    let converted = match def.resource {
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
pub fn forget(state: &State, def: &ResourceDef, object: &Value) {
    if def.group != RBAC_GROUP {
        return;
    }
    let namespace = crate::meta::namespace(object);
    let namespace = (!namespace.is_empty()).then_some(namespace);
    let name = crate::meta::name(object);
    let mut policy = state.policy_mut();
    match def.resource {
        "roles" | "clusterroles" => {
            policy.remove_role(namespace, name);
        }
        "rolebindings" | "clusterrolebindings" => {
            policy.remove_binding(namespace, name);
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
