//! The `scheduling.k8s.io` group: PriorityClasses, with kube-apiserver's reserved `system-`
//! prefix, the ceiling of user-defined values and the immutable value.

use k8s_openapi::api::scheduling::v1 as types;
use kubeward_core::status::FieldError;
use kubeward_core::validation::NameRule;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::workloads::{object_at, set_default};
use super::{Admission, Kind, Serving, Strategy, schema_of};
use crate::registry::objects;
use crate::registry::printing::{self, AGE, NAME, column, int, text};

/// The kinds of the scheduling group.
pub const KINDS: &[Kind] = &[Kind {
    group: "scheduling.k8s.io",
    version: "v1",
    resource: "priorityclasses",
    kind: "PriorityClass",
    namespaced: false,
    serving: Serving::Stored,
    subresources: &[],
    name_rule: NameRule::Dns1123Subdomain,
    columns: &[
        NAME,
        column("Value", "integer", 0),
        column("Global-Default", "boolean", 0),
        AGE,
        column("PreemptionPolicy", "string", 0),
    ],
    cells: priority_class_cells,
    schema: Some(schema_of::<types::PriorityClass>()),
    field_labels: None,
    strategy: &PriorityClassStrategy,
}];

/// PriorityClasses.
pub fn priority_classes() -> &'static Kind {
    &KINDS[0]
}

/// The highest value a user-defined PriorityClass may have (`HighestUserDefinablePriority`).
const HIGHEST_USER_DEFINABLE: i64 = 1_000_000_000;

/// The classes kube-apiserver itself creates, which alone may use the `system-` prefix.
const SYSTEM_CLASSES: [&str; 2] = ["system-node-critical", "system-cluster-critical"];

/// PriorityClasses: `PreemptLowerPriority` by default; `ValidatePriorityClass`.
struct PriorityClassStrategy;

impl Strategy for PriorityClassStrategy {
    fn prepare_for_create(&self, _request: &Admission<'_>, object: &mut Value) {
        set_default(
            object_at(object, &[]),
            "preemptionPolicy",
            json!("PreemptLowerPriority"),
        );
    }

    fn validate(&self, object: &Value) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let name = objects::name(object);
        let value = int(object, "/value");
        if name.starts_with("system-") {
            if !SYSTEM_CLASSES.contains(&name) {
                errors.push(FieldError::forbidden(
                    "metadata.name",
                    "priority class names with 'system-' prefix are reserved",
                ));
            }
        } else if value > HIGHEST_USER_DEFINABLE {
            errors.push(FieldError::forbidden(
                "value",
                &format!(
                    "maximum allowed value of a user defined priority is {HIGHEST_USER_DEFINABLE}"
                ),
            ));
        }
        errors
    }

    fn validate_update(&self, next: &Value, current: &Value) -> Vec<FieldError> {
        let mut errors = self.validate(next);
        if next.get("value") != current.get("value") {
            errors.push(FieldError::forbidden(
                "value",
                "may not be changed in an update.",
            ));
        }
        errors
    }
}

/// `printPriorityClass`.
fn priority_class_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    vec![
        printing::name(object),
        json!(int(object, "/value")),
        json!(
            object
                .get("globalDefault")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        ),
        printing::age(object, now),
        json!(text(object, "/preemptionPolicy")),
    ]
}

#[cfg(test)]
mod tests;
