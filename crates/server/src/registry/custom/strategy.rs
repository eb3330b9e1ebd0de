//! What a write of a custom resource does, as apiextensions-apiserver's `customResourceStrategy`:
//! the version's schema defaults and prunes the object and validates it (its validation rules
//! included); with the `status`
//! subresource, a create drops the status and `metadata.generation` counts changes of
//! everything but metadata and status (without it, of everything but metadata). Tables show the
//! version's `additionalPrinterColumns` (an `Age` column when it has none).

use kubeward_core::status::{BadValue, FieldError, FieldErrorType};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::ratchet;
use super::rules::Rules;
use super::schema;
use crate::registry::jsonpath::{self, Path};
use crate::registry::kinds::{Admission, Strategy};
use crate::registry::{objects, printing};

/// One printer column of a version.
#[derive(Debug, Clone)]
pub struct PrinterColumn {
    name: String,
    kind: String,
    format: String,
    description: String,
    priority: i64,
    path: Option<Path>,
}

impl PrinterColumn {
    /// The columns of a definition's version (`Age` when it declares none, as kube-apiserver
    /// serves them).
    pub fn of_version(version: &Value) -> Vec<Self> {
        let declared: Vec<Self> = version
            .get("additionalPrinterColumns")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|column| {
                let text = |field: &str| {
                    column
                        .get(field)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                };
                Self {
                    name: text("name"),
                    kind: text("type"),
                    format: text("format"),
                    description: text("description"),
                    priority: column.get("priority").and_then(Value::as_i64).unwrap_or(0),
                    path: Path::parse(&text("jsonPath")).ok(),
                }
            })
            .collect();
        if !declared.is_empty() {
            return declared;
        }
        vec![Self {
            name: "Age".to_string(),
            kind: "date".to_string(),
            format: String::new(),
            description: "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata".to_string(),
            priority: 0,
            path: Path::parse(".metadata.creationTimestamp").ok(),
        }]
    }

    /// The cell of `object`, as kube-apiserver's Table convertor computes it.
    fn cell(&self, object: &Value, now: OffsetDateTime) -> Value {
        let Some(found) = self
            .path
            .as_ref()
            .and_then(|path| path.find(object).first().copied())
        else {
            return Value::Null;
        };
        match (self.kind.as_str(), found) {
            ("string", value) => json!(jsonpath::text(value)),
            ("integer", Value::Number(n)) => n
                .as_i64()
                .map_or_else(|| json!(n.as_f64().unwrap_or(0.0) as i64), |i| json!(i)),
            ("number", Value::Number(n)) => json!(n.as_f64().unwrap_or(0.0)),
            ("boolean", Value::Bool(b)) => json!(b),
            ("date", Value::String(text)) => match objects::parse_timestamp(text) {
                Some(at) => json!(printing::human_duration((now - at).whole_seconds())),
                None => json!("<invalid>"),
            },
            _ => Value::Null,
        }
    }
}

/// The schema's errors of `object` (on an update, those at unchanged values ratcheted away),
/// then its validation rules' (transition rules against `old`; on an update, the other rules
/// of an unchanged node are not run)
/// — unless a value has the wrong type or is not one of its `enum`, where apiextensions-apiserver
/// says instead that the rules were not checked (`hasBlockingErr`).
fn checked(
    schema: &Value,
    rules: Option<&Rules>,
    object: &Value,
    old: Option<&Value>,
) -> Vec<FieldError> {
    let mut errors = schema::validate(schema, object);
    if let Some(old) = old {
        errors.retain(|e| !ratchet::unchanged(&e.field, schema, object, old));
    }
    let Some(rules) = rules else {
        return errors;
    };
    let blocking = errors.iter().any(|e| {
        matches!(
            e.error_type,
            FieldErrorType::NotSupported | FieldErrorType::TypeInvalid
        )
    });
    if blocking {
        errors.push(FieldError::invalid(
            "<nil>",
            BadValue::Null,
            "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
        ));
    } else {
        errors.extend(rules.validate(schema, object, old));
    }
    errors
}

/// The strategy of one served version of a custom resource.
pub struct CustomStrategy {
    /// The version's `openAPIV3Schema`.
    pub schema: Option<Value>,
    /// Its validation rules, compiled (`None`: it declares none).
    rules: Option<Rules>,
    /// Whether the version has the `status` subresource.
    pub status: bool,
    /// The Table columns after the name.
    pub columns: Vec<PrinterColumn>,
}

impl CustomStrategy {
    /// The strategy of a version with `schema`, its validation rules compiled once here.
    pub fn new(schema: Option<Value>, status: bool, columns: Vec<PrinterColumn>) -> Self {
        let rules = schema.as_ref().and_then(Rules::compile);
        Self {
            schema,
            rules,
            status,
            columns,
        }
    }

    fn default_and_prune(&self, object: &mut Value) {
        if let Some(schema) = &self.schema {
            schema::default(schema, object);
            schema::prune(schema, object, true);
        }
    }

    /// What `metadata.generation` counts changes of.
    fn generation_part(&self, object: &Value) -> Value {
        let mut part = object.clone();
        if let Some(map) = part.as_object_mut() {
            map.remove("metadata");
            if self.status {
                map.remove("status");
            }
        }
        part
    }
}

impl Strategy for CustomStrategy {
    fn prepare_for_create(&self, _request: &Admission<'_>, object: &mut Value) {
        if self.status
            && let Some(map) = object.as_object_mut()
        {
            map.remove("status");
        }
        self.default_and_prune(object);
        objects::metadata_mut(object).insert("generation".into(), json!(1));
    }

    fn prepare_for_update(&self, _request: &Admission<'_>, current: &Value, next: &mut Value) {
        self.default_and_prune(next);
        let generation = current
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let bumped = if self.generation_part(current) == self.generation_part(next) {
            generation
        } else {
            generation + 1
        };
        objects::metadata_mut(next).insert("generation".into(), json!(bumped));
    }

    fn validate(&self, object: &Value) -> Vec<FieldError> {
        match &self.schema {
            Some(schema) => checked(schema, self.rules.as_ref(), object, None),
            None => Vec::new(),
        }
    }

    fn validate_update(&self, next: &Value, current: &Value) -> Vec<FieldError> {
        match &self.schema {
            Some(schema) => checked(schema, self.rules.as_ref(), next, Some(current)),
            None => Vec::new(),
        }
    }

    fn structural_schema(&self) -> Option<&Value> {
        self.schema.as_ref()
    }

    fn table(&self, objects: &[Value], revision: &str, now: OffsetDateTime) -> Option<Value> {
        let mut definitions = vec![json!({
            "name": printing::NAME.name,
            "type": printing::NAME.kind,
            "format": printing::NAME.format,
            "description": printing::NAME.description,
            "priority": 0,
        })];
        definitions.extend(self.columns.iter().map(|c| {
            json!({
                "name": c.name,
                "type": c.kind,
                "format": c.format,
                "description": c.description,
                "priority": c.priority,
            })
        }));
        let rows: Vec<Value> = objects
            .iter()
            .map(|object| {
                let mut cells = vec![printing::name(object)];
                cells.extend(self.columns.iter().map(|c| c.cell(object, now)));
                json!({
                    "cells": cells,
                    "object": {
                        "kind": "PartialObjectMetadata",
                        "apiVersion": "meta.k8s.io/v1",
                        "metadata": object.get("metadata").cloned().unwrap_or(json!({})),
                    },
                })
            })
            .collect();
        Some(json!({
            "kind": "Table",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": revision},
            "columnDefinitions": definitions,
            "rows": rows,
        }))
    }
}

#[cfg(test)]
mod tests;
