//! The `flowcontrol.apiserver.k8s.io` group: FlowSchemas and PriorityLevelConfigurations,
//! stored and printed as kube-apiserver does (requests are not queued by them here).

use k8s_openapi::api::flowcontrol::v1 as types;
use kubeward_core::validation::NameRule;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::workloads::{object_at, set_default};
use super::{Admission, Kind, Serving, Strategy, schema_of};
use crate::registry::printing::{self, AGE, NAME, column, text};

/// The kinds of the flowcontrol group.
pub const KINDS: &[Kind] = &[
    Kind {
        group: "flowcontrol.apiserver.k8s.io",
        version: "v1",
        resource: "flowschemas",
        kind: "FlowSchema",
        namespaced: false,
        serving: Serving::Stored,
        subresources: &["status"],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[
            NAME,
            column("PriorityLevel", "string", 0),
            column("MatchingPrecedence", "string", 0),
            column("DistinguisherMethod", "string", 0),
            AGE,
            column("MissingPL", "string", 0),
        ],
        cells: flow_schema_cells,
        schema: Some(schema_of::<types::FlowSchema>),
        field_labels: None,
        strategy: &FlowSchemaStrategy,
    },
    Kind {
        group: "flowcontrol.apiserver.k8s.io",
        version: "v1",
        resource: "prioritylevelconfigurations",
        kind: "PriorityLevelConfiguration",
        namespaced: false,
        serving: Serving::Stored,
        subresources: &["status"],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[
            NAME,
            column("Type", "string", 0),
            column("NominalConcurrencyShares", "string", 0),
            column("Queues", "string", 0),
            column("HandSize", "string", 0),
            column("QueueLengthLimit", "string", 0),
            AGE,
        ],
        cells: priority_level_cells,
        schema: Some(schema_of::<types::PriorityLevelConfiguration>),
        field_labels: None,
        strategy: &super::Plain,
    },
];

/// FlowSchemas.
pub fn flow_schemas() -> &'static Kind {
    &KINDS[0]
}

/// PriorityLevelConfigurations.
pub fn priority_levels() -> &'static Kind {
    &KINDS[1]
}

/// FlowSchemas: matching precedence 1000 by default.
struct FlowSchemaStrategy;

impl Strategy for FlowSchemaStrategy {
    fn prepare_for_create(&self, _request: &Admission<'_>, object: &mut Value) {
        set_default(
            object_at(object, &["spec"]),
            "matchingPrecedence",
            json!(1000),
        );
        object["status"] = json!({});
    }
}

/// `printFlowSchema`: the priority level, precedence, distinguisher, and whether the priority
/// level is missing (the `Dangling` condition, `?` before it is known).
fn flow_schema_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let method = text(object, "/spec/distinguisherMethod/type");
    let dangling = object
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| text(c, "/type") == "Dangling")
        .map(|c| text(c, "/status"))
        .unwrap_or_else(|| "?".to_string());
    vec![
        printing::name(object),
        json!(text(object, "/spec/priorityLevelConfiguration/name")),
        json!(printing::int(object, "/spec/matchingPrecedence")),
        json!(printing::or_none(method)),
        printing::age(object, now),
        json!(dangling),
    ]
}

/// `printPriorityLevelConfiguration`: the limits of a `Limited` level, `<none>` otherwise.
fn priority_level_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let limited = object.pointer("/spec/limited");
    let value = |pointer: &str| match limited.and_then(|l| l.pointer(pointer)) {
        Some(v) if !v.is_null() => v.clone(),
        _ => json!("<none>"),
    };
    vec![
        printing::name(object),
        json!(text(object, "/spec/type")),
        value("/nominalConcurrencyShares"),
        value("/limitResponse/queuing/queues"),
        value("/limitResponse/queuing/handSize"),
        value("/limitResponse/queuing/queueLengthLimit"),
        printing::age(object, now),
    ]
}
