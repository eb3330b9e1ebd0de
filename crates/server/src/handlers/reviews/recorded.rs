//! The managed fields kube's create path records in a review request, remembered on each thread
//! per request shape. The same kind of review from the same client (`kubectl auth can-i` in a
//! loop, a webhook's SubjectAccessReviews) records the same fields; only the time differs. Working
//! the fields out is most of what answering a review costs, so it is done once per shape.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::Value;

use crate::registry::kinds::Kind;
use crate::registry::{field_manager, generic, objects};

/// Shapes remembered per thread before the memory is cleared.
const REMEMBERED_SHAPES: usize = 256;

thread_local! {
    /// Shape key → the `metadata.managedFields` recorded (`None`: nothing recorded).
    static REMEMBERED: RefCell<HashMap<String, Option<Value>>> = RefCell::new(HashMap::new());
}

/// Records in `request`'s `metadata.managedFields` what kube's create path records for it
/// (`field_manager::record_update` with no live object), at time `now`.
pub fn record(kind: &Kind, api_version: &str, manager: &str, now: &str, request: &mut Value) {
    objects::metadata_mut(request);
    let compute = |request: &mut Value| {
        let writer = generic::field_writer(kind, api_version, "", manager, now);
        field_manager::record_update(&writer, None, request);
    };
    if request.pointer("/metadata/managedFields").is_some() {
        // Fields the client sent are merged with: not a shape of its own.
        compute(request);
        return;
    }
    let key = shape_key(kind.resource, api_version, manager, request);
    let remembered = REMEMBERED.with(|memory| memory.borrow().get(&key).cloned());
    let recorded = match remembered {
        Some(recorded) => recorded.map(|mut entries| {
            set_time(&mut entries, now);
            entries
        }),
        None => {
            compute(request);
            let recorded = request.pointer("/metadata/managedFields").cloned();
            REMEMBERED.with(|memory| {
                let mut memory = memory.borrow_mut();
                if memory.len() >= REMEMBERED_SHAPES {
                    memory.clear();
                }
                memory.insert(key, recorded);
            });
            return;
        }
    };
    if let (Some(entries), Some(metadata)) = (recorded, request.get_mut("metadata")) {
        metadata["managedFields"] = entries;
    }
}

/// What the recorded fields depend on: the kind, version and manager, and the request with its
/// scalar values left out (every key, whether each value is null, every list whole).
fn shape_key(resource: &str, api_version: &str, manager: &str, request: &Value) -> String {
    let mut key = String::with_capacity(256);
    for part in [resource, api_version, manager] {
        let _ = write!(key, "{}:{part}", part.len());
    }
    shape(request, &mut key);
    key
}

fn shape(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            out.push('{');
            for (name, child) in map {
                let _ = write!(out, "{}:{name}", name.len());
                shape(child, out);
            }
            out.push('}');
        }
        Value::Array(_) => {
            out.push('[');
            out.push_str(&value.to_string());
            out.push(']');
        }
        Value::Null => out.push('n'),
        _ => out.push('s'),
    }
}

/// Sets every entry's `time` to `now`.
fn set_time(entries: &mut Value, now: &str) {
    for entry in entries.as_array_mut().into_iter().flatten() {
        if let Some(time) = entry.get_mut("time") {
            *time = Value::String(now.to_string());
        }
    }
}

#[cfg(test)]
mod tests;
