//! What the workload kinds share (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job,
//! CronJob, ReplicationController, PodTemplate): the defaults kube-apiserver gives a pod
//! template (`SetDefaults_PodSpec`, `SetDefaults_Container`), the `metadata.generation` that
//! counts spec changes, and the checks of a selector against the template's labels.

use kubeward_core::status::{BadValue, FieldError};
use kubeward_core::validation::kinds;
use serde_json::{Map, Value, json};

use crate::registry::objects;

/// Fills in what the API server defaults in the pod spec at `pointer` (a pod template's
/// `.../template/spec`): DNS and restart policy, grace period, scheduler, security context,
/// and per container the termination message, pull policy, resources and port protocols.
pub fn default_pod_spec(object: &mut Value, pointer: &str) {
    let Some(spec) = object.pointer_mut(pointer).and_then(Value::as_object_mut) else {
        return;
    };
    set_default(spec, "dnsPolicy", json!("ClusterFirst"));
    set_default(spec, "restartPolicy", json!("Always"));
    set_default(spec, "terminationGracePeriodSeconds", json!(30));
    set_default(spec, "securityContext", json!({}));
    set_default(spec, "schedulerName", json!("default-scheduler"));
    for list in ["initContainers", "containers"] {
        for container in spec
            .get_mut(list)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            default_container(container);
        }
    }
}

fn default_container(container: &mut Value) {
    let image = container
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let Some(map) = container.as_object_mut() else {
        return;
    };
    set_default(map, "terminationMessagePath", json!("/dev/termination-log"));
    set_default(map, "terminationMessagePolicy", json!("File"));
    set_default(map, "imagePullPolicy", json!(pull_policy(&image)));
    set_default(map, "resources", json!({}));
    for port in map
        .get_mut("ports")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        if let Some(port) = port.as_object_mut() {
            set_default(port, "protocol", json!("TCP"));
        }
    }
}

/// `Always` for an image without a tag or with `:latest`, else `IfNotPresent`.
pub fn pull_policy(image: &str) -> &'static str {
    if image.contains('@') {
        return "IfNotPresent";
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, tag)) if tag != "latest" => "IfNotPresent",
        _ => "Always",
    }
}

/// Sets `key` to `value` unless it is present (and not null).
pub fn set_default(map: &mut Map<String, Value>, key: &str, value: Value) {
    if map.get(key).is_none_or(Value::is_null) {
        map.insert(key.to_string(), value);
    }
}

/// The object at `pointer`, made an object if it is not one.
pub fn object_at<'a>(object: &'a mut Value, path: &[&str]) -> &'a mut Map<String, Value> {
    let mut at = object;
    for key in path {
        if !at.is_object() {
            *at = json!({});
        }
        at = at
            .as_object_mut()
            .map(|map| map.entry(key.to_string()).or_insert_with(|| json!({})))
            .expect("made an object above");
    }
    if !at.is_object() {
        *at = json!({});
    }
    at.as_object_mut().expect("made an object above")
}

/// A new object's `metadata.generation`: 1.
pub fn first_generation(object: &mut Value) {
    objects::metadata_mut(object).insert("generation".into(), json!(1));
}

/// An update's `metadata.generation`: one more when the spec changed.
pub fn next_generation(current: &Value, next: &mut Value) {
    let generation = current
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let bumped = if current.get("spec") == next.get("spec") {
        generation
    } else {
        generation + 1
    };
    objects::metadata_mut(next).insert("generation".into(), json!(bumped));
}

/// `ValidateNonnegativeField` of the integer at `/spec/<field>`.
pub fn non_negative(object: &Value, field: &str, errors: &mut Vec<FieldError>) {
    if let Some(value) = object
        .pointer(&format!("/spec/{field}"))
        .and_then(Value::as_i64)
        && value < 0
    {
        errors.push(FieldError::invalid(
            &format!("spec.{field}"),
            value,
            "must be greater than or equal to 0",
        ));
    }
}

/// The checks of a controller's label selector (`spec.selector`, a `LabelSelector`) and its
/// pod template (`spec.template`): the selector is required and not empty, it selects the
/// template's labels, and the template's pod spec is valid. `what` names the kind in the message
/// of an empty selector (kube-apiserver says `deployment` for ReplicaSets too).
pub fn selector_and_template(object: &Value, what: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let selector = object.pointer("/spec/selector");
    let empty = selector.is_none_or(|s| crate::registry::printing::selector_string(s).is_empty());
    if selector.is_none_or(Value::is_null) {
        errors.push(FieldError::required("spec.selector", ""));
    } else if empty {
        errors.push(FieldError::invalid(
            "spec.selector",
            BadValue::json(selector.unwrap_or(&Value::Null)),
            &format!("empty selector is invalid for {what}"),
        ));
    }
    let labels = object
        .pointer("/spec/template/metadata/labels")
        .cloned()
        .unwrap_or(json!({}));
    if let Some(selector) = selector
        && !empty
        && !selects(selector, &labels)
    {
        errors.push(FieldError::invalid(
            "spec.template.metadata.labels",
            BadValue::json(&labels),
            "`selector` does not match template `labels`",
        ));
    }
    errors.extend(kinds::pod_spec(
        object.pointer("/spec/template/spec"),
        "spec.template.spec",
    ));
    errors
}

/// Whether the `LabelSelector` `selector` selects `labels`.
pub fn selects(selector: &Value, labels: &Value) -> bool {
    let label = |key: &str| labels.get(key).and_then(Value::as_str);
    let matched = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .all(|(key, value)| label(key) == value.as_str());
    matched
        && selector
            .get("matchExpressions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .all(|expression| {
                let key = expression.get("key").and_then(Value::as_str).unwrap_or("");
                let values = objects::strings(expression.get("values"));
                let value = label(key);
                match expression.get("operator").and_then(Value::as_str) {
                    Some("In") => value.is_some_and(|v| values.iter().any(|w| w == v)),
                    Some("NotIn") => value.is_none_or(|v| values.iter().all(|w| w != v)),
                    Some("Exists") => value.is_some(),
                    Some("DoesNotExist") => value.is_none(),
                    _ => false,
                }
            })
}

#[cfg(test)]
mod tests;
