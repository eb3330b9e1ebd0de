//! The APIServices kube-apiserver registers for itself (kube-aggregator's `autoregister` and
//! `crdregistration` controllers): one per served group/version that kube-apiserver's priority
//! table names (`v1.`, `v1.apps`, …, labelled `kube-aggregator.kubernetes.io/automanaged:
//! onstart`), one per version of each CustomResourceDefinition (`automanaged: "true"`, group
//! priority 1000, version priority 100), removed when no definition serves that version any
//! more. All are `Local`, and Available as kube-aggregator's availability controller marks
//! local ones.

use std::collections::BTreeSet;

use kubeward_store::{EventType, ObjectKey, StoreError, StoreExt as _, WatchEvent};
use serde_json::{Value, json};

use super::controller::{Controller, is};
use crate::registry::kinds::{self, apiregistration::api_services};
use crate::registry::objects;
use crate::state::State;

/// The label autoregister puts on the APIServices it manages.
const AUTOMANAGED: &str = "kube-aggregator.kubernetes.io/automanaged";

/// kube-apiserver's `apiVersionPriorities` (group, version, group priority minimum, version
/// priority), for the group/versions this server can serve.
const PRIORITIES: &[(&str, &str, i64, i64)] = &[
    ("", "v1", 18000, 1),
    ("apps", "v1", 17800, 15),
    ("events.k8s.io", "v1", 17750, 15),
    ("events.k8s.io", "v1beta1", 17750, 5),
    ("authentication.k8s.io", "v1", 17700, 15),
    ("authentication.k8s.io", "v1beta1", 17700, 9),
    ("authentication.k8s.io", "v1alpha1", 17700, 1),
    ("authorization.k8s.io", "v1", 17600, 15),
    ("autoscaling", "v1", 17500, 15),
    ("autoscaling", "v2", 17500, 30),
    ("autoscaling", "v2beta1", 17500, 9),
    ("autoscaling", "v2beta2", 17500, 1),
    ("batch", "v1", 17400, 15),
    ("batch", "v1beta1", 17400, 9),
    ("certificates.k8s.io", "v1", 17300, 15),
    ("certificates.k8s.io", "v1beta1", 17300, 9),
    ("certificates.k8s.io", "v1alpha1", 17300, 1),
    ("networking.k8s.io", "v1", 17200, 15),
    ("networking.k8s.io", "v1beta1", 17200, 9),
    ("policy", "v1", 17100, 15),
    ("policy", "v1beta1", 17100, 9),
    ("rbac.authorization.k8s.io", "v1", 17000, 15),
    ("storage.k8s.io", "v1", 16800, 15),
    ("storage.k8s.io", "v1beta1", 16800, 9),
    ("storage.k8s.io", "v1alpha1", 16800, 1),
    ("apiextensions.k8s.io", "v1", 16700, 15),
    ("admissionregistration.k8s.io", "v1", 16700, 15),
    ("admissionregistration.k8s.io", "v1beta1", 16700, 12),
    ("admissionregistration.k8s.io", "v1alpha1", 16700, 9),
    ("scheduling.k8s.io", "v1", 16600, 15),
    ("coordination.k8s.io", "v1", 16500, 15),
    ("coordination.k8s.io", "v1beta1", 16500, 13),
    ("coordination.k8s.io", "v1alpha2", 16500, 12),
    ("node.k8s.io", "v1", 16300, 15),
    ("node.k8s.io", "v1beta1", 16300, 9),
    ("node.k8s.io", "v1alpha1", 16300, 1),
    ("discovery.k8s.io", "v1", 16200, 15),
    ("discovery.k8s.io", "v1beta1", 16200, 12),
    ("resource.k8s.io", "v1", 16200, 21),
    ("resource.k8s.io", "v1beta2", 16200, 15),
    ("resource.k8s.io", "v1beta1", 16200, 9),
    ("resource.k8s.io", "v1alpha3", 16200, 1),
    ("flowcontrol.apiserver.k8s.io", "v1", 16100, 21),
    ("flowcontrol.apiserver.k8s.io", "v1beta3", 16100, 18),
    ("flowcontrol.apiserver.k8s.io", "v1beta2", 16100, 15),
    ("flowcontrol.apiserver.k8s.io", "v1beta1", 16100, 12),
    ("flowcontrol.apiserver.k8s.io", "v1alpha1", 16100, 9),
    ("internal.apiserver.k8s.io", "v1alpha1", 16000, 9),
    ("storagemigration.k8s.io", "v1beta1", 15800, 9),
];

