//! Key encoding: `group␀resource␀namespace␀name`, so that one resource (and one namespace of it)
//! is a contiguous range sorted by namespace then name. Cluster-scoped objects have an empty
//! namespace. No part of a key may contain `␀` ([`check_key`] refuses it), so keys decode
//! unambiguously and one namespace's range never holds another's objects.

use crate::model::{ListScope, ObjectKey, StoreError};

const SEPARATOR: char = '\u{0}';
/// The character after the separator, ending a prefix range.
const AFTER_SEPARATOR: char = '\u{1}';

/// Refuses a key that cannot be encoded unambiguously (a part containing the separator) or
/// that has no name.
pub fn check_key(key: &ObjectKey) -> Result<(), StoreError> {
    let parts = [
        ("group", key.group.as_str()),
        ("resource", key.resource.as_str()),
        ("namespace", key.namespace.as_deref().unwrap_or("")),
        ("name", key.name.as_str()),
    ];
    for (what, part) in parts {
        if part.contains(SEPARATOR) {
            return Err(StoreError::Invalid(format!(
                "the {what} contains a NUL character"
            )));
        }
    }
    if key.name.is_empty() {
        return Err(StoreError::Invalid("the name is empty".to_string()));
    }
    if key.resource.is_empty() {
        return Err(StoreError::Invalid("the resource is empty".to_string()));
    }
    Ok(())
}

/// The key as stored events carry it: an empty namespace is no namespace.
pub fn normalize(key: &ObjectKey) -> ObjectKey {
    ObjectKey {
        namespace: key.namespace.clone().filter(|ns| !ns.is_empty()),
        ..key.clone()
    }
}

/// The stored key of an object.
pub fn encode_key(key: &ObjectKey) -> String {
    format!(
        "{}{SEPARATOR}{}{SEPARATOR}{}{SEPARATOR}{}",
        key.group,
        key.resource,
        key.namespace.as_deref().unwrap_or(""),
        key.name
    )
}

/// The object key of a stored key; `None` when it is not one [`encode_key`] makes.
pub fn decode_key(encoded: &str) -> Option<ObjectKey> {
    let mut parts = encoded.split(SEPARATOR);
    let group = parts.next()?.to_string();
    let resource = parts.next()?.to_string();
    let namespace = parts.next()?;
    let name = parts.next()?.to_string();
    if parts.next().is_some() {
        return None;
    }
    Some(ObjectKey {
        group,
        resource,
        namespace: (!namespace.is_empty()).then(|| namespace.to_string()),
        name,
    })
}

/// The half-open range of stored keys in `scope`.
pub fn scope_range(scope: &ListScope) -> (String, String) {
    let mut prefix = format!("{}{SEPARATOR}{}", scope.group, scope.resource);
    if let Some(namespace) = &scope.namespace {
        prefix.push(SEPARATOR);
        prefix.push_str(namespace);
    }
    (
        format!("{prefix}{SEPARATOR}"),
        format!("{prefix}{AFTER_SEPARATOR}"),
    )
}

/// Whether `key` is in `scope`, exactly as [`scope_range`] decides it for stored keys (an empty
/// namespace in the scope means the cluster-scoped objects).
pub fn in_scope(scope: &ListScope, key: &ObjectKey) -> bool {
    key.group == scope.group
        && key.resource == scope.resource
        && scope
            .namespace
            .as_deref()
            .is_none_or(|ns| ns == key.namespace.as_deref().unwrap_or(""))
}

#[cfg(test)]
mod tests;
