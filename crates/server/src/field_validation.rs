//! Server-side field validation (`?fieldValidation=Strict|Warn|Ignore`): fields of a written
//! object that its kind does not have. The kind's schema is its k8s-openapi type: a field that
//! does not survive decoding into the type and encoding back is unknown. `Strict` refuses the
//! write with kube-apiserver's 400, `Warn` (the default) answers with `Warning` headers.

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::certificates::v1 as certificates;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::rbac::v1 as rbac;
use kubeward_core::status::{self, Status};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::registry::ResourceDef;

/// The `fieldValidation` directive of a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Directive {
    /// Refuse unknown fields.
    Strict,
    /// Accept them with a warning (the default).
    Warn,
    /// Accept them silently.
    Ignore,
}

impl Directive {
    /// The directive of a query value (absent: `Warn`); 400 for anything else.
    pub fn parse(value: Option<&str>) -> Result<Self, Status> {
        match value {
            None | Some("") | Some("Warn") => Ok(Self::Warn),
            Some("Strict") => Ok(Self::Strict),
            Some("Ignore") => Ok(Self::Ignore),
            Some(other) => Err(status::bad_request(&format!(
                "fieldValidation parameter unsupported: {other}"
            ))),
        }
    }
}

/// Checks `object` of `def` under `directive`: the warnings to send, or the 400 to answer (for
/// unknown fields under `Strict`, and for values of the wrong type under every directive).
pub fn check(
    def: &ResourceDef,
    object: &Value,
    directive: Directive,
) -> Result<Vec<String>, Status> {
    // A value of the wrong type is a decoding error whatever the directive, as in Kubernetes;
    // it would also break the handlers that read these objects.
    let known = match roundtrip(def, object) {
        Some(Ok(known)) => known,
        Some(Err(error)) => return Err(cannot_handle(def, &error)),
        None => return Ok(Vec::new()),
    };
    if directive == Directive::Ignore {
        return Ok(Vec::new());
    }
    let mut unknown = Vec::new();
    collect_unknown(object, &known, "", &mut unknown);
    let messages: Vec<String> = unknown
        .iter()
        .map(|field| format!("unknown field {}", kubeward_core::go::quote(field)))
        .collect();
    if messages.is_empty() || directive == Directive::Warn {
        return Ok(messages);
    }
    Err(cannot_handle(
        def,
        &format!("strict decoding error: {}", messages.join(", ")),
    ))
}

fn cannot_handle(def: &ResourceDef, error: &str) -> Status {
    status::bad_request(&format!(
        "{} in version {} cannot be handled as a {}: {error}",
        def.kind,
        kubeward_core::go::quote(def.version),
        def.kind
    ))
}

fn through<T: DeserializeOwned + Serialize>(object: &Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(object.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(typed).map_err(|e| e.to_string())
}

/// The object decoded into its type and encoded again; `None` for kinds without a type here.
fn roundtrip(def: &ResourceDef, object: &Value) -> Option<Result<Value, String>> {
    Some(match (def.group, def.resource) {
        ("", "namespaces") => through::<core::Namespace>(object),
        ("", "serviceaccounts") => through::<core::ServiceAccount>(object),
        ("", "secrets") => through::<core::Secret>(object),
        ("", "configmaps") => through::<core::ConfigMap>(object),
        ("", "pods") => through::<core::Pod>(object),
        ("", "services") => through::<core::Service>(object),
        ("", "nodes") => through::<core::Node>(object),
        ("", "events") => through::<core::Event>(object),
        ("apps", "deployments") => through::<apps::Deployment>(object),
        (_, "roles") => through::<rbac::Role>(object),
        (_, "clusterroles") => through::<rbac::ClusterRole>(object),
        (_, "rolebindings") => through::<rbac::RoleBinding>(object),
        (_, "clusterrolebindings") => through::<rbac::ClusterRoleBinding>(object),
        (_, "certificatesigningrequests") => {
            through::<certificates::CertificateSigningRequest>(object)
        }
        _ => return None,
    })
}

/// The paths (`spec.foo`, `rules[0].bar`) present in `input` but not in `known`. Nulls and
/// empty values are not reported (the encoding may leave them out).
fn collect_unknown(input: &Value, known: &Value, path: &str, out: &mut Vec<String>) {
    match (input, known) {
        (Value::Object(fields), Value::Object(known_fields)) => {
            for (name, value) in fields {
                let child = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                match known_fields.get(name) {
                    Some(known_value) => collect_unknown(value, known_value, &child, out),
                    None if is_empty(value) => {}
                    None => out.push(child),
                }
            }
        }
        (Value::Array(items), Value::Array(known_items)) => {
            for (index, (item, known_item)) in items.iter().zip(known_items).enumerate() {
                collect_unknown(item, known_item, &format!("{path}[{index}]"), out);
            }
        }
        _ => {}
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(fields) => fields.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