/// The name of the APIService of `group`/`version` (`v1.apps`; `v1.` for the core group).
pub fn name(group: &str, version: &str) -> String {
    format!("{version}.{group}")
}

/// An APIService for `group`/`version` served by this server itself.
pub fn local(group: &str, version: &str, priorities: (i64, i64), automanaged: &str) -> Value {
    json!({
        "apiVersion": "apiregistration.k8s.io/v1",
        "kind": "APIService",
        "metadata": {"name": name(group, version), "labels": {AUTOMANAGED: automanaged}},
        "spec": {
            "group": group,
            "version": version,
            "groupPriorityMinimum": priorities.0,
            "versionPriority": priorities.1,
        },
        "status": {"conditions": [{
            "type": "Available",
            "status": "True",
            "lastTransitionTime": objects::timestamp(crate::clock::now()),
            "reason": "Local",
            "message": "Local APIServices are always available",
        }]},
    })
}

/// The APIServices of the built-in group/versions this server serves.
pub fn built_in() -> Vec<Value> {
    let served: BTreeSet<(&str, &str)> = kinds::all().map(|k| (k.group, k.version)).collect();
    PRIORITIES
        .iter()
        .filter(|(group, version, _, _)| served.contains(&(*group, *version)))
        .map(|(group, version, minimum, priority)| {
            local(group, version, (*minimum, *priority), "onstart")
        })
        .collect()
}

/// The group/versions the stored CustomResourceDefinitions serve.
fn custom_group_versions(state: &State) -> BTreeSet<(String, String)> {
    let crds = kinds::apiextensions::crds();
    let Ok(listing) = state.store.list_all(&crds.scope("")) else {
        return BTreeSet::new();
    };
    listing
        .items
        .iter()
        .filter(|crd| !objects::is_terminating(crd))
        .flat_map(|crd| {
            let group = crd
                .pointer("/spec/group")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            crd.pointer("/spec/versions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|v| v.get("served").and_then(Value::as_bool) != Some(false))
                .filter_map(|v| v.get("name").and_then(Value::as_str))
                .map(move |version| (group.clone(), version.to_string()))
        })
        .collect()
}

/// The APIService controller of CustomResourceDefinitions.
pub struct CustomApiServices;

impl Controller for CustomApiServices {
    fn name(&self) -> &'static str {
        "crd-apiservice-registration"
    }

    fn watches(&self, key: &ObjectKey) -> bool {
        is(key, "apiextensions.k8s.io", "customresourcedefinitions")
    }

    fn handle(&self, state: &State, event: &WatchEvent) {
        if event.kind == EventType::Deleted || objects::is_terminating(&event.object) {
            remove_unserved(state);
        }
        if let Err(error) = register(state) {
            tracing::warn!(%error, "APIServices of custom resources not registered");
        }
    }
}

/// Creates the APIService of every served custom group/version that has none.
fn register(state: &State) -> Result<(), StoreError> {
    let kind = api_services();
    for (group, version) in custom_group_versions(state) {
        let key = kind.key("", &name(&group, &version));
        if state.store.get(&key)?.is_some() {
            continue;
        }
        let mut object = local(&group, &version, (1000, 100), "true");
        objects::prepare_create(&mut object, None, crate::clock::now());
        super::writer::record(kind, super::writer::API_SERVER, "", None, &mut object);
        match state.store.create(&key, object) {
            Ok(_) | Err(StoreError::AlreadyExists) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// Deletes the custom-resource APIServices no definition serves any more.
fn remove_unserved(state: &State) {
    let served = custom_group_versions(state);
    let kind = api_services();
    let Ok(listing) = state.store.list_all(&kind.scope("")) else {
        return;
    };
    for service in listing.items {
        let managed = service
            .pointer(&format!(
                "/metadata/labels/{}",
                AUTOMANAGED.replace('/', "~1")
            ))
            .and_then(Value::as_str);
        let spec = |field: &str| {
            service
                .pointer(&format!("/spec/{field}"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        if managed == Some("true") && !served.contains(&(spec("group"), spec("version"))) {
            let _ = state
                .store
                .delete(&kind.key("", objects::name(&service)), None);
        }
    }
}

#[cfg(test)]
mod tests;
