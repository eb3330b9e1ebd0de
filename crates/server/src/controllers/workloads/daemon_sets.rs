//! The DaemonSet controller (kube-controller-manager's `daemonset`): one pod on every node the
//! set's pods may run on (the template's `nodeSelector` matches the node's labels, and the pod
//! tolerates the node's `NoSchedule`/`NoExecute` taints), pinned to it by a required node
//! affinity on `metadata.name` for the scheduler to honour, with the tolerations kube adds to
//! daemon pods and the `controller-revision-hash` and `pod-template-generation` labels. A pod
//! on a node it no longer belongs to, or a second one on a node, is deleted. A changed template
//! rolls out as kube's `RollingUpdate` without surge does: old pods that are not available are
//! replaced at once, available ones only as far as `maxUnavailable` (1 by default) allows, and
//! each node gets its new pod from the next sync; `OnDelete` waits for the user to delete them.
//! Node events bring every set back.

use std::collections::BTreeMap;

use kubeward_store::{EventType, ObjectKey, StoreExt as _, WatchEvent};
use serde_json::{Value, json};

use super::deployments::{pod_template_hash, scaled};
use super::{
    controller_name, create, owned, owner_reference, pod_from_template, ready, write_status,
};
use crate::controllers::controller::{Controller, is};
use crate::controllers::events;
use crate::registry::generic::{self, DeleteOptions};
use crate::registry::kinds::{self, Kind};
use crate::registry::{objects, printing};
use crate::state::State;

/// The controller's name on its events and user.
const COMPONENT: &str = "daemonset-controller";

/// The DaemonSet controller.
pub struct DaemonSets;

fn daemon_sets() -> Option<&'static Kind> {
    kinds::find("apps", "v1", "daemonsets")
}

impl Controller for DaemonSets {
    fn name(&self) -> &'static str {
        "daemonset"
    }

    fn watches(&self, key: &ObjectKey) -> bool {
        is(key, "apps", "daemonsets") || is(key, "", "pods") || is(key, "", "nodes")
    }

    fn handle(&self, state: &State, event: &WatchEvent) {
        let Some(kind) = daemon_sets() else {
            return;
        };
        let namespace = event.key.namespace.as_deref().unwrap_or("");
        match event.key.resource.as_str() {
            "nodes" => {
                let sets = state
                    .store
                    .list_all(&kind.scope(""))
                    .map(|l| l.items)
                    .unwrap_or_default();
                for set in &sets {
                    sync(state, kind, set);
                }
            }
            "pods" => {
                if let Some(name) = controller_name(&event.object, "DaemonSet")
                    && let Ok(Some(set)) = state.store.get(&kind.key(namespace, name))
                {
                    sync(state, kind, &set);
                }
            }
            _ if event.kind == EventType::Deleted => {}
            _ => {
                if let Ok(Some(set)) = state.store.get(&kind.key(namespace, &event.key.name)) {
                    sync(state, kind, &set);
                }
            }
        }
    }
}

