//! kube-apiserver's validation of the access reviews (`pkg/apis/authorization/validation` and
//! the namespace rules of `pkg/registry/authorization/*`), pure: the decoded request in, the
//! refusal out. Errors are returned as kube-apiserver's registry returns them: 422 for
//! `<empty kind>.authorization.k8s.io ""` (the internal object's kind is empty, so the message
//! starts with `.authorization.k8s.io`), 400 for the namespace checks of the registry.

use kubeward_core::status::{self, BadValue, FieldError, Status};
use serde_json::{Map, Value};

/// The API group of the reviews.
const GROUP: &str = "authorization.k8s.io";
const EXACTLY_ONE: &str =
    "exactly one of nonResourceAttributes or resourceAttributes must be specified";

/// Which review is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    /// SubjectAccessReview (cluster scope, a user or groups in the spec).
    Subject,
    /// SelfSubjectAccessReview (the requester is the subject).
    SelfSubject,
    /// LocalSubjectAccessReview in the request's namespace.
    LocalSubject,
}

/// Checks an access review's request object against `namespace` (the request path's; empty
/// for the cluster-scoped reviews). `metadata.namespace` of a LocalSubjectAccessReview is
/// set to `namespace` first when empty, as kube-apiserver's create handler does.
pub fn access_review(review: Review, request: &mut Value, namespace: &str) -> Result<(), Status> {
    if review == Review::LocalSubject {
        local_namespace(request, namespace)?;
    }
    let empty = Value::Object(Map::new());
    let spec = request.get("spec").unwrap_or(&empty);
    let mut errors = spec_errors(review, spec);
    errors.extend(metadata_errors(review, request.get("metadata")));
    if review == Review::LocalSubject {
        errors.extend(local_errors(request, spec));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(status::invalid(GROUP, "", "", errors))
    }
}

/// `EnsureObjectNamespaceMatchesRequestNamespace`: an empty `metadata.namespace` becomes the
/// request's, another one is refused.
fn local_namespace(request: &mut Value, namespace: &str) -> Result<(), Status> {
    let declared = request
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if declared.is_empty() {
        if let Some(object) = request.as_object_mut() {
            let metadata = object
                .entry("metadata")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(metadata) = metadata.as_object_mut() {
                metadata.insert("namespace".into(), Value::String(namespace.to_string()));
            }
        }
        return Ok(());
    }
    if declared != namespace {
        return Err(status::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    Ok(())
}

fn present<'a>(spec: &'a Value, field: &str) -> Option<&'a Value> {
    spec.get(field).filter(|v| !v.is_null())
}

fn non_resource_value(spec: &Value) -> BadValue {
    match present(spec, "nonResourceAttributes") {
        Some(value) => BadValue::json(value),
        None => BadValue::Null,
    }
}

fn spec_errors(review: Review, spec: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let resource = present(spec, "resourceAttributes");
    let non_resource = present(spec, "nonResourceAttributes");
    if resource.is_some() == non_resource.is_some() {
        errors.push(FieldError::invalid(
            "spec",
            non_resource_value(spec),
            EXACTLY_ONE,
        ));
    }
    if review != Review::SelfSubject {
        let user = spec.get("user").and_then(Value::as_str).unwrap_or("");
        let no_groups = spec
            .get("groups")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty);
        if user.is_empty() && no_groups {
            errors.push(FieldError::invalid(
                "spec.user",
                user,
                "at least one of user or group must be specified",
            ));
        }
    }
    if let Some(resource) = resource {
        for selector in ["fieldSelector", "labelSelector"] {
            if let Some(selector_value) = present(resource, selector) {
                errors.extend(selector_errors(
                    &format!("spec.resourceAttributes.{selector}"),
                    selector_value,
                ));
            }
        }
    }
    errors
}

/// A field or label selector of the resource attributes: a raw selector or requirements,
/// not both.
fn selector_errors(path: &str, selector: &Value) -> Vec<FieldError> {
    let raw = selector
        .get("rawSelector")
        .and_then(Value::as_str)
        .unwrap_or("");
    let has_requirements = selector
        .get("requirements")
        .and_then(Value::as_array)
        .is_some_and(|r| !r.is_empty());
    let mut errors = Vec::new();
    if !raw.is_empty() && has_requirements {
        errors.push(FieldError::invalid(
            &format!("{path}.rawSelector"),
            raw,
            "may not specified at the same time as requirements",
        ));
    }
    if raw.is_empty() && !has_requirements {
        errors.push(FieldError::required(
            &format!("{path}.requirements"),
            &format!("when {path} is specified, requirements or rawSelector is required"),
        ));
    }
    errors
}

/// `metadata` must be empty but for `managedFields` (and the namespace of a
/// LocalSubjectAccessReview).
fn metadata_errors(review: Review, metadata: Option<&Value>) -> Vec<FieldError> {
    let Some(Value::Object(fields)) = metadata else {
        return Vec::new();
    };
    let set = fields.iter().any(|(name, value)| {
        let ignored =
            name == "managedFields" || (review == Review::LocalSubject && name == "namespace");
        !ignored && !is_zero(value)
    });
    if !set {
        return Vec::new();
    }
    let detail = if review == Review::LocalSubject {
        "must be empty except for namespace"
    } else {
        "must be empty"
    };
    vec![FieldError::invalid(
        "metadata",
        BadValue::json(metadata.unwrap_or(&Value::Null)),
        detail,
    )]
}

/// Go's zero value as the decoded object holds it: null, "", 0, false, an empty list or map.
fn is_zero(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

fn local_errors(request: &Value, spec: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let namespace = request
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("");
    if let Some(resource) = present(spec, "resourceAttributes") {
        let declared = resource
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        if declared != namespace {
            errors.push(FieldError::invalid(
                "spec.resourceAttributes.namespace",
                declared,
                "must match metadata.namespace",
            ));
        }
    }
    if present(spec, "nonResourceAttributes").is_some() {
        errors.push(FieldError::invalid(
            "spec.nonResourceAttributes",
            non_resource_value(spec),
            "disallowed on this kind of request",
        ));
    }
    errors
}

/// SelfSubjectRulesReview: `spec.namespace` is required (kube-apiserver's registry answers 400
/// `no namespace on request`).
pub fn rules_review(spec: &Value) -> Result<&str, Status> {
    match spec.get("namespace").and_then(Value::as_str) {
        Some(namespace) if !namespace.is_empty() => Ok(namespace),
        _ => Err(status::bad_request("no namespace on request")),
    }
}

#[cfg(test)]
mod tests;
