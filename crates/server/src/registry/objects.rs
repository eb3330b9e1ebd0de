//! Object metadata as kube-apiserver's generic registry sets it: names from `generateName`, uids,
//! creation timestamps, and reading the few fields every handler needs.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The characters of `generateName` suffixes (`k8s.io/apimachinery/pkg/util/rand`: no vowels, no
/// look-alikes).
const SUFFIX_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// The longest `generateName` prefix kept (63 characters minus the five of the suffix).
const MAX_GENERATED_PREFIX_LENGTH: usize = 58;

/// `metadata.name`, or `""`.
pub fn name(object: &Value) -> &str {
    object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// `metadata.namespace`, or `""`.
pub fn namespace(object: &Value) -> &str {
    object
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// `metadata.resourceVersion`, or `""`.
pub fn resource_version(object: &Value) -> &str {
    object
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Whether the object is being deleted (`metadata.deletionTimestamp` set, or a Namespace in
/// phase `Terminating`).
pub fn is_terminating(object: &Value) -> bool {
    object
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|t| !t.is_null())
        || object.pointer("/status/phase").and_then(Value::as_str) == Some("Terminating")
}

/// `metadata.uid`, or `""`.
pub fn uid(object: &Value) -> &str {
    object
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// A JSON array of strings as strings (other items and other values ignored).
pub fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// The `metadata` object, created if missing or not an object.
pub fn metadata_mut(object: &mut Value) -> &mut serde_json::Map<String, Value> {
    if !object.is_object() {
        *object = json!({});
    }
    let map = object.as_object_mut().expect("made an object above");
    let metadata = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    if !metadata.is_object() {
        *metadata = Value::Object(serde_json::Map::new());
    }
    metadata.as_object_mut().expect("made an object above")
}

/// A timestamp as Kubernetes writes them: RFC 3339, whole seconds, UTC (`2026-11-22T10:23:22Z`).
pub fn timestamp(at: OffsetDateTime) -> String {
    let at = at
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(at);
    at.format(&Rfc3339).unwrap_or_default()
}

/// Parses a Kubernetes timestamp.
pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// `metadata.creationTimestamp`, parsed.
pub fn creation_time(object: &Value) -> Option<OffsetDateTime> {
    object
        .pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .and_then(parse_timestamp)
}

/// Whether the server picks the object's name: `generateName` set, `name` empty
/// (kube-apiserver's `needsNameGeneration`).
pub fn needs_name_generation(object: &Value) -> bool {
    let text = |field: &str| {
        object
            .pointer(field)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    text("/metadata/name").is_empty() && !text("/metadata/generateName").is_empty()
}

/// A random `generateName` suffix of five characters.
pub fn random_suffix() -> String {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    bytes
        .iter()
        .take(5)
        .map(|b| SUFFIX_ALPHABET[usize::from(*b) % SUFFIX_ALPHABET.len()] as char)
        .collect()
}

/// Sets what kube-apiserver sets on create: the name (from `generateName` when empty), the
/// namespace, a fresh uid, the creation timestamp; drops what clients may not set
/// (`managedFields` are the field manager's: `registry::field_manager`).
pub fn prepare_create(object: &mut Value, namespace: Option<&str>, now: OffsetDateTime) {
    let metadata = metadata_mut(object);
    let name = metadata
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if name.is_empty()
        && let Some(prefix) = metadata.get("generateName").and_then(Value::as_str)
        && !prefix.is_empty()
    {
        // kube-apiserver's name generator keeps at most 58 bytes of the prefix, so that a
        // generated name fits a DNS-1123 label.
        let mut end = prefix.len().min(MAX_GENERATED_PREFIX_LENGTH);
        while !prefix.is_char_boundary(end) {
            end -= 1;
        }
        let generated = format!("{}{}", &prefix[..end], random_suffix());
        metadata.insert("name".into(), Value::String(generated));
    }
    match namespace {
        Some(ns) => {
            metadata.insert("namespace".into(), Value::String(ns.to_string()));
        }
        None => {
            metadata.remove("namespace");
        }
    }
    metadata.insert(
        "uid".into(),
        Value::String(uuid::Uuid::new_v4().to_string()),
    );
    metadata.insert("creationTimestamp".into(), Value::String(timestamp(now)));
    for field in [
        "resourceVersion",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "selfLink",
    ] {
        metadata.remove(field);
    }
}

/// What kube-apiserver keeps of `stored` on an update (`BeforeUpdate`): the creation time, name,
/// namespace, generation and deletion fields; the uid only when the update leaves it out (a
/// different one is refused by validation).
pub fn preserve_on_update(object: &mut Value, stored: &Value) {
    let stored_meta = stored.get("metadata").cloned().unwrap_or(Value::Null);
    let metadata = metadata_mut(object);
    let given_uid = metadata
        .get("uid")
        .and_then(Value::as_str)
        .is_some_and(|uid| !uid.is_empty());
    let mut kept = vec![
        "creationTimestamp",
        "name",
        "namespace",
        "generation",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    ];
    if !given_uid {
        kept.push("uid");
    }
    for field in kept {
        match stored_meta.get(field) {
            Some(value) => {
                metadata.insert(field.into(), value.clone());
            }
            None => {
                metadata.remove(field);
            }
        }
    }
}

#[cfg(test)]
mod tests;
