//! `ValidateObjectMeta` and `ValidateObjectMetaUpdate` of apimachinery (with the finalizer check
//! that Kubernetes' core validation adds), over an object's `metadata` as JSON. Go iterates maps
//! in random order; errors about labels and annotations come here in key order.

use serde_json::{Map, Value};

use super::content;
use super::names::NameRule;
use crate::status::{BadValue, FieldError};

/// The most bytes all annotations of an object may hold together (keys and values).
pub const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

/// The finalizers Kubernetes defines without a domain prefix (`helper.IsStandardFinalizerName`),
/// and the one apiextensions-apiserver puts on every CustomResourceDefinition (whose metadata
/// validation, apimachinery's, does not ask for a prefix).
pub const STANDARD_FINALIZERS: [&str; 4] = [
    "kubernetes",
    "orphan",
    "foregroundDeletion",
    "customresourcecleanup.apiextensions.k8s.io",
];

fn metadata(object: &Value) -> Option<&Map<String, Value>> {
    object.get("metadata").and_then(Value::as_object)
}

fn text<'a>(metadata: Option<&'a Map<String, Value>>, field: &str) -> &'a str {
    metadata
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn string_map(metadata: Option<&Map<String, Value>>, field: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = metadata
        .and_then(|m| m.get(field))
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
        .collect();
    pairs.sort();
    pairs
}

fn strings(metadata: Option<&Map<String, Value>>, field: &str) -> Vec<String> {
    metadata
        .and_then(|m| m.get(field))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// The metadata checks of a create: `generateName` and `name` by `rule`, the namespace (required
/// and a DNS-1123 label when `namespaced`, forbidden otherwise), generation, labels,
/// annotations, owner references and finalizers. The name must already be generated.
pub fn validate_create(object: &Value, namespaced: bool, rule: NameRule) -> Vec<FieldError> {
    let meta = metadata(object);
    let mut errors = Vec::new();
    let generate_name = text(meta, "generateName");
    if !generate_name.is_empty() {
        for message in rule.check(generate_name, true) {
            errors.push(FieldError::invalid(
                "metadata.generateName",
                generate_name,
                &message,
            ));
        }
    }
    let name = text(meta, "name");
    if name.is_empty() {
        errors.push(FieldError::required(
            "metadata.name",
            "name or generateName is required",
        ));
    } else {
        for message in rule.check(name, false) {
            errors.push(FieldError::invalid("metadata.name", name, &message));
        }
    }
    let namespace = text(meta, "namespace");
    if namespaced {
        if namespace.is_empty() {
            errors.push(FieldError::required("metadata.namespace", ""));
        } else {
            for message in NameRule::Dns1123Label.check(namespace, false) {
                errors.push(FieldError::invalid(
                    "metadata.namespace",
                    namespace,
                    &message,
                ));
            }
        }
    } else if !namespace.is_empty() {
        errors.push(FieldError::forbidden(
            "metadata.namespace",
            "not allowed on this type",
        ));
    }
    if let Some(generation) = meta
        .and_then(|m| m.get("generation"))
        .and_then(Value::as_i64)
        && generation < 0
    {
        errors.push(FieldError::invalid(
            "metadata.generation",
            generation,
            "must be greater than or equal to 0",
        ));
    }
    errors.extend(common(meta));
    errors
}

/// The checks of an update of `old` into `new` beyond what the server keeps itself: labels,
/// annotations, owner references, finalizers (none added once deletion started), an immutable
/// uid.
pub fn validate_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let (new_meta, old_meta) = (metadata(new), metadata(old));
    let mut errors = Vec::new();
    let deleting = !text(old_meta, "deletionTimestamp").is_empty();
    if deleting {
        let old_finalizers = strings(old_meta, "finalizers");
        let mut added: Vec<String> = strings(new_meta, "finalizers")
            .into_iter()
            .filter(|f| !old_finalizers.contains(f))
            .collect();
        added.sort();
        added.dedup();
        if !added.is_empty() {
            let quoted: Vec<String> = added.iter().map(|f| crate::go::quote(f)).collect();
            errors.push(FieldError::forbidden(
                "metadata.finalizers",
                &format!(
                    "no new finalizers can be added if the object is being deleted, found new finalizers []string{{{}}}",
                    quoted.join(", ")
                ),
            ));
        }
    }
    let (new_uid, old_uid) = (text(new_meta, "uid"), text(old_meta, "uid"));
    if !new_uid.is_empty() && new_uid != old_uid {
        errors.push(FieldError::invalid(
            "metadata.uid",
            new_uid,
            "field is immutable",
        ));
    }
    errors.extend(common(new_meta));
    errors
}

