//! Server-side printing: the `Table` (`meta.k8s.io/v1`) kubectl asks for with
//! `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, with kube-apiserver's columns for each
//! kind (`pkg/printers/internalversion/printers.go`).

use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::meta;
use crate::registry::ResourceDef;

/// Whether the client asks for a Table.
pub fn wants_table(accept: &str) -> bool {
    accept
        .split(',')
        .any(|media| media.contains("as=Table") && media.contains("g=meta.k8s.io"))
}

/// One column: name as kube-apiserver names it (kubectl upper-cases it), type, format, and
/// priority (1: only with `-o wide`).
struct Column {
    name: &'static str,
    kind: &'static str,
    format: &'static str,
    description: &'static str,
    priority: u8,
}

const fn col(name: &'static str, kind: &'static str, priority: u8) -> Column {
    Column {
        name,
        kind,
        format: "",
        description: "",
        priority,
    }
}

const NAME: Column = Column {
    name: "Name",
    kind: "string",
    format: "name",
    description: "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
    priority: 0,
};

fn columns(resource: &str) -> Vec<Column> {
    match resource {
        "namespaces" => vec![NAME, col("Status", "string", 0), col("Age", "string", 0)],
        "serviceaccounts" => vec![NAME, col("Age", "string", 0)],
        "secrets" => vec![
            NAME,
            col("Type", "string", 0),
            col("Data", "string", 0),
            col("Age", "string", 0),
        ],
        "configmaps" => vec![NAME, col("Data", "string", 0), col("Age", "string", 0)],
        "pods" => vec![
            NAME,
            col("Ready", "string", 0),
            col("Status", "string", 0),
            col("Restarts", "string", 0),
            col("Age", "string", 0),
            col("IP", "string", 1),
            col("Node", "string", 1),
            col("Nominated Node", "string", 1),
            col("Readiness Gates", "string", 1),
        ],
        "services" => vec![
            NAME,
            col("Type", "string", 0),
            col("Cluster-IP", "string", 0),
            col("External-IP", "string", 0),
            col("Port(s)", "string", 0),
            col("Age", "string", 0),
            col("Selector", "string", 1),
        ],
        "nodes" => vec![
            NAME,
            col("Status", "string", 0),
            col("Roles", "string", 0),
            col("Age", "string", 0),
            col("Version", "string", 0),
        ],
        "deployments" => vec![
            NAME,
            col("Ready", "string", 0),
            col("Up-to-date", "string", 0),
            col("Available", "string", 0),
            col("Age", "string", 0),
            col("Containers", "string", 1),
            col("Images", "string", 1),
            col("Selector", "string", 1),
        ],
        "rolebindings" | "clusterrolebindings" => vec![
            NAME,
            col("Role", "string", 0),
            col("Age", "string", 0),
            col("Users", "string", 1),
            col("Groups", "string", 1),
            col("ServiceAccounts", "string", 1),
        ],
        "certificatesigningrequests" => vec![
            NAME,
            col("Age", "string", 0),
            col("SignerName", "string", 0),
            col("Requestor", "string", 0),
            col("RequestedDuration", "string", 0),
            col("Condition", "string", 0),
        ],
        _ => vec![NAME, col("Created At", "date", 0)],
    }
}

/// The Table of `objects` of `def`.
pub fn table(def: &ResourceDef, objects: &[Value], revision: &str, now: OffsetDateTime) -> Value {
    let column_definitions: Vec<Value> = columns(def.resource)
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "type": c.kind,
                "format": c.format,
                "description": c.description,
                "priority": c.priority,
            })
        })
        .collect();
    let rows: Vec<Value> = objects
        .iter()
        .map(|object| {
            json!({
                "cells": cells(def.resource, object, now),
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": object.get("metadata").cloned().unwrap_or(json!({})),
                },
            })
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": revision},
        "columnDefinitions": column_definitions,
        "rows": rows,
    })
}

