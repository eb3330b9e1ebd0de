//! Secrets as kube-apiserver writes them: `stringData` merged into `data` (the conversion into
//! the internal version does it, so `stringData` is never stored or returned), `type` defaulted
//! to `Opaque`, then `ValidateSecret` and `ValidateSecretUpdate` (type immutable; an
//! `immutable` Secret's data frozen).

use base64::Engine as _;
use kubeward_core::status::FieldError;
use kubeward_core::validation::kinds;
use serde_json::{Value, json};

use crate::registry::kinds::workloads::{object_at, set_default};
use crate::registry::kinds::{Admission, Strategy};
use crate::registry::printing::text;

/// Secrets: data keys, the 1 MiB limit, the rules of the common types.
pub struct SecretStrategy;

impl Strategy for SecretStrategy {
    fn prepare_for_create(&self, _request: &Admission<'_>, object: &mut Value) {
        normalize(object);
    }

    fn prepare_for_update(&self, _request: &Admission<'_>, _current: &Value, next: &mut Value) {
        normalize(next);
    }

    fn validate(&self, object: &Value) -> Vec<FieldError> {
        kinds::secret(object)
    }

    fn validate_update(&self, next: &Value, current: &Value) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let kind = text(next, "/type");
        if kind != text(current, "/type") {
            errors.push(FieldError::invalid("type", kind, "field is immutable"));
        }
        if current.get("immutable") == Some(&json!(true)) {
            let message = "field is immutable when `immutable` is set";
            if next.get("immutable") != Some(&json!(true)) {
                errors.push(FieldError::forbidden("immutable", message));
            }
            if next.get("data") != current.get("data") {
                errors.push(FieldError::forbidden("data", message));
            }
        }
        errors.extend(self.validate(next));
        errors
    }
}

/// `stringData` overwrites the same keys of `data`, base64-encoded, and is dropped; an empty
/// `type` is `Opaque`.
fn normalize(object: &mut Value) {
    let string_data = object
        .as_object_mut()
        .and_then(|map| map.remove("stringData"));
    if let Some(Value::Object(entries)) = string_data
        && !entries.is_empty()
    {
        let data = object_at(object, &["data"]);
        for (key, value) in entries {
            let plain = value.as_str().unwrap_or_default();
            data.insert(
                key,
                json!(base64::engine::general_purpose::STANDARD.encode(plain)),
            );
        }
    }
    if let Some(map) = object.as_object_mut() {
        if map.get("type").and_then(Value::as_str) == Some("") {
            map.remove("type");
        }
        set_default(map, "type", json!("Opaque"));
    }
}

#[cfg(test)]
mod tests;
