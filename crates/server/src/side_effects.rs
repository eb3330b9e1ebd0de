//! What follows a committed write, as kube-apiserver's controllers would do it a moment later:
//! the RBAC index, the `default` ServiceAccount of a new namespace, a namespace's contents on its
//! deletion, the signature of an approved CertificateSigningRequest.

use kubeward_store::{ObjectKey, StoreError};
use serde_json::{Value, json};

use crate::registry::{RBAC_GROUP, ResourceDef, stored_resources};
use crate::rest::{key, now, scope};
use crate::state::State;
use crate::{meta, policy_sync};

/// Runs a store write; for RBAC objects the write and the index update happen under one lock,
/// so the index sees writes in revision order.
pub fn write<E>(
    state: &State,
    def: &ResourceDef,
    write: impl FnOnce() -> Result<Value, E>,
) -> Result<Value, E> {
    if def.group != RBAC_GROUP {
        return write();
    }
    let _ordered = state
        .policy_writes
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let stored = write()?;
    policy_sync::observe(state, def, &stored);
    Ok(stored)
}

/// Deletes one object (a namespace with its contents first) and returns it as it was.
pub fn delete(state: &State, def: &ResourceDef, key: &ObjectKey) -> Result<Value, StoreError> {
    if def.group.is_empty() && def.resource == "namespaces" {
        if state.store.get(key)?.is_none() {
            return Err(StoreError::NotFound);
        }
        for content in stored_resources().filter(|d| d.namespaced) {
            let listing = state.store.list(&scope(content, &key.name))?;
            for object in &listing.items {
                let object_key = crate::rest::key(content, &key.name, meta::name(object));
                match delete(state, content, &object_key) {
                    Ok(_) | Err(StoreError::NotFound) => {}
                    Err(error) => return Err(error),
                }
            }
        }
    }
    if def.group != RBAC_GROUP {
        return state.store.delete(key, None);
    }
    let _ordered = state
        .policy_writes
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let deleted = state.store.delete(key, None)?;
    policy_sync::forget(state, def, &deleted);
    Ok(deleted)
}

/// After a create: a new namespace gets its `default` ServiceAccount.
pub fn after_create(state: &State, def: &ResourceDef, stored: &Value) {
    if def.group.is_empty() && def.resource == "namespaces" {
        ensure_default_service_account(state, meta::name(stored));
    }
    if def.group.is_empty() && def.resource == "secrets" {
        crate::token_request::populate_legacy_secret(state, stored);
    }
}

/// After an update: an approved CertificateSigningRequest is signed (or marked failed).
pub fn after_update(state: &State, def: &ResourceDef, stored: &Value) {
    if def.resource == "certificatesigningrequests" {
        crate::csr::sign_if_approved(state, def, stored);
    }
}

/// Creates ServiceAccount `default` in `namespace` unless it exists, as the ServiceAccount
/// controller does.
pub fn ensure_default_service_account(state: &State, namespace: &str) {
    let Some(def) = crate::registry::find("", "v1", "serviceaccounts") else {
        return;
    };
    let key = key(def, namespace, "default");
    if matches!(state.store.get(&key), Ok(Some(_))) {
        return;
    }
    let mut account = json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "default"},
    });
    meta::prepare_create(&mut account, Some(namespace), now());
    match state.store.create(&key, account) {
        Ok(_) | Err(StoreError::AlreadyExists) => {}
        Err(error) => tracing::warn!(%error, namespace, "default ServiceAccount not created"),
    }
}
