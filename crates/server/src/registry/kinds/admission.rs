//! The `admissionregistration.k8s.io` group: webhook configurations and validating admission
//! policies with their bindings — stored and printed as kube-apiserver does. They are not
//! enforced here: no webhook is called and no CEL policy runs.

use k8s_openapi::api::admissionregistration::v1 as types;
use kubeward_core::validation::NameRule;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Kind, Plain, Serving, schema_of};
use crate::registry::printing::{self, AGE, NAME, column, text};

/// The kinds of the admissionregistration group.
pub const KINDS: &[Kind] = &[
    Kind {
        group: "admissionregistration.k8s.io",
        version: "v1",
        resource: "mutatingwebhookconfigurations",
        kind: "MutatingWebhookConfiguration",
        namespaced: false,
        serving: Serving::Stored,
        subresources: &[],
        name_rule: NameRule::Dns1123Subdomain,
        columns: WEBHOOK_COLUMNS,
        cells: webhook_cells,
        schema: Some(schema_of::<types::MutatingWebhookConfiguration>()),
        field_labels: None,
        strategy: &Plain,
    },
    Kind {
        group: "admissionregistration.k8s.io",
        version: "v1",
        resource: "validatingadmissionpolicies",
        kind: "ValidatingAdmissionPolicy",
        namespaced: false,
        serving: Serving::Stored,
        subresources: &["status"],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[
            NAME,
            column("Validations", "integer", 0),
            column("ParamKind", "string", 0),
            AGE,
        ],
        cells: policy_cells,
        schema: Some(schema_of::<types::ValidatingAdmissionPolicy>()),
        field_labels: None,
        strategy: &Plain,
    },
    Kind {
        group: "admissionregistration.k8s.io",
        version: "v1",
        resource: "validatingadmissionpolicybindings",
        kind: "ValidatingAdmissionPolicyBinding",
        namespaced: false,
        serving: Serving::Stored,
        subresources: &[],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[
            NAME,
            column("PolicyName", "string", 0),
            column("ParamRef", "string", 0),
            AGE,
        ],
        cells: binding_cells,
        schema: Some(schema_of::<types::ValidatingAdmissionPolicyBinding>()),
        field_labels: None,
        strategy: &Plain,
    },
    Kind {
        group: "admissionregistration.k8s.io",
        version: "v1",
        resource: "validatingwebhookconfigurations",
        kind: "ValidatingWebhookConfiguration",
        namespaced: false,
        serving: Serving::Stored,
        subresources: &[],
        name_rule: NameRule::Dns1123Subdomain,
        columns: WEBHOOK_COLUMNS,
        cells: webhook_cells,
        schema: Some(schema_of::<types::ValidatingWebhookConfiguration>()),
        field_labels: None,
        strategy: &Plain,
    },
];

const WEBHOOK_COLUMNS: &[printing::Column] = &[NAME, column("Webhooks", "integer", 0), AGE];

fn webhook_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    vec![
        printing::name(object),
        json!(printing::count(object, "/webhooks")),
        printing::age(object, now),
    ]
}

/// `printValidatingAdmissionPolicy`: the number of validations, `apiVersion/kind` of params.
fn policy_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let param_kind = match object.pointer("/spec/paramKind") {
        Some(kind) if kind.is_object() => {
            format!("{}/{}", text(kind, "/apiVersion"), text(kind, "/kind"))
        }
        _ => "<unset>".to_string(),
    };
    vec![
        printing::name(object),
        json!(printing::count(object, "/spec/validations")),
        json!(param_kind),
        printing::age(object, now),
    ]
}

/// `printValidatingAdmissionPolicyBinding`: the policy, `namespace/name` of the params (`*`
/// for any namespace).
fn binding_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let param = match object.pointer("/spec/paramRef") {
        Some(reference) if reference.is_object() => {
            let namespace = text(reference, "/namespace");
            let name = text(reference, "/name");
            let name = if name.is_empty() {
                "*".to_string()
            } else {
                name
            };
            if namespace.is_empty() {
                format!("*/{name}")
            } else {
                format!("{namespace}/{name}")
            }
        }
        _ => "<unset>".to_string(),
    };
    vec![
        printing::name(object),
        json!(text(object, "/spec/policyName")),
        json!(param),
        printing::age(object, now),
    ]
}
