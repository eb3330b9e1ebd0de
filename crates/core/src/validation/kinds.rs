//! The kind-specific checks of Kubernetes' core validation (`pkg/apis/core/validation`) that
//! go beyond object metadata, for the kinds kubeward stores: ConfigMap and Secret data (keys and
//! the 1 MiB limit), a Secret's type rules, a Pod's containers.

use serde_json::Value;

use super::content;
use crate::status::FieldError;

/// The most bytes a ConfigMap's or a Secret's data may hold (`core.MaxSecretSize`, 1 MiB).
pub const MAX_DATA_SIZE: usize = 1024 * 1024;

/// The size in bytes of a base64 value as JSON carries Go's `[]byte` (standard alphabet,
/// padded); the decoder has already refused what is not base64.
fn decoded_len(encoded: &str) -> usize {
    let padding = encoded.bytes().rev().take_while(|b| *b == b'=').count();
    (encoded.len() / 4 * 3).saturating_sub(padding)
}

fn entries<'a>(object: &'a Value, field: &str) -> Vec<(&'a String, &'a Value)> {
    let mut entries: Vec<(&String, &Value)> = object
        .get(field)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

fn key_errors(field: &str, key: &str) -> Vec<FieldError> {
    content::config_map_key(key)
        .into_iter()
        .map(|message| FieldError::invalid(&format!("{field}[{key}]"), key, &message))
        .collect()
}

/// `ValidateConfigMap` (beyond metadata): data and binaryData keys, no key in both, at most
/// 1 MiB in all.
pub fn config_map(object: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let data = entries(object, "data");
    let binary = entries(object, "binaryData");
    let mut total = 0;
    for (key, value) in &data {
        errors.extend(key_errors("data", key));
        if binary.iter().any(|(k, _)| k == key) {
            errors.push(FieldError::invalid(
                &format!("data[{key}]"),
                key.as_str(),
                "duplicate of key present in binaryData",
            ));
        }
        total += value.as_str().map_or(0, str::len);
    }
    for (key, value) in &binary {
        errors.extend(key_errors("binaryData", key));
        total += value.as_str().map_or(0, decoded_len);
    }
    if total > MAX_DATA_SIZE {
        errors.push(FieldError::too_long(
            "[]",
            &format!("must have at most {MAX_DATA_SIZE} bytes"),
        ));
    }
    errors
}

/// `ValidateSecret` (beyond metadata): data keys, at most 1 MiB, and the rules of the common
/// types. `stringData` counts as data, as the API merges it before validation.
pub fn secret(object: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let data = entries(object, "data");
    let string_data = entries(object, "stringData");
    let mut total = 0;
    for (key, value) in &data {
        if string_data.iter().any(|(k, _)| k == key) {
            continue;
        }
        errors.extend(key_errors("data", key));
        total += value.as_str().map_or(0, decoded_len);
    }
    for (key, value) in &string_data {
        errors.extend(key_errors("data", key));
        total += value.as_str().map_or(0, str::len);
    }
    if total > MAX_DATA_SIZE {
        errors.push(FieldError::too_long(
            "data",
            &format!("must have at most {MAX_DATA_SIZE} bytes"),
        ));
    }
    let has = |key: &str| {
        data.iter().any(|(k, _)| *k == key) || string_data.iter().any(|(k, _)| *k == key)
    };
    let secret_type = object.get("type").and_then(Value::as_str).unwrap_or("");
    match secret_type {
        "kubernetes.io/service-account-token" => {
            let annotated = object
                .pointer("/metadata/annotations/kubernetes.io~1service-account.name")
                .and_then(Value::as_str)
                .is_some_and(|name| !name.is_empty());
            if !annotated {
                errors.push(FieldError::required(
                    "metadata.annotations[kubernetes.io/service-account.name]",
                    "",
                ));
            }
        }
        "kubernetes.io/dockercfg" if !has(".dockercfg") => {
            errors.push(FieldError::required("data[.dockercfg]", ""));
        }
        "kubernetes.io/dockerconfigjson" if !has(".dockerconfigjson") => {
            errors.push(FieldError::required("data[.dockerconfigjson]", ""));
        }
        "kubernetes.io/basic-auth" if !has("username") && !has("password") => {
            errors.push(FieldError::required("data[username]", ""));
            errors.push(FieldError::required("data[password]", ""));
        }
        "kubernetes.io/ssh-auth" if !has("ssh-privatekey") => {
            errors.push(FieldError::required("data[ssh-privatekey]", ""));
        }
        "kubernetes.io/tls" => {
            for key in ["tls.crt", "tls.key"] {
                if !has(key) {
                    errors.push(FieldError::required(&format!("data[{key}]"), ""));
                }
            }
        }
        _ => {}
    }
    errors
}

/// The spec finalizers of a Namespace (`ValidateNamespace`): each a qualified name, and either
/// a standard finalizer or fully qualified.
pub fn namespace_finalizers(object: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for finalizer in object
        .pointer("/spec/finalizers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        for message in content::label_key(finalizer) {
            errors.push(FieldError::invalid("spec.finalizers", finalizer, &message));
        }
        if !finalizer.contains('/') && !super::object_meta::STANDARD_FINALIZERS.contains(&finalizer)
        {
            errors.push(FieldError::invalid(
                "spec.finalizers",
                finalizer,
                "name is neither a standard finalizer name nor is it fully qualified",
            ));
        }
    }
    errors
}

/// The container checks of `ValidatePodSpec` at `path` (`spec` of a Pod, `spec.template.spec`
/// of a workload): at least one container, each named with a unique DNS-1123 label and with an
/// image.
pub fn pod_spec(spec: Option<&Value>, path: &str) -> Vec<FieldError> {
    let containers: Vec<&Value> = spec
        .and_then(|s| s.get("containers"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let field = format!("{path}.containers");
    if containers.is_empty() {
        return vec![FieldError::required(&field, "")];
    }
    let mut errors = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (i, container) in containers.iter().enumerate() {
        let at = |name: &str| format!("{field}[{i}].{name}");
        let name = container.get("name").and_then(Value::as_str).unwrap_or("");
        if name.is_empty() {
            errors.push(FieldError::required(&at("name"), ""));
        } else {
            for message in content::dns1123_label(name) {
                errors.push(FieldError::invalid(&at("name"), name, &message));
            }
        }
        let image = container.get("image").and_then(Value::as_str).unwrap_or("");
        if image.is_empty() {
            errors.push(FieldError::required(&at("image"), ""));
        }
        if seen.contains(&name) {
            errors.push(FieldError::duplicate(&at("name"), name));
        } else {
            seen.push(name);
        }
    }
    errors
}

#[cfg(test)]
mod tests;