/// The tolerations kube's DaemonSet controller adds to every daemon pod
/// (`util.AddOrUpdateDaemonPodTolerations`).
fn daemon_tolerations(host_network: bool) -> Vec<Value> {
    let mut tolerations: Vec<Value> = [
        ("node.kubernetes.io/not-ready", "NoExecute"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/disk-pressure", "NoSchedule"),
        ("node.kubernetes.io/memory-pressure", "NoSchedule"),
        ("node.kubernetes.io/pid-pressure", "NoSchedule"),
        ("node.kubernetes.io/unschedulable", "NoSchedule"),
    ]
    .iter()
    .map(|(key, effect)| json!({"key": key, "operator": "Exists", "effect": effect}))
    .collect();
    if host_network {
        tolerations.push(json!({"key": "node.kubernetes.io/network-unavailable",
                                "operator": "Exists", "effect": "NoSchedule"}));
    }
    tolerations
}

/// Whether `toleration` tolerates `taint` (`Toleration.ToleratesTaint`).
fn tolerates(toleration: &Value, taint: &Value) -> bool {
    let field = |v: &Value, f: &str| v.get(f).and_then(Value::as_str).unwrap_or("").to_string();
    let effect = field(toleration, "effect");
    if !effect.is_empty() && effect != field(taint, "effect") {
        return false;
    }
    let key = field(toleration, "key");
    if !key.is_empty() && key != field(taint, "key") {
        return false;
    }
    match field(toleration, "operator").as_str() {
        "Exists" => true,
        "" | "Equal" => field(toleration, "value") == field(taint, "value"),
        _ => false,
    }
}

/// Whether the set's pods belong on `node`: the template's node selector matches its labels
/// and every `NoSchedule`/`NoExecute` taint is tolerated.
fn belongs_on(template: &Value, node: &Value, tolerations: &[Value]) -> bool {
    let labels = node.pointer("/metadata/labels");
    let selected = template
        .pointer("/spec/nodeSelector")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .all(|(key, value)| labels.and_then(|l| l.get(key)) == Some(value));
    let tolerated = node
        .pointer("/spec/taints")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|taint| matches!(taint["effect"].as_str(), Some("NoSchedule" | "NoExecute")))
        .all(|taint| tolerations.iter().any(|t| tolerates(t, taint)));
    selected && tolerated
}

/// The node a daemon pod is on, or is pinned to.
fn node_of(pod: &Value) -> Option<String> {
    if let Some(node) = pod.pointer("/spec/nodeName").and_then(Value::as_str)
        && !node.is_empty()
    {
        return Some(node.to_string());
    }
    pod.pointer(
        "/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/0/matchFields/0/values/0",
    )
    .and_then(Value::as_str)
    .map(str::to_string)
}

/// One pod on every node the set belongs on, none elsewhere; then the status.
fn sync(state: &State, kind: &Kind, set: &Value) {
    if objects::is_terminating(set) {
        return;
    }
    let namespace = objects::namespace(set);
    let template = set.pointer("/spec/template").cloned().unwrap_or(json!({}));
    let host_network = template.pointer("/spec/hostNetwork") == Some(&json!(true));
    let mut tolerations: Vec<Value> = template
        .pointer("/spec/tolerations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for added in daemon_tolerations(host_network) {
        if !tolerations
            .iter()
            .any(|t| t["key"] == added["key"] && t["effect"] == added["effect"])
        {
            tolerations.push(added);
        }
    }
    let nodes: Vec<Value> = state
        .store
        .list_all(&kinds::core::nodes().scope(""))
        .map(|l| l.items)
        .unwrap_or_default();
    let eligible: Vec<String> = nodes
        .iter()
        .filter(|node| !objects::is_terminating(node) && belongs_on(&template, node, &tolerations))
        .map(|node| objects::name(node).to_string())
        .collect();

    let mut by_node: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut misplaced = Vec::new();
    for pod in owned(state, kinds::core::pods(), "DaemonSet", set) {
        match node_of(&pod) {
            Some(node) if eligible.contains(&node) => by_node.entry(node).or_default().push(pod),
            _ => misplaced.push(pod),
        }
    }
    for pods in by_node.values_mut() {
        // The oldest stays; any other on the same node goes.
        pods.sort_by_key(|p| printing::text(p, "/metadata/creationTimestamp"));
        misplaced.extend(pods.drain(1..));
    }
    for pod in &misplaced {
        delete_pod(state, kind, set, pod);
    }

    let hash = pod_template_hash(
        &template,
        set.pointer("/status/collisionCount")
            .and_then(Value::as_i64),
    );
    let generation = set
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let user = super::controller_user("daemon-set-controller");
    for node in &eligible {
        if by_node.contains_key(node) {
            continue;
        }
        let mut pod = pod_from_template(
            &template,
            &format!("{}-", objects::name(set)),
            owner_reference(kind, set),
        );
        let labels = &mut pod["metadata"]["labels"];
        if !labels.is_object() {
            *labels = json!({});
        }
        labels["controller-revision-hash"] = json!(hash);
        labels["pod-template-generation"] = json!(generation.to_string());
        pod["spec"]["tolerations"] = json!(tolerations);
        pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = json!({
            "nodeSelectorTerms": [{"matchFields": [
                {"key": "metadata.name", "operator": "In", "values": [node]}
            ]}]
        });
        match create(state, &user, kinds::core::pods(), namespace, pod) {
            Ok(created) => {
                let message = format!("Created pod: {}", objects::name(&created));
                events::record(state, COMPONENT, kind, set, "SuccessfulCreate", &message);
                by_node.insert(node.clone(), vec![created]);
            }
            Err(error) => {
                tracing::warn!(message = %error.message, daemonset = objects::name(set), "pod not created");
                break;
            }
        }
    }

    for node in roll(state, kind, set, &by_node, &hash, eligible.len() as i64) {
        by_node.remove(&node);
    }

    let placed: Vec<&Value> = by_node.values().flatten().collect();
    let ready_count = placed.iter().filter(|p| ready(p)).count() as i64;
    let updated = placed
        .iter()
        .filter(|p| p.pointer("/metadata/labels/controller-revision-hash") == Some(&json!(hash)))
        .count() as i64;
    let mut status = json!({
        "desiredNumberScheduled": eligible.len(),
        "currentNumberScheduled": placed.len(),
        "numberMisscheduled": 0,
        "numberReady": ready_count,
        "observedGeneration": generation,
    });
    for (field, value) in [
        ("numberAvailable", ready_count),
        ("updatedNumberScheduled", updated),
    ] {
        if value > 0 {
            status[field] = json!(value);
        }
    }
    let unavailable = eligible.len() as i64 - ready_count;
    if unavailable > 0 {
        status["numberUnavailable"] = json!(unavailable);
    }
    write_status(state, kind, set, status);
}

