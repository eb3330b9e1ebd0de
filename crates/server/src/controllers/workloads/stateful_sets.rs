//! The StatefulSet controller (kube-controller-manager's `statefulset`): pods named
//! `<name>-<ordinal>` for ordinals `0..replicas`, each with its stable hostname
//! (`spec.hostname`, `spec.subdomain` = the governing Service), the labels
//! `statefulset.kubernetes.io/pod-name`, `apps.kubernetes.io/pod-index` and
//! `controller-revision-hash`, and a PersistentVolumeClaim `<claim>-<pod>` for each of the
//! `volumeClaimTemplates`. With `OrderedReady` (the default) a pod is created only once every
//! lower ordinal is Running and Ready, and scaling down removes the highest ordinal first, one at
//! a time; `Parallel` creates and removes them all at once. The status counts the pods.

use std::collections::BTreeMap;

use kubeward_store::{ObjectKey, WatchEvent};
use serde_json::{Value, json};

use super::deployments::pod_template_hash;
use super::{
    create, owned, owner_of_event, owner_reference, pod_from_template, ready, replicas,
    write_status,
};
use crate::controllers::controller::{Controller, is};
use crate::registry::generic::{self, DeleteOptions};
use crate::registry::kinds::{self, Kind};
use crate::registry::objects;
use crate::state::State;

/// The label with the name of a StatefulSet's pod.
const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
/// The label with the ordinal of a StatefulSet's pod.
const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";
/// The label with the revision a pod was made from.
const REVISION_LABEL: &str = "controller-revision-hash";

/// The StatefulSet controller.
pub struct StatefulSets;

fn stateful_sets() -> Option<&'static Kind> {
    kinds::find("apps", "v1", "statefulsets")
}

impl Controller for StatefulSets {
    fn name(&self) -> &'static str {
        "statefulset"
    }

    fn watches(&self, key: &ObjectKey) -> bool {
        is(key, "apps", "statefulsets") || is(key, "", "pods")
    }

    fn handle(&self, state: &State, event: &WatchEvent) {
        let Some(kind) = stateful_sets() else {
            return;
        };
        if let Some(current) = owner_of_event(state, event, kind, "pods") {
            sync(state, kind, &current);
        }
    }
}

/// The ordinal of `pod` of the set `set_name`, when its name is `<set_name>-<ordinal>`.
fn ordinal(set_name: &str, pod: &Value) -> Option<i64> {
    objects::name(pod)
        .strip_prefix(set_name)?
        .strip_prefix('-')?
        .parse()
        .ok()
}

fn running_and_ready(pod: &Value) -> bool {
    pod.pointer("/status/phase").and_then(Value::as_str) == Some("Running") && ready(pod)
}

/// Brings the pods of `set` to its replicas, in order unless `Parallel`, and writes its status.
fn sync(state: &State, kind: &Kind, set: &Value) {
    if objects::is_terminating(set) {
        return;
    }
    let name = objects::name(set);
    let namespace = objects::namespace(set);
    let template = set.pointer("/spec/template").cloned().unwrap_or(json!({}));
    // An unset count is 0, so that the revision stays the same once the status has one.
    let collisions = Some(
        set.pointer("/status/collisionCount")
            .and_then(Value::as_i64)
            .unwrap_or(0),
    );
    let revision = format!("{name}-{}", pod_template_hash(&template, collisions));
    let parallel = set
        .pointer("/spec/podManagementPolicy")
        .and_then(Value::as_str)
        == Some("Parallel");
    let wanted = replicas(set).max(0);
    let mut pods: BTreeMap<i64, Value> = owned(state, kinds::core::pods(), "StatefulSet", set)
        .into_iter()
        .filter_map(|pod| ordinal(name, &pod).map(|i| (i, pod)))
        .collect();

    for index in 0..wanted {
        if let Some(pod) = pods.get(&index) {
            if !parallel && !running_and_ready(pod) {
                break;
            }
            continue;
        }
        match create_pod(state, kind, set, &template, &revision, index) {
            Some(pod) => {
                pods.insert(index, pod);
            }
            None => break,
        }
        if !parallel {
            break;
        }
    }

    let extra: Vec<i64> = pods.range(wanted..).map(|(i, _)| *i).rev().collect();
    let mut deleted = Vec::new();
    for index in extra {
        let _ = generic::delete(
            state,
            kinds::core::pods(),
            namespace,
            &format!("{name}-{index}"),
            &DeleteOptions::default(),
            false,
        );
        deleted.push(index);
        if !parallel {
            break;
        }
    }
    for index in deleted {
        pods.remove(&index);
    }
    write_status(state, kind, set, status(set, &pods, &revision));
}

