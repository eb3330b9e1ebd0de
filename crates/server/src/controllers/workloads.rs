//! What the workload controllers share, as kube-controller-manager's `controller_utils`: the
//! controller owner reference of an object, the objects a controller owns, pods made from a
//! template with the owner's reference (the user the controllers write as, and their creates,
//! are `controllers::writer`'s).

use kubeward_store::{EventType, StoreExt as _, WatchEvent};
use serde_json::{Value, json};

use crate::registry::kinds::Kind;
use crate::registry::objects;
use crate::state::State;

pub mod cron_jobs;
pub mod cron_schedule;
pub mod daemon_sets;
pub mod deployments;
pub mod jobs;
pub mod replica_sets;
pub mod stateful_sets;

pub use super::writer::{controller_user, create};

/// The uid of the owner reference with `controller: true` of `kind`, if any.
pub fn controller_uid<'a>(object: &'a Value, kind: &str) -> Option<&'a str> {
    object
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)?
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        .filter(|r| r.get("kind").and_then(Value::as_str) == Some(kind))
        .and_then(|r| r.get("uid").and_then(Value::as_str))
}

/// The name of the controller owner of `kind`, if any.
pub fn controller_name<'a>(object: &'a Value, kind: &str) -> Option<&'a str> {
    object
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)?
        .iter()
        .find(|r| {
            r.get("controller").and_then(Value::as_bool) == Some(true)
                && r.get("kind").and_then(Value::as_str) == Some(kind)
        })
        .and_then(|r| r.get("name").and_then(Value::as_str))
}

/// The stored `owner` (of `owner_kind`) an event concerns: for an event of one of its
/// dependents (`dependent_resource`), the dependent's controller; for its own event, itself —
/// none once it is deleted.
pub fn owner_of_event(
    state: &State,
    event: &WatchEvent,
    owner: &Kind,
    dependent_resource: &str,
) -> Option<Value> {
    let namespace = event.key.namespace.as_deref().unwrap_or("");
    let name = if event.key.resource == dependent_resource {
        controller_name(&event.object, owner.kind)?
    } else if event.kind == EventType::Deleted {
        return None;
    } else {
        event.key.name.as_str()
    };
    state.store.get(&owner.key(namespace, name)).ok().flatten()
}

/// The reference a controlled object has to its controller `owner` of `kind`.
pub fn owner_reference(owner_kind: &Kind, owner: &Value) -> Value {
    json!({
        "apiVersion": owner_kind.api_version(),
        "kind": owner_kind.kind,
        "name": objects::name(owner),
        "uid": objects::uid(owner),
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// The objects of `kind` in `namespace` whose controller is `owner` (uid), not being deleted.
pub fn owned(state: &State, kind: &Kind, owner_kind: &str, owner: &Value) -> Vec<Value> {
    let uid = objects::uid(owner);
    state
        .store
        .list_all(&kind.scope(objects::namespace(owner)))
        .map(|listing| listing.items)
        .unwrap_or_default()
        .into_iter()
        .filter(|o| controller_uid(o, owner_kind) == Some(uid) && !objects::is_terminating(o))
        .collect()
}

/// A pod of `template` (a pod template spec) named `<prefix><random>`, controlled by `owner`.
pub fn pod_from_template(template: &Value, prefix: &str, reference: Value) -> Value {
    let mut metadata = json!({"generateName": prefix, "ownerReferences": [reference]});
    for field in ["labels", "annotations"] {
        if let Some(value) = template.pointer(&format!("/metadata/{field}")) {
            metadata[field] = value.clone();
        }
    }
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": template.get("spec").cloned().unwrap_or(json!({})),
    })
}

/// Whether a pod's `Ready` condition is true.
pub fn ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// Writes `status` as the status of `object` of `kind` unless it is the stored one — and only
/// if `object` is still the stored version (kube's controllers update status with the
/// resourceVersion they read): a status computed from an older read is dropped, and the
/// change that made it stale brings the object back to its controller.
pub fn write_status(state: &State, kind: &Kind, object: &Value, status: Value) {
    if object.get("status") == Some(&status) {
        return;
    }
    let key = kind.key(objects::namespace(object), objects::name(object));
    let read = objects::resource_version(object);
    let written = super::writer::modify(state, kind, &key, "status", |mut current| {
        if !read.is_empty() && objects::resource_version(&current) != read {
            return Err(kubeward_store::StoreError::Conflict);
        }
        current["status"] = status.clone();
        Ok::<_, kubeward_store::StoreError>(current)
    });
    if let Err(error) = written {
        tracing::debug!(%error, name = objects::name(object), "status not written");
    }
}

/// `spec.replicas` of a workload (1 when unset).
pub fn replicas(object: &Value) -> i64 {
    object
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1)
}
