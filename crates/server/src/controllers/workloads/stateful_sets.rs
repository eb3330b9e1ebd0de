//! The StatefulSet controller (kube-controller-manager's `statefulset`): pods named
//! `<name>-<ordinal>` for ordinals `0..replicas`, each with its stable hostname
//! (`spec.hostname`, `spec.subdomain` = the governing Service), the labels
//! `statefulset.kubernetes.io/pod-name`, `apps.kubernetes.io/pod-index` and
//! `controller-revision-hash`, and a PersistentVolumeClaim `<claim>-<pod>` for each of the
//! `volumeClaimTemplates`. With `OrderedReady` (the default) a pod is created only once every
//! lower ordinal is Running and Ready, and scaling down removes the highest ordinal first, one at
//! a time; `Parallel` creates and removes them all at once. A changed template rolls out as
//! kube's `RollingUpdate` does: from the highest ordinal down to `partition`, one pod at a time,
//! each deleted (and made again at the new revision) only once every pod is Running and Ready;
//! `OnDelete` waits for the user to delete them. The status counts the pods at the current and
//! the update revision, and the current revision becomes the update's once every pod is updated
//! and ready.

use std::collections::BTreeMap;

use kubeward_store::{ObjectKey, WatchEvent};
use serde_json::{Value, json};

use super::deployments::pod_template_hash;
use super::{
    create, owned, owner_of_event, owner_reference, pod_from_template, ready, replicas,
    write_status,
};
use crate::controllers::controller::{Controller, is};
use crate::controllers::events;
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

/// The controller's name on its events and user.
const COMPONENT: &str = "statefulset-controller";

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
    let template = set.pointer("/spec/template").cloned().unwrap_or(json!({}));
    // An unset count is 0, so that the revision stays the same once the status has one.
    let collisions = Some(
        set.pointer("/status/collisionCount")
            .and_then(Value::as_i64)
            .unwrap_or(0),
    );
    let revision = format!("{name}-{}", pod_template_hash(&template, collisions));
    let current_revision = set
        .pointer("/status/currentRevision")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
        .unwrap_or(&revision)
        .to_string();
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
        delete_pod(state, kind, set, index);
        deleted.push(index);
        if !parallel {
            break;
        }
    }
    for index in deleted {
        pods.remove(&index);
    }
    if let Some(index) = roll(state, kind, set, &pods, wanted, &revision) {
        pods.remove(&index);
    }
    let revisions = Revisions {
        current: &current_revision,
        update: &revision,
    };
    write_status(state, kind, set, status(set, &pods, wanted, revisions));
}

/// kube's `RollingUpdate` step: once every wanted pod exists and is Running and Ready, the
/// highest ordinal at or above `partition` that is not at `revision` is deleted (its successor
/// is made at `revision` by the next sync); the ordinal deleted.
fn roll(
    state: &State,
    kind: &Kind,
    set: &Value,
    pods: &BTreeMap<i64, Value>,
    wanted: i64,
    revision: &str,
) -> Option<i64> {
    let strategy = set.pointer("/spec/updateStrategy");
    let strategy_type = strategy
        .and_then(|s| s.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("RollingUpdate");
    if strategy_type != "RollingUpdate"
        || (0..wanted).any(|i| !pods.get(&i).is_some_and(running_and_ready))
    {
        return None;
    }
    let partition = strategy
        .and_then(|s| s.pointer("/rollingUpdate/partition"))
        .and_then(Value::as_i64)
        .unwrap_or(0)
        .max(0);
    let (index, _) = pods
        .range(partition..wanted)
        .rev()
        .find(|(_, pod)| pod_revision(pod) != revision && !objects::is_terminating(pod))?;
    delete_pod(state, kind, set, *index).then_some(*index)
}

/// The revision `pod` was made from.
fn pod_revision(pod: &Value) -> &str {
    pod.pointer("/metadata/labels/controller-revision-hash")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// A set's revisions: the one its pods were at before the template changed, and the one of
/// its template now.
#[derive(Clone, Copy)]
struct Revisions<'a> {
    current: &'a str,
    update: &'a str,
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
    let user = super::controller_user(COMPONENT);
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
        if ensure_claim(state, set, claim, &claim_name) {
            let message =
                format!("Create Claim {claim_name} Pod {pod_name} in StatefulSet {name} success");
            events::record(state, COMPONENT, kind, set, "SuccessfulCreate", &message);
        }
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
        Ok(created) => {
            let message = format!("Create Pod {pod_name} in StatefulSet {name} successful");
            events::record(state, COMPONENT, kind, set, "SuccessfulCreate", &message);
            Some(created)
        }
        Err(error) => {
            tracing::warn!(message = %error.message, statefulset = name, "pod not created");
            None
        }
    }
}

/// The claim `claim_name` from the template `claim`, unless it exists (claims outlive their
/// pods, as kube's default `whenDeleted: Retain` keeps them); whether it was created.
fn ensure_claim(state: &State, set: &Value, claim: &Value, claim_name: &str) -> bool {
    let claims = kinds::find("", "v1", "persistentvolumeclaims");
    let Some(claims) = claims else {
        return false;
    };
    let namespace = objects::namespace(set);
    if let Ok(Some(_)) = state.store.get(&claims.key(namespace, claim_name)) {
        return false;
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
    let user = super::controller_user(COMPONENT);
    match create(state, &user, claims, namespace, object) {
        Ok(_) => true,
        Err(error) => {
            tracing::warn!(message = %error.message, claim = claim_name, "claim not created");
            false
        }
    }
}

/// Deletes the pod of ordinal `index` of `set`, with kube's event; whether it was deleted.
fn delete_pod(state: &State, kind: &Kind, set: &Value, index: i64) -> bool {
    let name = objects::name(set);
    let pod_name = format!("{name}-{index}");
    let deleted = generic::delete(
        state,
        kinds::core::pods(),
        objects::namespace(set),
        &pod_name,
        &DeleteOptions::default(),
        false,
    );
    if deleted.is_ok() {
        let message = format!("Delete Pod {pod_name} in StatefulSet {name} successful");
        events::record(state, COMPONENT, kind, set, "SuccessfulDelete", &message);
    }
    deleted.is_ok()
}

/// The status kube's StatefulSet controller writes: the pods, the ready and available ones, the
/// ones at the current and at the update revision; the update revision becomes the current one
/// once every wanted pod is at it and ready (`completeRollingUpdate`).
fn status(
    set: &Value,
    pods: &BTreeMap<i64, Value>,
    wanted: i64,
    revisions: Revisions<'_>,
) -> Value {
    let count = pods.len() as i64;
    let ready_count = pods.values().filter(|p| ready(p)).count() as i64;
    let at = |revision: &str| {
        pods.values()
            .filter(|p| pod_revision(p) == revision)
            .count() as i64
    };
    let updated = at(revisions.update);
    let complete = updated == wanted && count == wanted && ready_count == wanted;
    let current_revision = if complete {
        revisions.update
    } else {
        revisions.current
    };
    let current = at(current_revision);
    let mut status = json!({
        "replicas": count,
        "availableReplicas": ready_count,
        "currentRevision": current_revision,
        "updateRevision": revisions.update,
        "collisionCount": set.pointer("/status/collisionCount").cloned().unwrap_or(json!(0)),
        "observedGeneration": set.pointer("/metadata/generation").cloned().unwrap_or(json!(1)),
    });
    for (field, value) in [
        ("readyReplicas", ready_count),
        ("currentReplicas", current),
        ("updatedReplicas", updated),
    ] {
        if value > 0 {
            status[field] = json!(value);
        }
    }
    status
}

#[cfg(test)]
mod tests;
