//! Server-side printing: the `Table` (`meta.k8s.io/v1`) kubectl asks for with
//! `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. Each kind describes its columns and
//! how each cell is computed (`registry::kinds`, after kube-apiserver's
//! `pkg/printers/internalversion/printers.go`); this module builds the Table and holds the cell
//! helpers they share.

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::objects;

/// Whether the client asks for a Table.
pub fn wants_table(accept: &str) -> bool {
    accept
        .split(',')
        .any(|media| media.contains("as=Table") && media.contains("g=meta.k8s.io"))
}

/// One column: name as kube-apiserver names it (kubectl upper-cases it), type, format, and
/// priority (1: only with `-o wide`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The header.
    pub name: &'static str,
    /// The OpenAPI type (`string`, `date`, `integer`).
    pub kind: &'static str,
    /// The OpenAPI format (`name` for the name column).
    pub format: &'static str,
    /// The description (only the name column has one).
    pub description: &'static str,
    /// 0: always shown; 1: only with `-o wide`.
    pub priority: u8,
}

/// A column without format or description.
pub const fn column(name: &'static str, kind: &'static str, priority: u8) -> Column {
    Column {
        name,
        kind,
        format: "",
        description: "",
        priority,
    }
}

/// The name column every kind starts with.
pub const NAME: Column = Column {
    name: "Name",
    kind: "string",
    format: "name",
    description: "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
    priority: 0,
};

/// The age column.
pub const AGE: Column = column("Age", "string", 0);

/// Computes one object's cells, one per column, at `now`.
pub type CellsFn = fn(&Value, OffsetDateTime) -> Vec<Value>;

/// The Table of `objects`, with `columns` and the cells `cells` computes.
pub fn table(
    columns: &[Column],
    cells: CellsFn,
    objects: &[Value],
    revision: &str,
    now: OffsetDateTime,
) -> Value {
    let column_definitions: Vec<Value> = columns
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
                "cells": cells(object, now),
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

/// The string at `pointer`, or `""`.
pub fn text(object: &Value, pointer: &str) -> String {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// `value`, or `<none>` when empty.
pub fn or_none(value: String) -> String {
    if value.is_empty() {
        "<none>".to_string()
    } else {
        value
    }
}

/// How many entries the map or list at `pointer` has.
pub fn count(object: &Value, pointer: &str) -> usize {
    match object.pointer(pointer) {
        Some(Value::Object(map)) => map.len(),
        Some(Value::Array(items)) => items.len(),
        _ => 0,
    }
}

/// A label map as kubectl prints a selector: `k=v,k2=v2`, or `<none>`.
pub fn selector(object: &Value, pointer: &str) -> String {
    let pairs: Vec<String> = object
        .pointer(pointer)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
        .collect();
    or_none(pairs.join(","))
}

/// The integer at `pointer`, or 0.
pub fn int(object: &Value, pointer: &str) -> i64 {
    object.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

/// `layoutContainerCells`: the names and the images of the containers at `pointer`, each
/// joined with commas.
pub fn containers(object: &Value, pointer: &str) -> (String, String) {
    let containers = object
        .pointer(pointer)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let field = |name: &str| -> String {
        containers
            .iter()
            .map(|c| c.get(name).and_then(Value::as_str).unwrap_or(""))
            .collect::<Vec<_>>()
            .join(",")
    };
    (field("name"), field("image"))
}

/// `metav1.FormatLabelSelector`: the label selector at `pointer` (`matchLabels` and
/// `matchExpressions`) as a selector string, sorted by key, or `<none>`.
pub fn label_selector(object: &Value, pointer: &str) -> String {
    match object.pointer(pointer) {
        Some(selector) if selector.is_object() => or_none(selector_string(selector)),
        _ => "<none>".to_string(),
    }
}

/// `LabelSelectorAsSelector(selector).String()`: requirements sorted by key, `""` when empty.
pub fn selector_string(selector: &Value) -> String {
    let mut requirements: Vec<(String, String)> = Vec::new();
    if let Some(labels) = selector.get("matchLabels").and_then(Value::as_object) {
        for (key, value) in labels {
            requirements.push((
                key.clone(),
                format!("{key}={}", value.as_str().unwrap_or("")),
            ));
        }
    }
    for expression in selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = text(expression, "/key");
        let mut values = objects::strings(expression.get("values"));
        values.sort();
        values.dedup();
        let rendered = match text(expression, "/operator").as_str() {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.clone(),
            "DoesNotExist" => format!("!{key}"),
            _ => continue,
        };
        requirements.push((key, rendered));
    }
    requirements.sort_by(|a, b| a.0.cmp(&b.0));
    requirements
        .into_iter()
        .map(|(_, rendered)| rendered)
        .collect::<Vec<_>>()
        .join(",")
}

/// `printBoolPtr`: `True`, `False`, or `<unset>` when absent.
pub fn bool_ptr(object: &Value, pointer: &str) -> String {
    match object.pointer(pointer).and_then(Value::as_bool) {
        Some(true) => "True".to_string(),
        Some(false) => "False".to_string(),
        None => "<unset>".to_string(),
    }
}

/// The time since the RFC 3339 timestamp at `pointer` (`translateTimestampSince`), or
/// `<unknown>` when there is none.
pub fn since(object: &Value, pointer: &str, now: OffsetDateTime) -> String {
    match object
        .pointer(pointer)
        .and_then(Value::as_str)
        .and_then(objects::parse_timestamp)
    {
        Some(at) => human_duration((now - at).whole_seconds()),
        None => "<unknown>".to_string(),
    }
}

/// The name cell.
pub fn name(object: &Value) -> Value {
    json!(objects::name(object))
}

/// The age cell: the time since `metadata.creationTimestamp`.
pub fn age(object: &Value, now: OffsetDateTime) -> Value {
    json!(match objects::creation_time(object) {
        Some(created) => human_duration((now - created).whole_seconds()),
        None => "<unknown>".to_string(),
    })
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
