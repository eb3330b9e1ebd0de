//! The Deployment controller (kube-controller-manager's `deployment`): the ReplicaSet of the
//! current pod template, named `<deployment>-<pod-template-hash>` with the hash in its labels,
//! selector and template, scaled to `spec.replicas`; the ReplicaSets of older templates scaled
//! to zero; the revision annotations; the status and its `Available` and `Progressing`
//! conditions counted from the ReplicaSets. A ReplicaSet's events bring its Deployment back.

use kubeward_store::{ObjectKey, WatchEvent};
use serde_json::{Map, Value, json};

use super::{create, owned, owner_of_event, owner_reference, replicas, write_status};
use crate::controllers::controller::{Controller, is};
use crate::controllers::events;
use crate::controllers::writer::modify;
use crate::registry::kinds::{self, Kind};
use crate::registry::objects;
use crate::state::State;

/// The label (and selector) every ReplicaSet of a Deployment carries.
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";

/// The annotation of a ReplicaSet's (and its Deployment's) revision.
const REVISION: &str = "deployment.kubernetes.io/revision";

/// The Deployment controller.
pub struct Deployments;

fn kind(resource: &str) -> Option<&'static Kind> {
    kinds::find("apps", "v1", resource)
}

impl Controller for Deployments {
    fn name(&self) -> &'static str {
        "deployment"
    }

    fn watches(&self, key: &ObjectKey) -> bool {
        is(key, "apps", "deployments") || is(key, "apps", "replicasets")
    }

    fn handle(&self, state: &State, event: &WatchEvent) {
        let (Some(deployments), Some(replica_sets)) = (kind("deployments"), kind("replicasets"))
        else {
            return;
        };
        if let Some(current) = owner_of_event(state, event, deployments, "replicasets") {
            sync(state, deployments, replica_sets, &current);
        }
    }
}

/// kube's `controller.ComputeHash`: FNV-32a of the pod template (here its canonical JSON, keys
/// sorted) and the collision count, its decimal digits mapped by `rand.SafeEncodeString`.
pub fn pod_template_hash(template: &Value, collision_count: Option<i64>) -> String {
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut hash: u32 = 0x811c_9dc5;
    let mut write = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u32::from(*byte);
            hash = hash.wrapping_mul(0x0100_0193);
        }
    };
    write(canonical(template).as_bytes());
    if let Some(count) = collision_count {
        let mut bytes = [0u8; 8];
        bytes[..4].copy_from_slice(&(count as u32).to_le_bytes());
        write(&bytes);
    }
    hash.to_string()
        .bytes()
        .map(|b| ALPHANUMS[usize::from(b) % ALPHANUMS.len()] as char)
        .collect()
}

