//! `labelSelector` and `fieldSelector` of list, watch and deletecollection: core's parsers
//! (apimachinery's grammar), the field labels each kind supports (its field label conversion),
//! and matching against stored objects.

use kubeward_core::selectors::{fields, labels};
use kubeward_core::status::{self, Status};
use serde_json::Value;

use super::kinds::Kind;

/// The selectors of a request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selectors {
    labels: labels::Selector,
    fields: fields::Selector,
}

impl Selectors {
    /// Parses the request's `labelSelector` and `fieldSelector` for `kind`: 400 when malformed
    /// or when a field label is not one the kind supports, in kube-apiserver's words.
    pub fn parse(kind: &Kind, label_selector: &str, field_selector: &str) -> Result<Self, Status> {
        let labels = labels::parse(label_selector).map_err(|e| status::bad_request(&e))?;
        let fields = fields::parse(field_selector).map_err(|e| status::bad_request(&e))?;
        let mut selectors = Self { labels, fields };
        for requirement in &mut selectors.fields.requirements {
            requirement.field = field_label(kind, &requirement.field)?;
        }
        Ok(selectors)
    }

    /// Whether nothing is filtered out.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.fields.requirements.is_empty()
    }

    /// Whether `object` is selected.
    pub fn matches(&self, object: &Value) -> bool {
        let labels = object.pointer("/metadata/labels");
        let label = |key: &str| labels.and_then(|l| l.get(key)).and_then(Value::as_str);
        self.labels.matches(label) && self.fields.matches(|field| field_value(object, field))
    }
}

/// The supported form of a field label of `kind` (`spec.host` is `spec.nodeName` for pods), or
/// kube-apiserver's 400.
fn field_label(kind: &Kind, label: &str) -> Result<String, Status> {
    match kind.field_labels {
        None => match label {
            "metadata.name" | "metadata.namespace" => Ok(label.to_string()),
            _ => Err(status::bad_request(&format!(
                "{} is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
                kubeward_core::go::quote(label)
            ))),
        },
        Some(supported) => {
            if kind.resource == "pods" && label == "spec.host" {
                return Ok("spec.nodeName".to_string());
            }
            if supported.contains(&label) {
                Ok(label.to_string())
            } else {
                Err(status::bad_request(&format!(
                    "field label not supported: {label}"
                )))
            }
        }
    }
}

/// The value of a field label on `object`, as the registry's field set spells it (booleans as
/// `true`/`false`).
fn field_value<'a>(object: &'a Value, field: &str) -> Option<&'a str> {
    let pointer = format!("/{}", field.replace('.', "/"));
    match object.pointer(&pointer)? {
        Value::String(text) => Some(text),
        Value::Bool(true) => Some("true"),
        Value::Bool(false) => Some("false"),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
