//! kubectl's `printNode`: a node's STATUS from its Ready condition, ROLES from its labels, and
//! the wide columns (addresses, OS image, kernel, container runtime).

use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::registry::printing::{self, or_none, text};

/// kubectl's node columns.
pub const COLUMNS: &[printing::Column] = &[
    printing::NAME,
    printing::column("Status", "string", 0),
    printing::column("Roles", "string", 0),
    printing::AGE,
    printing::column("Version", "string", 0),
    printing::column("Internal-IP", "string", 1),
    printing::column("External-IP", "string", 1),
    printing::column("OS-Image", "string", 1),
    printing::column("Kernel-Version", "string", 1),
    printing::column("Container-Runtime", "string", 1),
];

/// The cells of a node row: name, status, roles, age, version, then internal and external IP,
/// OS image, kernel and container runtime.
pub fn cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let ready = object
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|c| {
            c.iter()
                .find(|c| c.get("type").and_then(Value::as_str) == Some("Ready"))
        })
        .map(|c| c.get("status").and_then(Value::as_str) == Some("True"));
    let mut status = vec![match ready {
        Some(true) => "Ready",
        Some(false) => "NotReady",
        None => "Unknown",
    }];
    if object
        .pointer("/spec/unschedulable")
        .and_then(Value::as_bool)
        == Some(true)
    {
        status.push("SchedulingDisabled");
    }
    vec![
        printing::name(object),
        json!(status.join(",")),
        json!(or_none(roles(object).join(","))),
        printing::age(object, now),
        json!(text(object, "/status/nodeInfo/kubeletVersion")),
        json!(address(object, "InternalIP")),
        json!(address(object, "ExternalIP")),
        json!(unknown_if_empty(text(object, "/status/nodeInfo/osImage"))),
        json!(unknown_if_empty(text(
            object,
            "/status/nodeInfo/kernelVersion"
        ))),
        json!(unknown_if_empty(text(
            object,
            "/status/nodeInfo/containerRuntimeVersion"
        ))),
    ]
}

/// `findNodeRoles`: the `node-role.kubernetes.io/<role>` label keys and the
/// `kubernetes.io/role` label value, sorted, once each.
fn roles(object: &Value) -> Vec<String> {
    let mut roles: Vec<String> = object
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(key, value)| {
            if let Some(role) = key.strip_prefix("node-role.kubernetes.io/") {
                (!role.is_empty()).then(|| role.to_string())
            } else if key == "kubernetes.io/role" {
                value.as_str().filter(|v| !v.is_empty()).map(str::to_string)
            } else {
                None
            }
        })
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

/// The node's first address of `kind`, or `<none>`.
fn address(object: &Value, kind: &str) -> String {
    object
        .pointer("/status/addresses")
        .and_then(Value::as_array)
        .and_then(|a| {
            a.iter()
                .find(|a| a.get("type").and_then(Value::as_str) == Some(kind))
        })
        .and_then(|a| a.get("address").and_then(Value::as_str))
        .unwrap_or("<none>")
        .to_string()
}

fn unknown_if_empty(value: String) -> String {
    if value.is_empty() {
        "<unknown>".to_string()
    } else {
        value
    }
}

#[cfg(test)]
mod tests;
