//! The `apiregistration.k8s.io` group: APIServices, stored and printed as kube-aggregator
//! prints them (no API is aggregated here: an APIService does not proxy anything).

use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1 as types;
use kubeward_core::validation::NameRule;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Kind, Plain, Serving, schema_of};
use crate::registry::printing::{self, AGE, NAME, column, text};

/// The kinds of the apiregistration group.
pub const KINDS: &[Kind] = &[Kind {
    group: "apiregistration.k8s.io",
    version: "v1",
    resource: "apiservices",
    kind: "APIService",
    namespaced: false,
    serving: Serving::Stored,
    subresources: &["status"],
    name_rule: NameRule::PathSegment,
    columns: &[
        NAME,
        column("Service", "string", 0),
        column("Available", "string", 0),
        AGE,
    ],
    cells: api_service_cells,
    schema: Some(schema_of::<types::APIService>),
    field_labels: None,
    strategy: &Plain,
}];

/// APIServices.
pub fn api_services() -> &'static Kind {
    &KINDS[0]
}

/// kube-aggregator's printer: `Local` or `namespace/name` of the service, the `Available`
/// condition (with its reason when not `True`).
fn api_service_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let service = match object.pointer("/spec/service") {
        Some(service) if service.is_object() => {
            format!("{}/{}", text(service, "/namespace"), text(service, "/name"))
        }
        _ => "Local".to_string(),
    };
    let available = object
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| text(c, "/type") == "Available")
        .map(|c| {
            let status = text(c, "/status");
            let reason = text(c, "/reason");
            if status == "True" || reason.is_empty() {
                status
            } else {
                format!("{status} ({reason})")
            }
        })
        .unwrap_or_else(|| "Unknown".to_string());
    vec![
        printing::name(object),
        json!(service),
        json!(available),
        printing::age(object, now),
    ]
}
