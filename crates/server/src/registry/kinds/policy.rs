//! The `policy` group kinds served: PodDisruptionBudget, checked against its schema and stored
//! (no eviction API consults it: no kubelet runs pods here).

use k8s_openapi::api::policy::v1 as types;
use kubeward_core::validation::NameRule;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Kind, Plain, Serving, schema_of};
use crate::registry::printing::{self, AGE, NAME, column};

/// The kinds of the policy group.
pub const KINDS: &[Kind] = &[Kind {
    group: "policy",
    version: "v1",
    resource: "poddisruptionbudgets",
    kind: "PodDisruptionBudget",
    namespaced: true,
    serving: Serving::Stored,
    subresources: &["status"],
    name_rule: NameRule::Dns1123Subdomain,
    columns: &[
        NAME,
        column("Min Available", "string", 0),
        column("Max Unavailable", "string", 0),
        column("Allowed Disruptions", "integer", 0),
        AGE,
    ],
    cells: budget_cells,
    schema: Some(schema_of::<types::PodDisruptionBudget>()),
    field_labels: None,
    strategy: &Plain,
}];

fn budget_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let bound = |pointer: &str| match object.pointer(pointer) {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => "N/A".to_string(),
    };
    vec![
        printing::name(object),
        json!(bound("/spec/minAvailable")),
        json!(bound("/spec/maxUnavailable")),
        json!(
            object
                .pointer("/status/disruptionsAllowed")
                .and_then(Value::as_i64)
                .unwrap_or(0)
        ),
        printing::age(object, now),
    ]
}
