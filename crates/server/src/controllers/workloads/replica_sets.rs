//! The ReplicaSet controller (kube-controller-manager's `replicaset`): as many pods as
//! `spec.replicas`, made from the template with the ReplicaSet as their controller
//! (`<name>-<random>`), the extra ones deleted (unscheduled, then not ready, then newest first),
//! and the status counted from them. A pod's events bring its ReplicaSet back.

use kubeward_store::{ObjectKey, WatchEvent};
use serde_json::{Value, json};

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

/// The ReplicaSet controller.
pub struct ReplicaSets;

fn replica_sets() -> Option<&'static Kind> {
    kinds::find("apps", "v1", "replicasets")
}

impl Controller for ReplicaSets {
    fn name(&self) -> &'static str {
        "replicaset"
    }

    fn watches(&self, key: &ObjectKey) -> bool {
        is(key, "apps", "replicasets") || is(key, "", "pods")
    }

    fn handle(&self, state: &State, event: &WatchEvent) {
        let Some(kind) = replica_sets() else {
            return;
        };
        if let Some(current) = owner_of_event(state, event, kind, "pods") {
            sync(state, kind, &current);
        }
    }
}

/// The controller's name on its events and user.
const COMPONENT: &str = "replicaset-controller";

/// Brings the pods of `rs` to its replicas and writes its status.
fn sync(state: &State, kind: &Kind, rs: &Value) {
    if objects::is_terminating(rs) {
        return;
    }
    let user = super::controller_user(COMPONENT);
    let namespace = objects::namespace(rs);
    let mut pods = owned(state, kinds::core::pods(), "ReplicaSet", rs);
    let wanted = usize::try_from(replicas(rs)).unwrap_or(0);
    if pods.len() < wanted {
        let template = rs.pointer("/spec/template").cloned().unwrap_or(json!({}));
        let prefix = format!("{}-", objects::name(rs));
        for _ in pods.len()..wanted {
            let pod = pod_from_template(&template, &prefix, owner_reference(kind, rs));
            match create(state, &user, kinds::core::pods(), namespace, pod) {
                Ok(created) => {
                    let message = format!("Created pod: {}", objects::name(&created));
                    events::record(state, COMPONENT, kind, rs, "SuccessfulCreate", &message);
                    pods.push(created);
                }
                Err(error) => {
                    tracing::warn!(message = %error.message, rs = objects::name(rs), "pod not created");
                    break;
                }
            }
        }
    } else if pods.len() > wanted {
        // Unscheduled pods go first, then pods not ready, then the newest.
        pods.sort_by_key(|pod| {
            (
                pod.pointer("/spec/nodeName").is_some(),
                ready(pod),
                std::cmp::Reverse(
                    pod.pointer("/metadata/creationTimestamp")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                ),
            )
        });
        let extra = pods.len() - wanted;
        for pod in pods.drain(..extra) {
            let deleted = generic::delete(
                state,
                kinds::core::pods(),
                namespace,
                objects::name(&pod),
                &DeleteOptions::default(),
                false,
            );
            if deleted.is_ok() {
                let message = format!("Deleted pod: {}", objects::name(&pod));
                events::record(state, COMPONENT, kind, rs, "SuccessfulDelete", &message);
            }
        }
    }
    let count = pods.len() as i64;
    let ready_count = pods.iter().filter(|p| ready(p)).count() as i64;
    let selector = rs.pointer("/spec/selector").cloned().unwrap_or(json!({}));
    let labeled = pods
        .iter()
        .filter(|p| {
            crate::registry::kinds::workloads::selects(
                &selector,
                p.pointer("/metadata/labels").unwrap_or(&Value::Null),
            )
        })
        .count() as i64;
    let mut status = json!({"replicas": count});
    for (field, value) in [
        ("fullyLabeledReplicas", labeled),
        ("readyReplicas", ready_count),
        ("availableReplicas", ready_count),
    ] {
        if value > 0 {
            status[field] = json!(value);
        }
    }
    status["observedGeneration"] = rs
        .pointer("/metadata/generation")
        .cloned()
        .unwrap_or(json!(1));
    write_status(state, kind, rs, status);
}
