//! Key encoding: `group␀resource␀namespace␀name`, so that one resource (and one namespace of it)
//! is a contiguous, sorted range. Names cannot contain `␀`.

use crate::{ListScope, ObjectKey};

const SEPARATOR: char = '\u{0}';
/// The character after the separator, ending a prefix range.
const AFTER_SEPARATOR: char = '\u{1}';

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

/// The object key of a stored key.
pub fn decode_key(encoded: &str) -> Option<ObjectKey> {
    let mut parts = encoded.splitn(4, SEPARATOR);
    let group = parts.next()?.to_string();
    let resource = parts.next()?.to_string();
    let namespace = parts.next()?;
    let name = parts.next()?.to_string();
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
