//! The one piece of object metadata the store owns: `metadata.resourceVersion`.

use serde_json::{Map, Value};

use crate::model::StoreError;

/// Sets `metadata.resourceVersion` to `revision` (decimal), creating `metadata` if missing.
/// Refuses anything but a JSON object with an object (or absent) `metadata`.
pub fn set_resource_version(object: &mut Value, revision: u64) -> Result<(), StoreError> {
    let map = object
        .as_object_mut()
        .ok_or_else(|| StoreError::Invalid("an object must be a JSON object".to_string()))?;
    let metadata = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let metadata = metadata
        .as_object_mut()
        .ok_or_else(|| StoreError::Invalid("metadata must be a JSON object".to_string()))?;
    metadata.insert(
        "resourceVersion".to_string(),
        Value::String(revision.to_string()),
    );
    Ok(())
}

/// The object's `metadata.resourceVersion`, `""` when it has none.
pub fn resource_version(object: &Value) -> &str {
    object
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
}

#[cfg(test)]
mod tests;