/// Creates the pod of ordinal `index` (and its claims); `None` when the registry refused it.
fn create_pod(
    state: &State,
    kind: &Kind,
    set: &Value,
    template: &Value,
    revision: &str,
    index: i64,
) -> Option<Value> {
    let user = super::controller_user("statefulset-controller");
    let name = objects::name(set);
    let namespace = objects::namespace(set);
    let pod_name = format!("{name}-{index}");
    let mut pod = pod_from_template(template, "", owner_reference(kind, set));
    if let Some(metadata) = pod["metadata"].as_object_mut() {
        metadata.remove("generateName");
        metadata.insert("name".into(), json!(pod_name));
    }
    let labels = &mut pod["metadata"]["labels"];
    if !labels.is_object() {
        *labels = json!({});
    }
    labels[POD_NAME_LABEL] = json!(pod_name);
    labels[POD_INDEX_LABEL] = json!(index.to_string());
    labels[REVISION_LABEL] = json!(revision);
    pod["spec"]["hostname"] = json!(pod_name);
    if let Some(service) = set.pointer("/spec/serviceName").and_then(Value::as_str)
        && !service.is_empty()
    {
        pod["spec"]["subdomain"] = json!(service);
    }
    for claim in set
        .pointer("/spec/volumeClaimTemplates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let claim_name = format!("{}-{pod_name}", objects::name(claim));
        ensure_claim(state, set, claim, &claim_name);
        let volume = json!({
            "name": objects::name(claim),
            "persistentVolumeClaim": {"claimName": claim_name},
        });
        let volumes = &mut pod["spec"]["volumes"];
        if !volumes.is_array() {
            *volumes = json!([]);
        }
        if let Some(list) = volumes.as_array_mut()
            && !list.iter().any(|v| v["name"] == volume["name"])
        {
            list.push(volume);
        }
    }
    match create(state, &user, kinds::core::pods(), namespace, pod) {
        Ok(created) => Some(created),
        Err(error) => {
            tracing::warn!(message = %error.message, statefulset = name, "pod not created");
            None
        }
    }
}

/// The claim `claim_name` from the template `claim`, unless it exists (claims outlive their
/// pods, as kube's default `whenDeleted: Retain` keeps them).
fn ensure_claim(state: &State, set: &Value, claim: &Value, claim_name: &str) {
    let claims = kinds::find("", "v1", "persistentvolumeclaims");
    let Some(claims) = claims else {
        return;
    };
    let namespace = objects::namespace(set);
    if let Ok(Some(_)) = state.store.get(&claims.key(namespace, claim_name)) {
        return;
    }
    let mut labels = claim
        .pointer("/metadata/labels")
        .cloned()
        .unwrap_or(json!({}));
    if let (Some(into), Some(selector)) = (
        labels.as_object_mut(),
        set.pointer("/spec/selector/matchLabels")
            .and_then(Value::as_object),
    ) {
        for (key, value) in selector {
            into.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
    let object = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": claim_name, "labels": labels},
        "spec": claim.get("spec").cloned().unwrap_or(json!({})),
    });
    let user = super::controller_user("statefulset-controller");
    if let Err(error) = create(state, &user, claims, namespace, object) {
        tracing::warn!(message = %error.message, claim = claim_name, "claim not created");
    }
}

/// The status kube's StatefulSet controller writes: the pods, the ready and available ones, the
/// ones at the current (= update) revision.
fn status(set: &Value, pods: &BTreeMap<i64, Value>, revision: &str) -> Value {
    let count = pods.len() as i64;
    let ready_count = pods.values().filter(|p| ready(p)).count() as i64;
    let current = pods
        .values()
        .filter(|p| {
            p.pointer("/metadata/labels/controller-revision-hash") == Some(&json!(revision))
        })
        .count() as i64;
    let mut status = json!({
        "replicas": count,
        "availableReplicas": ready_count,
        "currentRevision": revision,
        "updateRevision": revision,
        "collisionCount": set.pointer("/status/collisionCount").cloned().unwrap_or(json!(0)),
        "observedGeneration": set.pointer("/metadata/generation").cloned().unwrap_or(json!(1)),
    });
    for (field, value) in [
        ("readyReplicas", ready_count),
        ("currentReplicas", current),
        ("updatedReplicas", current),
    ] {
        if value > 0 {
            status[field] = json!(value);
        }
    }
    status
}

#[cfg(test)]
mod tests;