fn text(object: &Value, pointer: &str) -> String {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn or_none(value: String) -> String {
    if value.is_empty() {
        "<none>".to_string()
    } else {
        value
    }
}

fn count(object: &Value, pointer: &str) -> usize {
    match object.pointer(pointer) {
        Some(Value::Object(map)) => map.len(),
        Some(Value::Array(items)) => items.len(),
        _ => 0,
    }
}

fn cells(resource: &str, object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let name = json!(meta::name(object));
    let age = json!(age(object, now));
    match resource {
        "namespaces" => {
            let phase = text(object, "/status/phase");
            vec![
                name,
                json!(if phase.is_empty() {
                    "Active".to_string()
                } else {
                    phase
                }),
                age,
            ]
        }
        "serviceaccounts" => vec![name, age],
        "secrets" => vec![
            name,
            json!(text(object, "/type")),
            json!(count(object, "/data") + count(object, "/stringData")),
            age,
        ],
        "configmaps" => vec![
            name,
            json!(count(object, "/data") + count(object, "/binaryData")),
            age,
        ],
        "pods" => {
            let containers = count(object, "/spec/containers");
            let phase = text(object, "/status/phase");
            vec![
                name,
                json!(format!("0/{containers}")),
                json!(if phase.is_empty() {
                    "Pending".to_string()
                } else {
                    phase
                }),
                json!("0"),
                age,
                json!(or_none(text(object, "/status/podIP"))),
                json!(or_none(text(object, "/spec/nodeName"))),
                json!("<none>"),
                json!("<none>"),
            ]
        }
        "services" => {
            let ports: Vec<String> = object
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| {
                    format!(
                        "{}/{}",
                        p.get("port").and_then(Value::as_i64).unwrap_or(0),
                        p.get("protocol").and_then(Value::as_str).unwrap_or("TCP")
                    )
                })
                .collect();
            let kind = text(object, "/spec/type");
            vec![
                name,
                json!(if kind.is_empty() {
                    "ClusterIP".to_string()
                } else {
                    kind
                }),
                json!(or_none(text(object, "/spec/clusterIP"))),
                json!("<none>"),
                json!(or_none(ports.join(","))),
                age,
                json!(selector(object, "/spec/selector")),
            ]
        }
        "nodes" => vec![
            name,
            json!("Unknown"),
            json!("<none>"),
            age,
            json!(text(object, "/status/nodeInfo/kubeletVersion")),
        ],
        "deployments" => {
            let replicas = object
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            let containers = object
                .pointer("/spec/template/spec/containers")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let names: Vec<&str> = containers
                .iter()
                .filter_map(|c| c.get("name").and_then(Value::as_str))
                .collect();
            let images: Vec<&str> = containers
                .iter()
                .filter_map(|c| c.get("image").and_then(Value::as_str))
                .collect();
            vec![
                name,
                json!(format!("0/{replicas}")),
                json!(0),
                json!(0),
                age,
                json!(names.join(",")),
                json!(images.join(",")),
                json!(selector(object, "/spec/selector/matchLabels")),
            ]
        }
        "rolebindings" | "clusterrolebindings" => {
            let subjects = object
                .get("subjects")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let of_kind = |kind: &str| -> Vec<String> {
                subjects
                    .iter()
                    .filter(|s| s.get("kind").and_then(Value::as_str) == Some(kind))
                    .map(|s| {
                        let name = s.get("name").and_then(Value::as_str).unwrap_or("");
                        if kind == "ServiceAccount" {
                            let ns = s.get("namespace").and_then(Value::as_str).unwrap_or("");
                            format!("{ns}/{name}")
                        } else {
                            name.to_string()
                        }
                    })
                    .collect()
            };
            vec![
                name,
                json!(format!(
                    "{}/{}",
                    text(object, "/roleRef/kind"),
                    text(object, "/roleRef/name")
                )),
                age,
                json!(of_kind("User").join(", ")),
                json!(of_kind("Group").join(", ")),
                json!(of_kind("ServiceAccount").join(", ")),
            ]
        }
        "certificatesigningrequests" => {
            let requested = object
                .pointer("/spec/expirationSeconds")
                .and_then(Value::as_i64)
                .map(human_duration)
                .unwrap_or_else(|| "<none>".to_string());
            vec![
                name,
                age,
                json!(or_none(text(object, "/spec/signerName"))),
                json!(text(object, "/spec/username")),
                json!(requested),
                json!(csr_condition(object)),
            ]
        }
        _ => vec![name, json!(text(object, "/metadata/creationTimestamp"))],
    }
}

fn selector(object: &Value, pointer: &str) -> String {
    let pairs: Vec<String> = object
        .pointer(pointer)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
        .collect();
    or_none(pairs.join(","))
}

/// The CONDITION column of `kubectl get csr`.
pub fn csr_condition(object: &Value) -> String {
    let mut approved = false;
    let mut denied = false;
    let mut failed = false;
    for condition in object
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match condition.get("type").and_then(Value::as_str) {
            Some("Approved") => approved = true,
            Some("Denied") => denied = true,
            Some("Failed") => failed = true,
            _ => {}
        }
    }
    let mut status = if denied {
        "Denied".to_string()
    } else if approved {
        "Approved".to_string()
    } else {
        "Pending".to_string()
    };
    if failed {
        status.push_str(",Failed");
    }
    if object
        .pointer("/status/certificate")
        .and_then(Value::as_str)
        .is_some_and(|c| !c.is_empty())
    {
        status.push_str(",Issued");
    }
    status
}

fn age(object: &Value, now: OffsetDateTime) -> String {
    match meta::creation_time(object) {
        Some(created) => human_duration((now - created).whole_seconds()),
        None => "<unknown>".to_string(),
    }
}

/// Go's `duration.HumanDuration` of `seconds`, as kubectl prints ages.
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    if seconds < 0 {
        return "0s".to_string();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        return if days == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{days}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
mod tests;
