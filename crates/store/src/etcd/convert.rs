//! Objects as etcd stores them and etcd's answers as the store reports them: the value is the
//! object's JSON without `metadata.resourceVersion` (kube-apiserver clears it before storing:
//! etcd's mod revision is the resourceVersion), and etcd's errors become [`StoreError`]s.

use etcd_client::{Event, EventType as EtcdEventType, KeyValue};
use serde_json::Value;

use super::layout::Layout;
use crate::metadata::set_resource_version;
use crate::model::{EventType, ObjectKey, StoreError, WatchEvent};

/// The bytes to store for `object`; [`StoreError::Invalid`] for anything but a JSON object
/// whose `metadata` (when present) is an object.
pub fn encode_value(object: &Value) -> Result<Vec<u8>, StoreError> {
    let mut stored = object.clone();
    set_resource_version(&mut stored, 0)?;
    if let Some(metadata) = stored.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("resourceVersion");
    }
    serde_json::to_vec(&stored)
        .map_err(|error| StoreError::Backend(format!("cannot encode the object: {error}")))
}

/// The object stored as `bytes`, with `metadata.resourceVersion` = `revision`.
pub fn decode_value(bytes: &[u8], revision: i64) -> Result<Value, StoreError> {
    let mut object: Value = serde_json::from_slice(bytes)
        .map_err(|error| StoreError::Backend(format!("stored object is not JSON: {error}")))?;
    set_resource_version(&mut object, revision_of(revision))
        .map_err(|error| StoreError::Backend(format!("stored object: {error}")))?;
    Ok(object)
}

/// The object of a key-value pair, at its mod revision.
pub fn decode_kv(kv: &KeyValue) -> Result<Value, StoreError> {
    decode_value(kv.value(), kv.mod_revision())
}

/// etcd's revisions are never negative; a negative one reads as 0.
pub fn revision_of(revision: i64) -> u64 {
    u64::try_from(revision).unwrap_or(0)
}

/// A revision as etcd takes it.
pub fn etcd_revision(revision: u64) -> i64 {
    i64::try_from(revision).unwrap_or(i64::MAX)
}

/// An etcd watch event as the store reports it, with its etcd key; `None` for a key outside
/// the layout or a value that is not an object the store wrote (another program's data under
/// the prefix).
pub fn watch_event(layout: &Layout, event: &Event) -> Option<(String, WatchEvent)> {
    let kv = event.kv()?;
    let etcd_key = std::str::from_utf8(kv.key()).ok()?;
    let key = layout.decode(etcd_key)?;
    let revision = kv.mod_revision();
    let (kind, object) = match event.event_type() {
        EtcdEventType::Put => {
            let kind = if kv.create_revision() == kv.mod_revision() {
                EventType::Added
            } else {
                EventType::Modified
            };
            (kind, decode_kv(kv).ok()?)
        }
        EtcdEventType::Delete => {
            // The last stored object, with the deleting revision (kube-apiserver's DELETED
            // event); etcd keeps it for the watch as long as that revision is not compacted.
            let object = match event.prev_kv() {
                Some(previous) => decode_value(previous.value(), revision).ok()?,
                None => skeleton(&key, revision),
            };
            (EventType::Deleted, object)
        }
    };
    Some((
        etcd_key.to_string(),
        WatchEvent {
            kind,
            key,
            revision: revision_of(revision),
            object,
        },
    ))
}

/// The metadata of a deleted object whose last state etcd no longer has.
fn skeleton(key: &ObjectKey, revision: i64) -> Value {
    let mut metadata = serde_json::json!({"name": key.name});
    if let Some(namespace) = &key.namespace {
        metadata["namespace"] = Value::String(namespace.clone());
    }
    metadata["resourceVersion"] = Value::String(revision_of(revision).to_string());
    serde_json::json!({ "metadata": metadata })
}

/// How an etcd call failed, as the store reports it.
pub fn etcd_error(error: &etcd_client::Error) -> StoreError {
    StoreError::Backend(format!("etcd: {error}"))
}

/// Whether etcd refused a revision that has been compacted away.
pub fn is_compacted(error: &etcd_client::Error) -> bool {
    matches!(error, etcd_client::Error::GRpcStatus(status)
        if status.message().contains("required revision has been compacted"))
}

/// Whether etcd refused a revision it has not reached.
pub fn is_future(error: &etcd_client::Error) -> bool {
    matches!(error, etcd_client::Error::GRpcStatus(status)
        if status.message().contains("required revision is a future revision"))
}

#[cfg(test)]
mod tests;
