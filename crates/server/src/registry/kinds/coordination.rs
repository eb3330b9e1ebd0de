//! The `coordination.k8s.io` group kinds served: Lease (node heartbeats in `kube-node-lease`).

use k8s_openapi::api::coordination::v1 as types;
use kubeward_core::validation::NameRule;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Kind, Plain, Serving, schema_of};
use crate::registry::printing::{self, AGE, NAME, column, text};

/// The kinds of the coordination group.
pub const KINDS: &[Kind] = &[Kind {
    group: "coordination.k8s.io",
    version: "v1",
    resource: "leases",
    kind: "Lease",
    namespaced: true,
    serving: Serving::Stored,
    subresources: &[],
    name_rule: NameRule::Dns1123Subdomain,
    columns: &[NAME, column("Holder", "string", 0), AGE],
    cells: lease_cells,
    schema: Some(schema_of::<types::Lease>),
    field_labels: None,
    strategy: &Plain,
}];

/// `printLease`: name, holder identity, age.
fn lease_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    vec![
        printing::name(object),
        json!(text(object, "/spec/holderIdentity")),
        printing::age(object, now),
    ]
}
