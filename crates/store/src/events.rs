//! The event log's encoding: one JSON document per revision, `{"type", "key", "object",
//! "previous"}`, with the revision as the table key. `previous` is what the write replaced
//! (`null` for a creation), so that an older revision can be read back (`snapshot`); events
//! written before it was recorded have none.

use serde_json::Value;

use crate::keys::{decode_key, encode_key};
use crate::model::{EventType, StoreError, WatchEvent};

/// The watch event type name, as kube-apiserver spells it.
pub fn event_name(kind: EventType) -> &'static str {
    match kind {
        EventType::Added => "ADDED",
        EventType::Modified => "MODIFIED",
        EventType::Deleted => "DELETED",
    }
}

/// An event as the log keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// The event watchers get.
    pub event: WatchEvent,
    /// What the write replaced: `Some(None)` for a creation, `None` when the event was written
    /// before this was recorded.
    pub previous: Option<Option<Value>>,
}

/// The stored form of `event`, which replaced `previous` (its revision is the table key, not
/// part of the value).
pub fn encode_event(event: &WatchEvent, previous: Option<&Value>) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(&serde_json::json!({
        "type": event_name(event.kind),
        "key": encode_key(&event.key),
        "object": event.object,
        "previous": previous,
    }))
    .map_err(|error| StoreError::Backend(format!("cannot encode event: {error}")))
}

/// The event stored at `revision`; [`StoreError::Backend`] when the stored bytes are not one.
pub fn decode_event(revision: u64, bytes: &[u8]) -> Result<StoredEvent, StoreError> {
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
    let previous = match value.get("previous") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(object) if object.is_object() => Some(Some(object.clone())),
        Some(_) => return Err(corrupt("has an invalid previous object")),
    };
    Ok(StoredEvent {
        event: WatchEvent {
            kind,
            key,
            revision,
            object,
        },
        previous,
    })
}

#[cfg(test)]
mod tests;
