//! The `apps` group kinds served: Deployment.

use k8s_openapi::api::apps::v1 as types;
use kubeward_core::status::FieldError;
use kubeward_core::validation::{NameRule, kinds};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Admission, Kind, Serving, Strategy, schema_of};
use crate::registry::objects;
use crate::registry::printing::{self, AGE, NAME, column};

/// The kinds of the apps group.
pub const KINDS: &[Kind] = &[Kind {
    group: "apps",
    version: "v1",
    resource: "deployments",
    kind: "Deployment",
    namespaced: true,
    serving: Serving::Stored,
    subresources: &["status"],
    name_rule: NameRule::Dns1123Subdomain,
    columns: &[
        NAME,
        column("Ready", "string", 0),
        column("Up-to-date", "string", 0),
        column("Available", "string", 0),
        AGE,
        column("Containers", "string", 1),
        column("Images", "string", 1),
        column("Selector", "string", 1),
    ],
    cells: deployment_cells,
    schema: Some(schema_of::<types::Deployment>),
    field_labels: None,
    strategy: &DeploymentStrategy,
}];

/// Deployments: a generation that counts spec changes, and a pod template with containers.
struct DeploymentStrategy;

impl Strategy for DeploymentStrategy {
    fn prepare_for_create(&self, _request: &Admission<'_>, object: &mut Value) {
        objects::metadata_mut(object).insert("generation".into(), json!(1));
    }

    fn prepare_for_update(&self, _request: &Admission<'_>, current: &Value, next: &mut Value) {
        let generation = current
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let bumped = if current.get("spec") == next.get("spec") {
            generation
        } else {
            generation + 1
        };
        objects::metadata_mut(next).insert("generation".into(), json!(bumped));
    }

    fn validate(&self, object: &Value) -> Vec<FieldError> {
        kinds::pod_spec(object.pointer("/spec/template/spec"), "spec.template.spec")
    }
}

fn deployment_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let replicas = object
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let containers = object
        .pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let field = |name: &str| -> String {
        containers
            .iter()
            .filter_map(|c| c.get(name).and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(",")
    };
    vec![
        printing::name(object),
        json!(format!("0/{replicas}")),
        json!(0),
        json!(0),
        printing::age(object, now),
        json!(field("name")),
        json!(field("image")),
        json!(printing::selector(object, "/spec/selector/matchLabels")),
    ]
}
