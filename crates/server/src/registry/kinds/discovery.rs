//! The `discovery.k8s.io` group: EndpointSlices, stored and printed as kubectl prints them.

use k8s_openapi::api::discovery::v1 as types;
use kubeward_core::validation::NameRule;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Kind, Plain, Serving, schema_of};
use crate::registry::printing::{self, AGE, NAME, column, text};

/// The kinds of the discovery group.
pub const KINDS: &[Kind] = &[Kind {
    group: "discovery.k8s.io",
    version: "v1",
    resource: "endpointslices",
    kind: "EndpointSlice",
    namespaced: true,
    serving: Serving::Stored,
    subresources: &[],
    name_rule: NameRule::Dns1123Subdomain,
    columns: &[
        NAME,
        column("AddressType", "string", 0),
        column("Ports", "string", 0),
        column("Endpoints", "string", 0),
        AGE,
    ],
    cells: slice_cells,
    schema: Some(schema_of::<types::EndpointSlice>()),
    field_labels: None,
    strategy: &Plain,
}];

/// `listWithMoreString`: the first three, `+ N more...`, or `<unset>`.
fn first_three(items: &[String]) -> String {
    if items.is_empty() {
        return "<unset>".to_string();
    }
    let shown = items[..items.len().min(3)].join(",");
    if items.len() > 3 {
        format!("{shown} + {} more...", items.len() - 3)
    } else {
        shown
    }
}

/// `printEndpointSlice`: address type, ports (`*` for all), endpoint addresses.
fn slice_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let ports: Vec<String> = object
        .get("ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| match p.get("port").and_then(Value::as_i64) {
            Some(port) => port.to_string(),
            None => {
                let name = text(p, "/name");
                if name.is_empty() {
                    "*".to_string()
                } else {
                    name
                }
            }
        })
        .collect();
    let addresses: Vec<String> = object
        .get("endpoints")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|e| crate::registry::objects::strings(e.get("addresses")))
        .collect();
    vec![
        printing::name(object),
        json!(text(object, "/addressType")),
        json!(first_three(&ports)),
        json!(first_three(&addresses)),
        printing::age(object, now),
    ]
}

#[cfg(test)]
mod tests;
