//! The event log's encoding: one JSON document per revision, `{"type", "key", "object"}`, with
//! the revision as the table key.

use serde_json::Value;

use crate::keys::{decode_key, encode_key};
use crate::{EventType, StoreError, WatchEvent};

/// The watch event type name, as kube-apiserver spells it.
pub fn event_name(kind: EventType) -> &'static str {
    match kind {
        EventType::Added => "ADDED",
        EventType::Modified => "MODIFIED",
        EventType::Deleted => "DELETED",
    }
}

/// The stored form of `event` (its revision is the table key, not part of the value).
pub fn encode_event(event: &WatchEvent) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(&serde_json::json!({
        "type": event_name(event.kind),
        "key": encode_key(&event.key),
        "object": event.object,
    }))
    .map_err(|error| StoreError::Backend(format!("cannot encode event: {error}")))
}

/// The event stored at `revision`; [`StoreError::Backend`] when the stored bytes are not one.
pub fn decode_event(revision: u64, bytes: &[u8]) -> Result<WatchEvent, StoreError> {
    let corrupt = |why: &str| StoreError::Backend(format!("stored event {revision} {why}"));
    let value: Value =
        serde_json::from_slice(bytes).map_err(|error| corrupt(&format!("is not JSON: {error}")))?;
    let kind = match value.get("type").and_then(Value::as_str) {
        Some("ADDED") => EventType::Added,
        Some("MODIFIED") => EventType::Modified,
        Some("DELETED") => EventType::Deleted,
        _ => return Err(corrupt("has no valid type")),
    };
    let key = value
        .get("key")
        .and_then(Value::as_str)
        .and_then(decode_key)
        .ok_or_else(|| corrupt("has no valid key"))?;
    let object = value
        .get("object")
        .filter(|object| object.is_object())
        .cloned()
        .ok_or_else(|| corrupt("has no object"))?;
    Ok(WatchEvent {
        kind,
        key,
        revision,
        object,
    })
}

#[cfg(test)]
mod tests;
