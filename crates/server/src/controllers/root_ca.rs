//! The root CA publisher: every active namespace has the ConfigMap `kube-root-ca.crt` with the
//! cluster's CA bundle and kube-controller-manager's description annotation, put back when it
//! is changed or deleted.

use kubeward_store::{EventType, ObjectKey, StoreError, WatchEvent};
use serde_json::{Value, json};

use super::controller::{Controller, is};
use super::writer::{CONTROLLER_MANAGER, record};
use crate::registry::{kinds, objects};
use crate::state::State;

/// The name of the ConfigMap with the cluster's CA bundle in every namespace.
pub const ROOT_CA_CONFIG_MAP: &str = "kube-root-ca.crt";

/// kube-controller-manager's annotation on `kube-root-ca.crt`.
const ROOT_CA_DESCRIPTION: &str = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

/// The root CA publisher.
pub struct RootCaPublisher;

impl Controller for RootCaPublisher {
    fn name(&self) -> &'static str {
        "root-ca-cert-publisher"
    }

    fn watches(&self, key: &ObjectKey) -> bool {
        is(key, "", "namespaces") || (is(key, "", "configmaps") && key.name == ROOT_CA_CONFIG_MAP)
    }

    fn handle(&self, state: &State, event: &WatchEvent) {
        let namespace = match (event.key.resource.as_str(), event.kind) {
            ("namespaces", EventType::Added | EventType::Modified) => event.key.name.as_str(),
            ("configmaps", _) => event.key.namespace.as_deref().unwrap_or_default(),
            _ => return,
        };
        publish(state, namespace);
    }
}

/// Creates or restores `kube-root-ca.crt` in `namespace`. Nothing without a cluster CA, or in
/// a namespace that is missing or terminating.
fn publish(state: &State, namespace: &str) {
    let Some((ca, _)) = state.config.cluster_signing.as_ref() else {
        return;
    };
    match state
        .store
        .get(&kinds::core::namespaces().key("", namespace))
    {
        Ok(Some(found)) if !objects::is_terminating(&found) => {}
        _ => return,
    }
    let config_maps = kinds::core::config_maps();
    let key = config_maps.key(namespace, ROOT_CA_CONFIG_MAP);
    let expected = json!({"ca.crt": ca});
    let annotation = json!({"kubernetes.io/description": ROOT_CA_DESCRIPTION});
    let result = match state.store.get(&key) {
        Ok(Some(existing))
            if existing["data"] == expected
                && existing["metadata"]["annotations"] == annotation =>
        {
            return;
        }
        Ok(Some(_)) => super::writer::modify(
            state,
            config_maps,
            &key,
            "",
            |mut stored| -> Result<Value, StoreError> {
                stored["data"] = expected.clone();
                stored["metadata"]["annotations"] = annotation.clone();
                Ok(stored)
            },
        )
        .map(drop),
        Ok(None) => {
            let mut map = json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": ROOT_CA_CONFIG_MAP, "annotations": annotation},
                "data": expected,
            });
            objects::prepare_create(&mut map, Some(namespace), crate::clock::now());
            record(config_maps, CONTROLLER_MANAGER, "", None, &mut map);
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