/// kube's `rollingUpdate` without surge: deletes the old pods that are not available, and as
/// many available old ones as `maxUnavailable` leaves room for; the nodes whose pod was deleted.
fn roll(
    state: &State,
    kind: &Kind,
    set: &Value,
    by_node: &BTreeMap<String, Vec<Value>>,
    hash: &str,
    desired: i64,
) -> Vec<String> {
    let strategy = set.pointer("/spec/updateStrategy");
    let strategy_type = strategy
        .and_then(|s| s.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("RollingUpdate");
    if strategy_type != "RollingUpdate" {
        return Vec::new();
    }
    let max_unavailable = scaled(
        strategy
            .and_then(|s| s.pointer("/rollingUpdate/maxUnavailable"))
            .or(Some(&json!(1))),
        desired,
        "1",
        true,
    )
    .max(1);
    let mut unavailable = 0;
    let mut replace = Vec::new();
    let mut candidates = Vec::new();
    for (node, pods) in by_node {
        let Some(pod) = pods.first() else {
            continue;
        };
        let old = pod.pointer("/metadata/labels/controller-revision-hash") != Some(&json!(hash));
        match (old, ready(pod)) {
            (false, false) => unavailable += 1,
            (false, true) => {}
            (true, false) => replace.push((node, pod)),
            (true, true) if unavailable < max_unavailable => candidates.push((node, pod)),
            (true, true) => {}
        }
    }
    let room = (max_unavailable - unavailable).clamp(0, candidates.len() as i64) as usize;
    replace.extend(candidates.into_iter().take(room));
    let mut deleted = Vec::new();
    for (node, pod) in replace {
        if objects::is_terminating(pod) {
            continue;
        }
        if delete_pod(state, kind, set, pod) {
            deleted.push(node.clone());
        }
    }
    deleted
}

/// Deletes `pod` of `set`, with kube's event; whether it was deleted.
fn delete_pod(state: &State, kind: &Kind, set: &Value, pod: &Value) -> bool {
    let deleted = generic::delete(
        state,
        kinds::core::pods(),
        objects::namespace(set),
        objects::name(pod),
        &DeleteOptions::default(),
        false,
    );
    if deleted.is_ok() {
        let message = format!("Deleted pod: {}", objects::name(pod));
        events::record(state, COMPONENT, kind, set, "SuccessfulDelete", &message);
    }
    deleted.is_ok()
}

#[cfg(test)]
mod tests;
