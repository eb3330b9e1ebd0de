//! `labelSelector` and `fieldSelector` of list, watch and deletecollection, with Kubernetes'
//! syntax: `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)` for labels;
//! `metadata.name` and `metadata.namespace` with `=`, `==`, `!=` for fields.

use kubeward_core::status::{self, Status};
use serde_json::Value;

use crate::meta;
use crate::pipeline::Context;

/// One label requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LabelRequirement {
    Equals(String, String),
    NotEquals(String, String),
    Exists(String),
    NotExists(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

/// One field requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldRequirement {
    field: String,
    value: String,
    equal: bool,
}

/// The selectors of a request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selectors {
    labels: Vec<LabelRequirement>,
    fields: Vec<FieldRequirement>,
}

impl Selectors {
    /// Parses the request's `labelSelector` and `fieldSelector`; 400 when malformed. Events
    /// also take their own fields (`involvedObject.name`, `reason`, …), as `kubectl describe`
    /// asks for them.
    pub fn from_context(context: &Context<'_>) -> Result<Self, Status> {
        let fields = if context.info.resource == "events" {
            EVENT_FIELDS
        } else {
            &[]
        };
        Self::parse_with(
            context.query("labelSelector").as_deref().unwrap_or(""),
            context.query("fieldSelector").as_deref().unwrap_or(""),
            fields,
        )
    }

    /// Parses selectors, allowing `extra_fields` besides `metadata.name`/`metadata.namespace`.
    fn parse_with(
        label_selector: &str,
        field_selector: &str,
        extra_fields: &[&str],
    ) -> Result<Self, Status> {
        Ok(Self {
            labels: parse_labels(label_selector)?,
            fields: parse_fields(field_selector, extra_fields)?,
        })
    }

    /// Whether `object` is selected.
    pub fn matches(&self, object: &Value) -> bool {
        let labels = meta::labels(object);
        let label = |key: &str| labels.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        let labels_ok = self.labels.iter().all(|requirement| match requirement {
            LabelRequirement::Equals(k, v) => label(k) == Some(v.as_str()),
            LabelRequirement::NotEquals(k, v) => label(k) != Some(v.as_str()),
            LabelRequirement::Exists(k) => label(k).is_some(),
            LabelRequirement::NotExists(k) => label(k).is_none(),
            LabelRequirement::In(k, values) => {
                label(k).is_some_and(|l| values.iter().any(|v| v == l))
            }
            LabelRequirement::NotIn(k, values) => {
                !label(k).is_some_and(|l| values.iter().any(|v| v == l))
            }
        });
        labels_ok
            && self.fields.iter().all(|requirement| {
                let pointer = format!("/{}", requirement.field.replace('.', "/"));
                let actual = object
                    .pointer(&pointer)
                    .and_then(Value::as_str)
                    .unwrap_or("");
                (actual == requirement.value) == requirement.equal
            })
    }
}

/// Splits on commas outside parentheses.
fn split_terms(selector: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in selector.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                terms.push(&selector[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    terms.push(&selector[start..]);
    terms
        .into_iter()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}

fn parse_labels(selector: &str) -> Result<Vec<LabelRequirement>, Status> {
    let invalid = |term: &str| {
        status::bad_request(&format!(
            "unable to parse requirement: found '{term}', expected: valid label selector"
        ))
    };
    split_terms(selector)
        .into_iter()
        .map(|term| {
            if let Some((k, v)) = term.split_once("!=") {
                return Ok(LabelRequirement::NotEquals(
                    k.trim().into(),
                    v.trim().into(),
                ));
            }
            if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
                return Ok(LabelRequirement::Equals(k.trim().into(), v.trim().into()));
            }
            if let Some(key) = term.strip_prefix('!') {
                return Ok(LabelRequirement::NotExists(key.trim().into()));
            }
            for (operator, negate) in [(" notin ", true), (" in ", false)] {
                if let Some((k, rest)) = term.split_once(operator) {
                    let values = rest
                        .trim()
                        .strip_prefix('(')
                        .and_then(|r| r.strip_suffix(')'))
                        .ok_or_else(|| invalid(term))?
                        .split(',')
                        .map(|v| v.trim().to_string())
                        .filter(|v| !v.is_empty())
                        .collect();
                    let key = k.trim().to_string();
                    return Ok(if negate {
                        LabelRequirement::NotIn(key, values)
                    } else {
                        LabelRequirement::In(key, values)
                    });
                }
            }
            if term.contains(' ') || term.contains('(') {
                return Err(invalid(term));
            }
            Ok(LabelRequirement::Exists(term.into()))
        })
        .collect()
}

/// The field labels of events besides the metadata ones (`k8s.io/kubernetes/pkg/apis/core`).
const EVENT_FIELDS: &[&str] = &[
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
];

fn parse_fields(selector: &str, extra_fields: &[&str]) -> Result<Vec<FieldRequirement>, Status> {
    split_terms(selector)
        .into_iter()
        .map(|term| {
            let (field, value, equal) = if let Some((f, v)) = term.split_once("!=") {
                (f, v, false)
            } else if let Some((f, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
                (f, v, true)
            } else {
                return Err(status::bad_request(&format!(
                    "invalid selector: '{term}'; can't understand '{term}'"
                )));
            };
            let field = field.trim();
            if field != "metadata.name"
                && field != "metadata.namespace"
                && !extra_fields.contains(&field)
            {
                return Err(status::bad_request(&format!(
                    "field label not supported: {field}"
                )));
            }
            Ok(FieldRequirement {
                field: field.to_string(),
                value: value.trim().to_string(),
                equal,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
