//! What follows a committed write, as kube-apiserver's controllers would do it a moment later:
//! the RBAC index, the `default` ServiceAccount of a new namespace, a namespace's contents on its
//! deletion, the signature of an approved CertificateSigningRequest.

use kubeward_store::{ObjectKey, StoreError, StoreExt as _};
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
    let stored = {
        let _ordered = state
            .policy_writes
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let stored = write()?;
        policy_sync::observe(state, def, &stored);
        stored
    };
    if def.resource == "clusterroles" {
        aggregate_cluster_roles(state);
    }
    Ok(stored)
}

/// Why an aggregated ClusterRole was not rewritten.
enum Unchanged {
    /// Its stored rules are already the aggregate.
    Already,
    /// The store refused.
    Store(StoreError),
}

impl From<StoreError> for Unchanged {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

/// The ClusterRole aggregation controller: every ClusterRole with an `aggregationRule` gets the
/// rules of the ClusterRoles its selectors match written into its `rules`, as
/// kube-controller-manager does (the RBAC index already authorizes with them).
pub fn aggregate_cluster_roles(state: &State) {
    let Some(def) = crate::registry::find(RBAC_GROUP, "v1", "clusterroles") else {
        return;
    };
    let targets: Vec<(String, Value)> = {
        let policy = state.policy();
        policy
            .roles()
            .filter(|role| role.namespace.is_none() && role.aggregation_rule.is_some())
            .map(|role| {
                let rules = policy.effective_rules(None, &role.name).unwrap_or_default();
                (role.name.clone(), rules_json(rules))
            })
            .collect()
    };
    for (name, rules) in targets {
        let key = key(def, "", &name);
        let _ordered = state
            .policy_writes
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let written = state.store.modify(&key, |mut current| {
            if current.get("rules") == Some(&rules) {
                return Err(Unchanged::Already);
            }
            current["rules"] = rules.clone();
            Ok(current)
        });
        match written {
            Ok(stored) => policy_sync::observe(state, def, &stored),
            Err(Unchanged::Already | Unchanged::Store(StoreError::NotFound)) => {}
            Err(Unchanged::Store(error)) => {
                tracing::warn!(%error, role = %name, "aggregated ClusterRole not updated");
            }
        }
    }
}

/// Rules as the API writes them (empty lists left out).
pub fn rules_json(rules: &[kubeward_rbac::PolicyRule]) -> Value {
    let rules: Vec<Value> = rules
        .iter()
        .map(|rule| {
            let mut map = serde_json::Map::new();
            for (field, values) in [
                ("verbs", &rule.verbs),
                ("apiGroups", &rule.api_groups),
                ("resources", &rule.resources),
                ("resourceNames", &rule.resource_names),
                ("nonResourceURLs", &rule.non_resource_urls),
            ] {
                if !values.is_empty() {
                    map.insert(field.to_string(), json!(values));
                }
            }
            Value::Object(map)
        })
        .collect();
    Value::Array(rules)
}

/// Deletes one object (a namespace with its contents first) and returns it as it was.
pub fn delete(state: &State, def: &ResourceDef, key: &ObjectKey) -> Result<Value, StoreError> {
    if def.group.is_empty() && def.resource == "namespaces" {
        if state.store.get(key)?.is_none() {
            return Err(StoreError::NotFound);
        }
        for content in stored_resources().filter(|d| d.namespaced) {
            let listing = state.store.list_all(&scope(content, &key.name))?;
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
    let deleted = {
        let _ordered = state
            .policy_writes
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let deleted = state.store.delete(key, None)?;
        policy_sync::forget(state, def, &deleted);
        deleted
    };
    if def.resource == "clusterroles" {
        aggregate_cluster_roles(state);
    }
    Ok(deleted)
}

/// After a create: a new namespace gets its `default` ServiceAccount and `kube-root-ca.crt`.
pub fn after_create(state: &State, def: &ResourceDef, stored: &Value) {
    if def.group.is_empty() && def.resource == "namespaces" {
        ensure_namespace_defaults(state, meta::name(stored));
    }
    if def.group.is_empty() && def.resource == "secrets" {
        crate::token_request::populate_legacy_secret(state, stored);
    }
}

/// After an update: an approved CertificateSigningRequest is signed (or marked failed); the
/// `kube-root-ca.crt` ConfigMap is put back if it was changed.
pub fn after_update(state: &State, def: &ResourceDef, stored: &Value) {
    if def.resource == "certificatesigningrequests" {
        crate::csr::sign_if_approved(state, def, stored);
    }
    if is_root_ca_config_map(def, stored) {
        publish_root_ca(state, meta::namespace(stored));
    }
}

/// After a delete: a deleted `kube-root-ca.crt` ConfigMap is published again, as
/// kube-controller-manager's root CA publisher does (unless its namespace is going away).
pub fn after_delete(state: &State, def: &ResourceDef, deleted: &Value) {
    if is_root_ca_config_map(def, deleted) {
        publish_root_ca(state, meta::namespace(deleted));
    }
}

/// What a namespace holds from its creation on: the `default` ServiceAccount (the
/// ServiceAccount controller) and the `kube-root-ca.crt` ConfigMap (the root CA publisher).
pub fn ensure_namespace_defaults(state: &State, namespace: &str) {
    ensure_default_service_account(state, namespace);
    publish_root_ca(state, namespace);
}

/// The name of the ConfigMap with the cluster's CA bundle in every namespace.
const ROOT_CA_CONFIG_MAP: &str = "kube-root-ca.crt";

fn is_root_ca_config_map(def: &ResourceDef, object: &Value) -> bool {
    def.group.is_empty() && def.resource == "configmaps" && meta::name(object) == ROOT_CA_CONFIG_MAP
}

/// Creates or restores ConfigMap `kube-root-ca.crt` (`data.ca.crt` = the cluster CA) in
/// `namespace`, with kube-controller-manager's description annotation. Nothing without a cluster
/// CA, or in a namespace that is missing or terminating.
fn publish_root_ca(state: &State, namespace: &str) {
    let (Some((ca, _)), Some(def), Some(namespaces)) = (
        state.config.cluster_signing.as_ref(),
        crate::registry::find("", "v1", "configmaps"),
        crate::registry::find("", "v1", "namespaces"),
    ) else {
        return;
    };
    match state.store.get(&key(namespaces, "", namespace)) {
        Ok(Some(ns)) if ns["metadata"]["deletionTimestamp"].is_null() => {}
        _ => return,
    }
    let key = key(def, namespace, ROOT_CA_CONFIG_MAP);
    let expected = json!({"ca.crt": ca});
    let annotation = json!({"kubernetes.io/description": ROOT_CA_DESCRIPTION});
    let result = match state.store.get(&key) {
        Ok(Some(existing))
            if existing["data"] == expected
                && existing["metadata"]["annotations"] == annotation =>
        {
            return;
        }
        Ok(Some(_)) => state
            .store
            .modify(&key, |mut stored| -> Result<Value, StoreError> {
                stored["data"] = expected.clone();
                stored["metadata"]["annotations"] = annotation.clone();
                Ok(stored)
            })
            .map(drop),
        Ok(None) => {
            let mut map = json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": ROOT_CA_CONFIG_MAP, "annotations": annotation},
                "data": expected,
            });
            meta::prepare_create(&mut map, Some(namespace), now());
            match state.store.create(&key, map) {
                Err(StoreError::AlreadyExists) => Ok(()),
                other => other.map(drop),
            }
        }
        Err(error) => Err(error),
    };
    if let Err(error) = result {
        tracing::warn!(%error, namespace, "kube-root-ca.crt not published");
    }
}

/// kube-controller-manager's annotation on `kube-root-ca.crt`.
const ROOT_CA_DESCRIPTION: &str = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

/// Creates ServiceAccount `default` in `namespace` unless it exists, as the ServiceAccount
/// controller does.
fn ensure_default_service_account(state: &State, namespace: &str) {
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