/// JSON text with every object's keys sorted.
fn canonical(value: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                let mut out = Map::new();
                for key in keys {
                    out.insert(key.clone(), sorted(&map[key]));
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

/// An int-or-percent of `total` (`25%`), rounded up or down.
pub(super) fn scaled(value: Option<&Value>, total: i64, default: &str, round_up: bool) -> i64 {
    let text = match value {
        Some(Value::Number(n)) => return n.as_i64().unwrap_or(0),
        Some(Value::String(s)) => s.as_str(),
        _ => default,
    };
    let percent: i64 = text.trim_end_matches('%').parse().unwrap_or(0);
    let exact = total * percent;
    if round_up {
        (exact + 99) / 100
    } else {
        exact / 100
    }
}

/// The controller's name on its events and user.
const COMPONENT: &str = "deployment-controller";

/// kube's `ScalingReplicaSet` event: `Scaled up replica set web-abc from 0 to 2`.
fn scaling_event(
    state: &State,
    deployments: &Kind,
    deployment: &Value,
    replica_set: &str,
    from: i64,
    to: i64,
) {
    let direction = if to > from { "up" } else { "down" };
    let message = format!("Scaled {direction} replica set {replica_set} from {from} to {to}");
    events::record(
        state,
        COMPONENT,
        deployments,
        deployment,
        "ScalingReplicaSet",
        &message,
    );
}

fn sync(state: &State, deployments: &Kind, replica_sets: &Kind, deployment: &Value) {
    if objects::is_terminating(deployment) {
        return;
    }
    let user = super::controller_user(COMPONENT);
    let namespace = objects::namespace(deployment);
    let wanted = replicas(deployment);
    let rolling = deployment
        .pointer("/spec/strategy/type")
        .and_then(Value::as_str)
        != Some("Recreate");
    let surge = deployment.pointer("/spec/strategy/rollingUpdate/maxSurge");
    let unavailable = deployment.pointer("/spec/strategy/rollingUpdate/maxUnavailable");
    let max_replicas = if rolling {
        wanted + scaled(surge, wanted, "25%", true)
    } else {
        wanted
    };
    let min_available = if rolling {
        wanted - scaled(unavailable, wanted, "25%", false)
    } else {
        0
    };
    let template = deployment
        .pointer("/spec/template")
        .cloned()
        .unwrap_or(json!({}));
    let collisions = deployment
        .pointer("/status/collisionCount")
        .and_then(Value::as_i64);
    let hash = pod_template_hash(&template, collisions);
    let new_name = format!("{}-{hash}", objects::name(deployment));
    let mut owned_sets = owned(state, replica_sets, "Deployment", deployment);
    let revision_of = |rs: &Value| -> i64 {
        rs.pointer("/metadata/annotations")
            .and_then(|a| a.get(REVISION))
            .and_then(Value::as_str)
            .and_then(|r| r.parse().ok())
            .unwrap_or(0)
    };
    let top_revision = owned_sets.iter().map(revision_of).max().unwrap_or(0);
    let annotations = |revision: i64| {
        json!({
            "deployment.kubernetes.io/desired-replicas": wanted.to_string(),
            "deployment.kubernetes.io/max-replicas": max_replicas.to_string(),
            REVISION: revision.to_string(),
        })
    };
    let revision = match owned_sets.iter().find(|rs| objects::name(rs) == new_name) {
        Some(existing) => {
            let revision = revision_of(existing);
            let from = replicas(existing);
            if from != wanted {
                let key = replica_sets.key(namespace, &new_name);
                let scaled = modify(state, replica_sets, &key, "", |mut current| {
                    current["spec"]["replicas"] = json!(wanted);
                    current["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] =
                        json!(wanted.to_string());
                    current["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] =
                        json!(max_replicas.to_string());
                    Ok::<_, kubeward_store::StoreError>(current)
                });
                if scaled.is_ok() {
                    scaling_event(state, deployments, deployment, &new_name, from, wanted);
                }
            }
            revision
        }
        None => {
            let revision = top_revision + 1;
            let mut labels = template
                .pointer("/metadata/labels")
                .cloned()
                .unwrap_or(json!({}));
            labels[POD_TEMPLATE_HASH] = json!(hash);
            let mut rs_template = template.clone();
            rs_template["metadata"]["labels"] = labels.clone();
            let mut selector = deployment
                .pointer("/spec/selector")
                .cloned()
                .unwrap_or(json!({}));
            selector["matchLabels"][POD_TEMPLATE_HASH] = json!(hash);
            let rs = json!({
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": new_name,
                    "labels": labels,
                    "annotations": annotations(revision),
                    "ownerReferences": [owner_reference(deployments, deployment)],
                },
                "spec": {"replicas": wanted, "selector": selector, "template": rs_template},
            });
            match create(state, &user, replica_sets, namespace, rs) {
                Ok(created) => {
                    scaling_event(state, deployments, deployment, &new_name, 0, wanted);
                    owned_sets.push(created);
                }
                Err(error) => {
                    tracing::warn!(message = %error.message, deployment = objects::name(deployment), "ReplicaSet not created");
                    return;
                }
            }
            revision
        }
    };
    // The ReplicaSets of older templates go to zero (the end of every rollout).
    for old in owned_sets
        .iter()
        .filter(|rs| objects::name(rs) != new_name && replicas(rs) != 0)
    {
        let key = replica_sets.key(namespace, objects::name(old));
        let scaled = modify(state, replica_sets, &key, "", |mut current| {
            current["spec"]["replicas"] = json!(0);
            Ok::<_, kubeward_store::StoreError>(current)
        });
        if scaled.is_ok() {
            let name = objects::name(old);
            scaling_event(state, deployments, deployment, name, replicas(old), 0);
        }
    }
    if deployment
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(REVISION))
        .and_then(Value::as_str)
        != Some(revision.to_string().as_str())
    {
        let key = deployments.key(namespace, objects::name(deployment));
        let _ = modify(state, deployments, &key, "", |mut current| {
            current["metadata"]["annotations"][REVISION] = json!(revision.to_string());
            Ok::<_, kubeward_store::StoreError>(current)
        });
    }
    let count = |field: &str, only_new: bool| -> i64 {
        owned_sets
            .iter()
            .filter(|rs| !only_new || objects::name(rs) == new_name)
            .filter_map(|rs| {
                rs.pointer(&format!("/status/{field}"))
                    .and_then(Value::as_i64)
            })
            .sum()
    };
    let (total, updated) = (count("replicas", false), count("replicas", true));
    let (ready_count, available) = (
        count("readyReplicas", false),
        count("availableReplicas", false),
    );
    let current = state
        .store
        .get(&deployments.key(namespace, objects::name(deployment)))
        .ok()
        .flatten()
        .unwrap_or_else(|| deployment.clone());
    let status = status(
        &current,
        &new_name,
        [total, updated, ready_count, available],
        min_available,
    );
    write_status(state, deployments, &current, status);
}

/// The status of a Deployment from its ReplicaSets' counts (replicas, updated, ready,
/// available).
fn status(deployment: &Value, new_name: &str, counts: [i64; 4], min_available: i64) -> Value {
    let [total, updated, ready_count, available] = counts;
    let wanted = replicas(deployment);
    let now = objects::timestamp(crate::clock::now());
    let previous = |kind: &str| -> Option<Value> {
        deployment
            .pointer("/status/conditions")
            .and_then(Value::as_array)?
            .iter()
            .find(|c| c["type"] == kind)
            .cloned()
    };
    let condition = |kind: &str, ok: bool, reason: &str, message: String| {
        let status = if ok { "True" } else { "False" };
        let before = previous(kind);
        let same = before.as_ref().is_some_and(|b| b["status"] == status);
        let unchanged = before
            .as_ref()
            .is_some_and(|b| same && b["reason"] == reason && b["message"] == message.as_str());
        let transition = before
            .as_ref()
            .filter(|_| same)
            .and_then(|b| b.get("lastTransitionTime").cloned())
            .unwrap_or(json!(now));
        let update = before
            .as_ref()
            .filter(|_| unchanged)
            .and_then(|b| b.get("lastUpdateTime").cloned())
            .unwrap_or(json!(now));
        json!({"lastTransitionTime": transition, "lastUpdateTime": update, "message": message,
               "reason": reason, "status": status, "type": kind})
    };
    let is_available = available >= min_available;
    let complete = updated == wanted && available == wanted && total == wanted;
    let available_condition = if is_available {
        condition(
            "Available",
            true,
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.".into(),
        )
    } else {
        condition(
            "Available",
            false,
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.".into(),
        )
    };
    let progressing = if complete {
        condition(
            "Progressing",
            true,
            "NewReplicaSetAvailable",
            format!("ReplicaSet \"{new_name}\" has successfully progressed."),
        )
    } else {
        condition(
            "Progressing",
            true,
            "ReplicaSetUpdated",
            format!("ReplicaSet \"{new_name}\" is progressing."),
        )
    };
    let mut status = json!({
        "observedGeneration": deployment.pointer("/metadata/generation").cloned().unwrap_or(json!(1)),
        "conditions": [available_condition, progressing],
    });
    for (field, value) in [
        ("replicas", total),
        ("updatedReplicas", updated),
        ("readyReplicas", ready_count),
        ("availableReplicas", available),
        ("unavailableReplicas", (wanted - available).max(0)),
    ] {
        if value > 0 {
            status[field] = json!(value);
        }
    }
    if let Some(collisions) = deployment.pointer("/status/collisionCount") {
        status["collisionCount"] = collisions.clone();
    }
    status
}

#[cfg(test)]
mod tests;
