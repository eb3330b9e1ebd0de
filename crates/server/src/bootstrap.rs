//! What kube-apiserver and its controllers put in place at start: the system namespaces, a
//! `default` ServiceAccount in every namespace, and the bootstrap RBAC policy (created when
//! missing; objects an administrator changed are left alone, as with
//! `rbac.authorization.kubernetes.io/autoupdate: "false"`).

use kubeward_store::StoreError;
use serde::Serialize;
use serde_json::{Value, json};

use crate::meta;
use crate::registry::{self, ResourceDef};
use crate::rest::{key, now, scope};
use crate::side_effects::ensure_default_service_account;
use crate::state::State;

/// The namespaces every cluster has.
pub const SYSTEM_NAMESPACES: [&str; 4] =
    ["default", "kube-system", "kube-public", "kube-node-lease"];

/// Creates whatever of the bootstrap objects is missing.
pub fn reconcile(state: &State) -> Result<(), StoreError> {
    let namespaces = def("", "namespaces");
    for name in SYSTEM_NAMESPACES {
        let object = json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        });
        create_missing(state, namespaces, object)?;
    }
    for namespace in state.store.list(&scope(namespaces, ""))?.items {
        ensure_default_service_account(state, meta::name(&namespace));
    }
    let rbac = kubeward_rbac::bootstrap::cluster_roles();
    create_all(state, def(registry::RBAC_GROUP, "clusterroles"), &rbac)?;
    let rbac = kubeward_rbac::bootstrap::cluster_role_bindings();
    create_all(
        state,
        def(registry::RBAC_GROUP, "clusterrolebindings"),
        &rbac,
    )?;
    let rbac = kubeward_rbac::bootstrap::roles();
    create_all(state, def(registry::RBAC_GROUP, "roles"), &rbac)?;
    let rbac = kubeward_rbac::bootstrap::role_bindings();
    create_all(state, def(registry::RBAC_GROUP, "rolebindings"), &rbac)?;
    Ok(())
}

fn def(group: &str, resource: &str) -> &'static ResourceDef {
    registry::RESOURCES
        .iter()
        .find(|d| d.group == group && d.resource == resource && d.version == "v1")
        .expect("bootstrap resources are in the registry")
}

fn create_all<T: Serialize>(
    state: &State,
    def: &ResourceDef,
    objects: &[T],
) -> Result<(), StoreError> {
    for object in objects {
        let Ok(mut value) = serde_json::to_value(object) else {
            continue;
        };
        value["apiVersion"] = json!(def.api_version());
        value["kind"] = json!(def.kind);
        create_missing(state, def, value)?;
    }
    Ok(())
}

fn create_missing(state: &State, def: &ResourceDef, mut object: Value) -> Result<(), StoreError> {
    let name = meta::name(&object).to_string();
    let namespace = meta::namespace(&object).to_string();
    let key = key(def, &namespace, &name);
    if state.store.get(&key)?.is_some() {
        return Ok(());
    }
    meta::prepare_create(
        &mut object,
        def.namespaced.then_some(namespace.as_str()),
        now(),
    );
    match state.store.create(&key, object) {
        Ok(_) | Err(StoreError::AlreadyExists) => Ok(()),
        Err(error) => Err(error),
    }
}
