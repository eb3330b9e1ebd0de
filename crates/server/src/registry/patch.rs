//! PATCH bodies: JSON patch (RFC 6902), JSON merge patch (RFC 7386) and strategic merge patch as
//! kubectl sends it. Lists are replaced whole by a strategic patch (the kinds served here have
//! no merge keys that kubectl relies on for them); the `$patch`, `$setElementOrder`,
//! `$retainKeys` and `$deleteFromPrimitiveList` directives are honoured or dropped.

use kubeward_core::status::{self, Status};
use serde_json::Value;

/// The media type of server-side apply.
pub const APPLY_PATCH: &str = "application/apply-patch+yaml";

/// The patch formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchKind {
    /// `application/json-patch+json`.
    Json,
    /// `application/merge-patch+json`.
    Merge,
    /// `application/strategic-merge-patch+json`.
    StrategicMerge,
}

impl PatchKind {
    /// The format of a `Content-Type`; `None` for server-side apply
    /// (`application/apply-patch+yaml`, the field manager's); 415 for anything else.
    pub fn from_content_type(content_type: &str) -> Result<Option<Self>, Status> {
        let media = content_type.split(';').next().unwrap_or("").trim();
        match media {
            "application/json-patch+json" => Ok(Some(Self::Json)),
            "application/merge-patch+json" => Ok(Some(Self::Merge)),
            "application/strategic-merge-patch+json" => Ok(Some(Self::StrategicMerge)),
            APPLY_PATCH => Ok(None),
            other => Err(Status::failure(
                415,
                "UnsupportedMediaType",
                format!(
                    "the body of the request was in an unknown format - accepted media types include: application/apply-patch+yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got {other:?})"
                ),
                None,
            )),
        }
    }
}

/// Applies `patch` of `kind` to `current`.
pub fn apply(kind: PatchKind, current: &Value, patch: &Value) -> Result<Value, Status> {
    let mut target = current.clone();
    match kind {
        PatchKind::Json => {
            let operations: json_patch::Patch = serde_json::from_value(patch.clone())
                .map_err(|e| status::bad_request(&format!("error decoding patch: {e}")))?;
            json_patch::patch(&mut target, &operations).map_err(|e| {
                Status::failure(
                    422,
                    "Invalid",
                    format!("the server rejected our request due to an error in our request: {e}"),
                    None,
                )
            })?;
        }
        PatchKind::Merge => json_patch::merge(&mut target, patch),
        PatchKind::StrategicMerge => strategic_merge(&mut target, patch),
    }
    Ok(target)
}

fn is_directive(key: &str) -> bool {
    key == "$patch"
        || key == "$retainKeys"
        || key.starts_with("$setElementOrder/")
        || key.starts_with("$deleteFromPrimitiveList/")
}

/// A copy of `value` without directives.
fn without_directives(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !is_directive(k))
                .map(|(k, v)| (k.clone(), without_directives(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_directives).collect()),
        other => other.clone(),
    }
}

fn strategic_merge(target: &mut Value, patch: &Value) {
    merge_at(target, patch, "");
}

/// The merge key of the list field `field` inside an object that is itself the field `parent`,
/// for the lists of the served kinds that Kubernetes merges by key (`patchMergeKey`); `None`
/// for lists that a strategic patch replaces.
fn merge_key(parent: &str, field: &str) -> Option<&'static str> {
    Some(match (parent, field) {
        (_, "containers" | "initContainers" | "ephemeralContainers") => "name",
        (_, "env" | "volumes" | "imagePullSecrets" | "secrets") => "name",
        (_, "volumeMounts") => "mountPath",
        ("containers" | "initContainers" | "ephemeralContainers", "ports") => "containerPort",
        ("spec", "ports") => "port",
        (_, "conditions") => "type",
        ("metadata", "ownerReferences") => "uid",
        _ => return None,
    })
}

/// Lists of strings merged as sets (`patchStrategy: merge` on a primitive list).
fn is_merged_set(parent: &str, field: &str) -> bool {
    matches!((parent, field), ("metadata", "finalizers"))
}

fn merge_at(target: &mut Value, patch: &Value, at: &str) {
    let Value::Object(patch_map) = patch else {
        *target = patch.clone();
        return;
    };
    if patch_map.get("$patch").and_then(Value::as_str) == Some("replace") {
        *target = without_directives(patch);
        return;
    }
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    let Value::Object(target_map) = target else {
        return;
    };
    for (key, value) in patch_map {
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(items)), Value::Array(remove)) =
                (target_map.get_mut(field), value)
            {
                items.retain(|item| !remove.contains(item));
            }
            continue;
        }
        if is_directive(key) {
            continue;
        }
        match value {
            Value::Null => {
                target_map.remove(key);
            }
            Value::Object(inner)
                if inner.get("$patch").and_then(Value::as_str) == Some("delete") =>
            {
                target_map.remove(key);
            }
            Value::Object(_) => {
                let slot = target_map.entry(key.clone()).or_insert(Value::Null);
                merge_at(slot, value, key);
            }
            Value::Array(items) => {
                let order = patch_map
                    .get(&format!("$setElementOrder/{key}"))
                    .and_then(Value::as_array);
                match (merge_key(at, key), target_map.get_mut(key)) {
                    (Some(merge_key), Some(Value::Array(present))) => {
                        merge_list(present, items, merge_key, key);
                        if let Some(order) = order {
                            reorder(present, order, merge_key);
                        }
                    }
                    (None, Some(Value::Array(present))) if is_merged_set(at, key) => {
                        for item in items {
                            if !present.contains(item) {
                                present.push(item.clone());
                            }
                        }
                    }
                    _ => {
                        let kept: Vec<Value> = items
                            .iter()
                            .filter(|item| {
                                item.get("$patch").and_then(Value::as_str) != Some("delete")
                            })
                            .map(without_directives)
                            .collect();
                        target_map.insert(key.clone(), Value::Array(kept));
                    }
                }
            }
            other => {
                target_map.insert(key.clone(), without_directives(other));
            }
        }
    }
}

/// Merges patch elements into `present` by `merge_key`: a matching element is merged, a new
/// one appended, one marked `$patch: delete` removed.
fn merge_list(present: &mut Vec<Value>, patch: &[Value], merge_key: &str, field: &str) {
    for element in patch {
        let Some(key) = element.get(merge_key) else {
            present.push(without_directives(element));
            continue;
        };
        let position = present.iter().position(|p| p.get(merge_key) == Some(key));
        let delete = element.get("$patch").and_then(Value::as_str) == Some("delete");
        match (position, delete) {
            (Some(index), true) => {
                present.remove(index);
            }
            (Some(index), false) => merge_at(&mut present[index], element, field),
            (None, true) => {}
            (None, false) => present.push(without_directives(element)),
        }
    }
}

/// Orders `present` as `$setElementOrder` lists it; elements it does not name keep their
/// relative order after the named ones.
fn reorder(present: &mut [Value], order: &[Value], merge_key: &str) {
    let rank = |item: &Value| {
        order
            .iter()
            .position(|o| o.get(merge_key) == item.get(merge_key))
            .unwrap_or(usize::MAX)
    };
    present.sort_by_key(rank);
}

#[cfg(test)]
mod tests;
