//! The `coordination.k8s.io` group: Leases — node heartbeats in `kube-node-lease`, the Lease the
//! replicas of a cluster use to elect the one that runs the controllers (as
//! kube-controller-manager does), and any client's alike.

use k8s_openapi::api::coordination::v1 as types;
use kubeward_core::status::FieldError;
use kubeward_core::validation::NameRule;
use serde_json::Value;
use time::OffsetDateTime;

use super::{Kind, Serving, Strategy, schema_of};
use crate::registry::printing::{self, AGE, NAME, column};

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
    schema: Some(schema_of::<types::Lease>()),
    field_labels: None,
    strategy: &LeaseStrategy,
}];

/// Leases.
pub fn leases() -> &'static Kind {
    &KINDS[0]
}

/// Leases: kube-apiserver's `ValidateLeaseSpec` checks of the numbers.
struct LeaseStrategy;

impl Strategy for LeaseStrategy {
    fn validate(&self, object: &Value) -> Vec<FieldError> {
        let number = |field: &str| object.pointer(&format!("/spec/{field}"))?.as_i64();
        let mut errors = Vec::new();
        if let Some(seconds) = number("leaseDurationSeconds")
            && seconds <= 0
        {
            errors.push(FieldError::invalid(
                "spec.leaseDurationSeconds",
                seconds,
                "must be greater than 0",
            ));
        }
        if let Some(transitions) = number("leaseTransitions")
            && transitions < 0
        {
            errors.push(FieldError::invalid(
                "spec.leaseTransitions",
                transitions,
                "must be greater than or equal to 0",
            ));
        }
        errors
    }
}

/// `printLease`: name, holder identity, age.
fn lease_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    vec![
        printing::name(object),
        Value::String(printing::text(object, "/spec/holderIdentity")),
        printing::age(object, now),
    ]
}
