//! The `node.k8s.io` group: RuntimeClasses, whose handler names a DNS label.

use k8s_openapi::api::node::v1 as types;
use kubeward_core::status::FieldError;
use kubeward_core::validation::{NameRule, content};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Kind, Serving, Strategy, schema_of};
use crate::registry::printing::{self, AGE, NAME, column, text};

/// The kinds of the node group.
pub const KINDS: &[Kind] = &[Kind {
    group: "node.k8s.io",
    version: "v1",
    resource: "runtimeclasses",
    kind: "RuntimeClass",
    namespaced: false,
    serving: Serving::Stored,
    subresources: &[],
    name_rule: NameRule::Dns1123Subdomain,
    columns: &[NAME, column("Handler", "string", 0), AGE],
    cells: runtime_class_cells,
    schema: Some(schema_of::<types::RuntimeClass>()),
    field_labels: None,
    strategy: &RuntimeClassStrategy,
}];

/// RuntimeClasses: `ValidateRuntimeClass` of the handler; the handler is immutable.
struct RuntimeClassStrategy;

impl Strategy for RuntimeClassStrategy {
    fn validate(&self, object: &Value) -> Vec<FieldError> {
        let handler = text(object, "/handler");
        if handler.is_empty() {
            return vec![FieldError::required("handler", "")];
        }
        content::dns1123_label(&handler)
            .into_iter()
            .map(|message| FieldError::invalid("handler", handler.as_str(), &message))
            .collect()
    }

    fn validate_update(&self, next: &Value, current: &Value) -> Vec<FieldError> {
        let mut errors = self.validate(next);
        if next.get("handler") != current.get("handler") {
            errors.push(FieldError::invalid(
                "handler",
                text(next, "/handler").as_str(),
                "field is immutable",
            ));
        }
        errors
    }
}

fn runtime_class_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    vec![
        printing::name(object),
        json!(text(object, "/handler")),
        printing::age(object, now),
    ]
}