/// What create and update both check.
fn common(meta: Option<&Map<String, Value>>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (key, value) in string_map(meta, "labels") {
        for message in content::label_key(&key) {
            errors.push(FieldError::invalid(
                "metadata.labels",
                key.as_str(),
                &message,
            ));
        }
        for message in content::label_value(&value) {
            errors.push(FieldError::invalid(
                "metadata.labels",
                value.as_str(),
                &message,
            ));
        }
    }
    let annotations = string_map(meta, "annotations");
    for (key, _) in &annotations {
        for message in content::label_key(&key.to_lowercase()) {
            errors.push(FieldError::invalid(
                "metadata.annotations",
                key.as_str(),
                &message,
            ));
        }
    }
    let size: usize = annotations.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > TOTAL_ANNOTATION_SIZE_LIMIT {
        errors.push(FieldError::too_long(
            "metadata.annotations",
            &format!("must have at most {TOTAL_ANNOTATION_SIZE_LIMIT} bytes"),
        ));
    }
    errors.extend(owner_references(meta));
    errors.extend(finalizers(meta));
    errors
}

/// `ValidateOwnerReferences`.
fn owner_references(meta: Option<&Map<String, Value>>) -> Vec<FieldError> {
    let references: Vec<&Value> = meta
        .and_then(|m| m.get("ownerReferences"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let field = "metadata.ownerReferences";
    let mut errors = Vec::new();
    let mut first_controller: Option<String> = None;
    for reference in &references {
        let get = |name: &str| reference.get(name).and_then(Value::as_str).unwrap_or("");
        let api_version = get("apiVersion");
        let (group, version) = match api_version.split_once('/') {
            Some((group, version)) => (group, version),
            None => ("", api_version),
        };
        if version.is_empty() {
            errors.push(FieldError::invalid(
                &format!("{field}.apiVersion"),
                api_version,
                "version must not be empty",
            ));
        }
        for name in ["kind", "name", "uid"] {
            if get(name).is_empty() {
                errors.push(FieldError::invalid(
                    &format!("{field}.{name}"),
                    "",
                    "must not be empty",
                ));
            }
        }
        if group.is_empty() && version == "v1" && get("kind") == "Event" {
            errors.push(FieldError::invalid(
                field,
                BadValue::json(reference),
                "/v1, Kind=Event is disallowed from being an owner",
            ));
        }
        if reference.get("controller").and_then(Value::as_bool) == Some(true) {
            let current = format!("{}/{}", get("kind"), get("name"));
            match &first_controller {
                Some(first) => errors.push(FieldError::invalid(
                    field,
                    BadValue::json(&references),
                    &format!(
                        "Only one reference can have Controller set to true. Found \"true\" in references for {first} and {current}"
                    ),
                )),
                None => first_controller = Some(current),
            }
        }
    }
    errors
}

/// `ValidateFinalizers` and core's `validateKubeFinalizerName`.
fn finalizers(meta: Option<&Map<String, Value>>) -> Vec<FieldError> {
    let finalizers = strings(meta, "finalizers");
    let mut errors = Vec::new();
    for finalizer in &finalizers {
        for message in content::label_key(finalizer) {
            errors.push(FieldError::invalid(
                "metadata.finalizers",
                finalizer.as_str(),
                &message,
            ));
        }
    }
    if finalizers.iter().any(|f| f == "orphan")
        && finalizers.iter().any(|f| f == "foregroundDeletion")
    {
        errors.push(FieldError::invalid(
            "metadata.finalizers",
            BadValue::json(&finalizers),
            "finalizer orphan and foregroundDeletion cannot be both set",
        ));
    }
    for (i, finalizer) in finalizers.iter().enumerate() {
        if !finalizer.contains('/') && !STANDARD_FINALIZERS.contains(&finalizer.as_str()) {
            errors.push(FieldError::invalid(
                &format!("metadata.finalizers[{i}]"),
                finalizer.as_str(),
                "name is neither a standard finalizer name nor is it fully qualified",
            ));
        }
    }
    errors
}

#[cfg(test)]
mod tests;
