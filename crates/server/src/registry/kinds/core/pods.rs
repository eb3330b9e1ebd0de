//! What the server knows of pods beyond the generic registry: the strategy (validation and
//! `CheckGracefulDelete`), kubectl's `printPod` cells, and what `pods/binding` does to a pod
//! (kube-apiserver's `BindingREST`, what kube-scheduler calls to place a pod).

use kubeward_core::status::{self, FieldError, Status};
use kubeward_core::validation::kinds;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::registry::kinds::{Admission, Strategy};
use crate::registry::objects;
use crate::registry::printing::{self, human_duration, or_none, text};

pub mod qos;

/// A pod's grace period when neither the request nor the pod says
/// (`DefaultTerminationGracePeriodSeconds`).
const DEFAULT_GRACE_PERIOD_SECONDS: i64 = 30;

/// Pods: created `Pending` with their QoS class; containers; a pod on a node is deleted
/// gracefully.
pub struct PodStrategy;

impl Strategy for PodStrategy {
    /// kube-apiserver's `PrepareForCreate`: whatever status came with the pod is replaced by
    /// `Pending` and the pod's QoS class.
    fn prepare_for_create(&self, _request: &Admission<'_>, object: &mut Value) {
        let class = qos::class(object.get("spec"));
        if let Some(map) = object.as_object_mut() {
            map.insert(
                "status".into(),
                json!({"phase": "Pending", "qosClass": class}),
            );
        }
    }

    fn validate(&self, object: &Value) -> Vec<FieldError> {
        kinds::pod_spec(object.get("spec"), "spec")
    }

    fn grace_period(&self, object: &Value, requested: Option<i64>) -> i64 {
        grace_period(object, requested)
    }
}

/// The pod strategy's `CheckGracefulDelete`: the request's `gracePeriodSeconds`, else the pod's
/// `terminationGracePeriodSeconds` (30 by default); 0 — deleted at once — for a pod on no node
/// or one that has finished.
fn grace_period(pod: &Value, requested: Option<i64>) -> i64 {
    let period = requested.unwrap_or_else(|| {
        pod.pointer("/spec/terminationGracePeriodSeconds")
            .and_then(Value::as_i64)
            .unwrap_or(DEFAULT_GRACE_PERIOD_SECONDS)
    });
    let on_node = !text(pod, "/spec/nodeName").is_empty();
    let finished = matches!(text(pod, "/status/phase").as_str(), "Succeeded" | "Failed");
    if !on_node || finished {
        return 0;
    }
    period.max(0)
}

/// A Binding's target node, checked as `ValidatePodBinding` checks it (the name in the URL must
/// be the Binding's).
pub fn binding_target(binding: &Value, pod_name: &str) -> Result<String, Status> {
    if objects::name(binding) != pod_name {
        return Err(status::bad_request(
            "name in URL does not match name in Binding object",
        ));
    }
    let kind = text(binding, "/target/kind");
    let node = text(binding, "/target/name");
    let mut errors = Vec::new();
    if !kind.is_empty() && kind != "Node" {
        errors.push(FieldError::not_supported(
            "target.kind",
            kind.as_str(),
            &["Node", "<empty>"],
        ));
    }
    if node.is_empty() {
        errors.push(FieldError::required("target.name", ""));
    }
    if errors.is_empty() {
        Ok(node)
    } else {
        Err(status::invalid("", "Binding", pod_name, errors))
    }
}

/// `setPodHostAndAnnotations`: `pod` placed on `node` (its `spec.nodeName`, the Binding's
/// annotations, the `PodScheduled` condition), or the Conflict kube-apiserver answers — a uid
/// the Binding names that is not the pod's, a pod being deleted, a pod already placed.
pub fn assign(
    mut pod: Value,
    binding: &Value,
    node: &str,
    now: OffsetDateTime,
) -> Result<Value, Status> {
    let name = objects::name(&pod).to_string();
    let conflict = |message: String| status::conflict("", "pods/binding", &name, &message);
    let wanted_uid = text(binding, "/metadata/uid");
    let uid = objects::uid(&pod);
    if !wanted_uid.is_empty() && wanted_uid != uid {
        return Err(status::conflict(
            "",
            "pods",
            &name,
            &format!(
                "Precondition failed: UID in precondition: {wanted_uid}, UID in object meta: {uid}"
            ),
        ));
    }
    if objects::is_terminating(&pod) {
        return Err(conflict(format!(
            "pod {name} is being deleted, cannot be assigned to a host"
        )));
    }
    let assigned = text(&pod, "/spec/nodeName");
    if !assigned.is_empty() {
        return Err(conflict(format!(
            "pod {name} is already assigned to node {}",
            kubeward_core::go::quote(&assigned)
        )));
    }
    pod["spec"]["nodeName"] = json!(node);
    if let Some(extra) = binding
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
    {
        let metadata = objects::metadata_mut(&mut pod);
        let annotations = metadata.entry("annotations").or_insert_with(|| json!({}));
        if !annotations.is_object() {
            *annotations = json!({});
        }
        for (key, value) in extra {
            annotations[key] = value.clone();
        }
    }
    let mut conditions: Vec<Value> = pod
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    conditions.retain(|c| c.get("type").and_then(Value::as_str) != Some("PodScheduled"));
    conditions.push(json!({
        "type": "PodScheduled",
        "status": "True",
        "lastProbeTime": null,
        "lastTransitionTime": objects::timestamp(now),
    }));
    pod["status"]["conditions"] = json!(conditions);
    Ok(pod)
}

