//! The DaemonSet controller (kube-controller-manager's `daemonset`): one pod on every node the
//! set's pods may run on (the template's `nodeSelector` matches the node's labels, and the pod
//! tolerates the node's `NoSchedule`/`NoExecute` taints), pinned to it by a required node
//! affinity on `metadata.name` for the scheduler to honour, with the tolerations kube adds to
//! daemon pods and the `controller-revision-hash` and `pod-template-generation` labels. A pod
//! on a node it no longer belongs to, or a second one on a node, is deleted. A changed template
//! rolls out as kube's `RollingUpdate` does. Without surge (`maxSurge` 0, the default): old pods
//! that are not available are replaced at once, available ones only as far as `maxUnavailable`
//! (1 by default) allows, and each node gets its new pod from the next sync. With surge: a new
//! pod starts beside the old one on up to `maxSurge` nodes at a time, and the old one goes once
//! the new one is ready. `OnDelete` waits for the user to delete them. Node events bring every
//! set back.

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
    let hash = pod_template_hash(
        &template,
        set.pointer("/status/collisionCount")
            .and_then(Value::as_i64),
    );
    let budget = Budget::of(set, eligible.len() as i64);
    for pods in by_node.values_mut() {
        misplaced.extend(extra_pods(pods, &hash, budget.surge > 0));
    }
    for pod in &misplaced {
        delete_pod(state, kind, set, pod);
    }
    let generation = set
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let user = super::controller_user("daemon-set-controller");
    let (surged, old_deleted) = if budget.surge > 0 {
        surge(state, kind, set, &by_node, &hash, budget.surge)
    } else {
        (Vec::new(), Vec::new())
    };
    for node in &old_deleted {
        if let Some(pods) = by_node.get_mut(node) {
            pods.retain(|p| revision(p) == Some(hash.as_str()));
        }
    }
    for node in &eligible {
        if by_node.contains_key(node) && !surged.contains(node) {
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
                by_node.entry(node.clone()).or_default().push(created);
            }
            Err(error) => {
                tracing::warn!(message = %error.message, daemonset = objects::name(set), "pod not created");
                break;
            }
        }
    }

    if budget.surge == 0 {
        for node in roll(state, kind, set, &by_node, &hash, budget.unavailable) {
            by_node.remove(&node);
        }
    }

    // Each node counts by its oldest pod, as kube's status does.
    let placed: Vec<&Value> = by_node.values().filter_map(|pods| pods.first()).collect();
    let ready_count = placed.iter().filter(|p| ready(p)).count() as i64;
    let updated = placed
        .iter()
        .filter(|p| revision(p) == Some(hash.as_str()))
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

/// The revision (`controller-revision-hash`) of a daemon pod.
fn revision(pod: &Value) -> Option<&str> {
    pod.pointer("/metadata/labels/controller-revision-hash")
        .and_then(Value::as_str)
}

/// What a rolling update may do at once (`updatedDesiredNodeCounts`): pods unavailable, and
/// nodes with a new pod beside the old one; nothing for `OnDelete`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Budget {
    unavailable: i64,
    surge: i64,
}

impl Budget {
    /// `maxUnavailable` and `maxSurge` of `set` for `desired` nodes, rounded up; both 0 is
    /// taken as 1 unavailable, as kube does.
    fn of(set: &Value, desired: i64) -> Self {
        let strategy = set.pointer("/spec/updateStrategy");
        let strategy_type = strategy
            .and_then(|s| s.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("RollingUpdate");
        if strategy_type != "RollingUpdate" {
            return Self {
                unavailable: 0,
                surge: 0,
            };
        }
        let field =
            |name: &str| strategy.and_then(|s| s.pointer(&format!("/rollingUpdate/{name}")));
        let unavailable = scaled(
            field("maxUnavailable").or(Some(&json!(1))),
            desired,
            "1",
            true,
        );
        let surge = scaled(field("maxSurge"), desired, "0", true);
        Self {
            unavailable: if unavailable == 0 && surge == 0 {
                1
            } else {
                unavailable
            },
            surge,
        }
    }
}

/// The pods of one node that must go (`podsShouldBeOnNode`), the kept ones left in `pods`,
/// oldest first. Without surge only the oldest stays. With surge the oldest of the current
/// revision and the oldest of an old one may both stay, the old one only while it is ready and
/// the new one is not.
fn extra_pods(pods: &mut Vec<Value>, hash: &str, surge: bool) -> Vec<Value> {
    pods.sort_by_key(|p| printing::text(p, "/metadata/creationTimestamp"));
    if !surge {
        return pods.drain(1..).collect();
    }
    let mut new = None;
    let mut old = None;
    let mut extra = Vec::new();
    for pod in pods.drain(..) {
        let slot = if revision(&pod) == Some(hash) {
            &mut new
        } else {
            &mut old
        };
        if slot.is_none() {
            *slot = Some(pod);
        } else {
            extra.push(pod);
        }
    }
    if let (Some(new_pod), Some(old_pod)) = (&new, &old)
        && (!ready(old_pod) || ready(new_pod))
    {
        extra.extend(old.take());
    }
    let mut kept: Vec<Value> = old.into_iter().chain(new).collect();
    kept.sort_by_key(|p| printing::text(p, "/metadata/creationTimestamp"));
    *pods = kept;
    extra
}

/// kube's `rollingUpdate` with surge: on a node whose new pod is ready, the old pod goes; a
/// node whose old pod is not available gets its new pod at once; an available one only while
/// fewer than `max_surge` nodes are mid-way. The nodes to start a new pod on, and those whose
/// old pod was deleted.
fn surge(
    state: &State,
    kind: &Kind,
    set: &Value,
    by_node: &BTreeMap<String, Vec<Value>>,
    hash: &str,
    max_surge: i64,
) -> (Vec<String>, Vec<String>) {
    let mut mid_way = 0;
    let mut allowed = Vec::new();
    let mut candidates = Vec::new();
    let mut deleted = Vec::new();
    for (node, pods) in by_node {
        let new = pods.iter().find(|p| revision(p) == Some(hash));
        let old = pods.iter().find(|p| revision(p) != Some(hash));
        match (new, old) {
            (_, None) => {}
            (None, Some(old)) if !ready(old) => {
                allowed.push(node.clone());
                mid_way += 1;
            }
            (None, Some(_)) => candidates.push(node.clone()),
            (Some(new), Some(_)) if !ready(new) => mid_way += 1,
            (Some(_), Some(old)) => {
                if !objects::is_terminating(old) && delete_pod(state, kind, set, old) {
                    deleted.push(node.clone());
                }
            }
        }
    }
    let room = (max_surge - mid_way).clamp(0, candidates.len() as i64) as usize;
    allowed.extend(candidates.into_iter().take(room));
    (allowed, deleted)
}

/// kube's `rollingUpdate` without surge: deletes the old pods that are not available, and as
/// many available old ones as `max_unavailable` leaves room for; the nodes whose pod was deleted.
fn roll(
    state: &State,
    kind: &Kind,
    set: &Value,
    by_node: &BTreeMap<String, Vec<Value>>,
    hash: &str,
    max_unavailable: i64,
) -> Vec<String> {
    if max_unavailable == 0 {
        return Vec::new();
    }
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