/// Go's `translateTimestampSince` of an RFC 3339 time.
fn since(timestamp: &str, now: OffsetDateTime) -> Option<String> {
    let at =
        OffsetDateTime::parse(timestamp, &time::format_description::well_known::Rfc3339).ok()?;
    Some(human_duration((now - at).whole_seconds()))
}

/// kubectl's pod columns.
pub const COLUMNS: &[printing::Column] = &[
    printing::NAME,
    printing::column("Ready", "string", 0),
    printing::column("Status", "string", 0),
    printing::column("Restarts", "string", 0),
    printing::AGE,
    printing::column("IP", "string", 1),
    printing::column("Node", "string", 1),
    printing::column("Nominated Node", "string", 1),
    printing::column("Readiness Gates", "string", 1),
];

/// `printPod`: name, READY, STATUS and RESTARTS from the container statuses, age, then IP,
/// node, nominated node and readiness gates.
pub fn cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let containers = printing::count(object, "/spec/containers");
    let phase = text(object, "/status/phase");
    // A pod the API server has not given a phase yet is Pending.
    let mut reason = if phase.is_empty() {
        "Pending".to_string()
    } else {
        phase.clone()
    };
    let status_reason = text(object, "/status/reason");
    if !status_reason.is_empty() {
        reason = status_reason.clone();
    }
    let statuses = object
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut restarts = 0i64;
    let mut ready = 0usize;
    let mut has_running = false;
    let mut last_restart: Option<String> = None;
    for status in statuses.iter().rev() {
        restarts += status
            .get("restartCount")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if let Some(finished) = status
            .pointer("/lastState/terminated/finishedAt")
            .and_then(Value::as_str)
            && last_restart.as_deref().is_none_or(|l| l < finished)
        {
            last_restart = Some(finished.to_string());
        }
        let waiting = text(status, "/state/waiting/reason");
        if !waiting.is_empty() {
            reason = waiting;
        } else if let Some(terminated) = status.pointer("/state/terminated") {
            reason = termination_reason(terminated);
        } else if status.get("ready").and_then(Value::as_bool) == Some(true)
            && status.pointer("/state/running").is_some()
        {
            has_running = true;
            ready += 1;
        }
    }
    if reason == "Completed" && has_running {
        reason = if has_condition(object, "Ready") {
            "Running"
        } else {
            "NotReady"
        }
        .to_string();
    }
    let terminal = matches!(phase.as_str(), "Succeeded" | "Failed");
    if objects::is_terminating(object) {
        if status_reason == "NodeLost" {
            reason = "Unknown".to_string();
        } else if !terminal {
            reason = "Terminating".to_string();
        }
    }
    let restarts = match last_restart.and_then(|l| since(&l, now)) {
        Some(ago) if restarts != 0 => format!("{restarts} ({ago} ago)"),
        _ => restarts.to_string(),
    };
    vec![
        printing::name(object),
        json!(format!("{ready}/{containers}")),
        json!(reason),
        json!(restarts),
        printing::age(object, now),
        json!(or_none(text(object, "/status/podIPs/0/ip"))),
        json!(or_none(text(object, "/spec/nodeName"))),
        json!(or_none(text(object, "/status/nominatedNodeName"))),
        json!("<none>"),
    ]
}

/// The STATUS of a terminated container: its reason, else `Signal:N`, else `ExitCode:N`.
fn termination_reason(terminated: &Value) -> String {
    let reason = text(terminated, "/reason");
    if !reason.is_empty() {
        return reason;
    }
    match terminated
        .get("signal")
        .and_then(Value::as_i64)
        .filter(|s| *s != 0)
    {
        Some(signal) => format!("Signal:{signal}"),
        None => format!(
            "ExitCode:{}",
            terminated
                .get("exitCode")
                .and_then(Value::as_i64)
                .unwrap_or(0)
        ),
    }
}

/// Whether the pod's condition `kind` is True.
fn has_condition(pod: &Value, kind: &str) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|conditions| {
            conditions.iter().any(|c| {
                c.get("type").and_then(Value::as_str) == Some(kind)
                    && c.get("status").and_then(Value::as_str) == Some("True")
            })
        })
}

#[cfg(test)]
mod tests;
