//! The `matchConditions` of an authorization webhook: CEL expressions over `request` (the
//! SubjectAccessReview `v1` spec, every string field present even when empty), compiled once
//! with kube-apiserver's validation and evaluated per request: one `false` skips the webhook,
//! all `true` call it, an error (and no `false`) is the failure policy's to decide.
//!
//! kubeward's CEL has no type checker, so an expression that is not boolean is found when it
//! is evaluated (an evaluation error), not when the configuration is loaded.

use kubeward_authn::oidc::cel::{Environment, Expression, Value as Cel, to_cel};
use kubeward_core::status::FieldError;
use serde_json::{Map, Value, json};

use crate::wire::SpecV1;

/// At most this many conditions per webhook.
pub const MAX_CONDITIONS: usize = 64;

/// A webhook's compiled conditions (none: every request matches).
#[derive(Debug, Default)]
pub struct MatchConditions {
    expressions: Vec<Expression>,
}

impl MatchConditions {
    /// Compiles `sources` (the `expression` of each condition); `path` is the field path of the
    /// webhook (e.g. `authorizers[1].webhook`) for the errors.
    pub fn compile(sources: &[String], path: &str) -> Result<Self, Vec<FieldError>> {
        let field = |suffix: &str| {
            if path.is_empty() {
                suffix.to_string()
            } else {
                format!("{path}.{suffix}")
            }
        };
        if sources.len() > MAX_CONDITIONS {
            return Err(vec![FieldError::too_many(
                &field("matchConditions"),
                sources.len() as i64,
                MAX_CONDITIONS as i64,
            )]);
        }
        let mut errors = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        let mut expressions = Vec::new();
        for (index, source) in sources.iter().enumerate() {
            let at = field(&format!("matchConditions[{index}].expression"));
            if source.trim().is_empty() {
                errors.push(FieldError::required(&at, ""));
                continue;
            }
            if seen.contains(&source.as_str()) {
                errors.push(FieldError::duplicate(&at, source.as_str()));
                continue;
            }
            seen.push(source);
            match Expression::compile(source, Environment::Request) {
                Ok(expression) => expressions.push(expression),
                Err(e) => errors.push(FieldError::invalid(&at, source.as_str(), &e.to_string())),
            }
        }
        if errors.is_empty() {
            Ok(Self { expressions })
        } else {
            Err(errors)
        }
    }

    /// Whether there are no conditions.
    pub fn is_empty(&self) -> bool {
        self.expressions.is_empty()
    }

    /// Whether `spec` matches: `Ok(false)` as soon as one condition is false, `Ok(true)` when
    /// all are true, else the evaluation errors.
    pub fn matches(&self, spec: &SpecV1) -> Result<bool, String> {
        if self.expressions.is_empty() {
            return Ok(true);
        }
        let request = to_cel(&request_value(spec));
        let mut errors = Vec::new();
        for expression in &self.expressions {
            let failed = |detail: String| {
                format!(
                    "cel evaluation error: expression '{}' {detail}",
                    expression.source()
                )
            };
            match expression.evaluate(&request) {
                Ok(Cel::Bool(false)) => return Ok(false),
                Ok(Cel::Bool(true)) => {}
                Ok(other) => errors.push(failed(format!(
                    "eval result type should be bool but got {}",
                    type_name(&other)
                ))),
                Err(e) => errors.push(failed(format!("resulted in error: {e}"))),
            }
        }
        if errors.is_empty() {
            Ok(true)
        } else {
            Err(kubeward_core::status::aggregate(errors))
        }
    }
}

/// `request` as kube-apiserver builds it (`convertObjectToUnstructured`): user, groups, uid and
/// extra always present; the attributes of the kind asked, every field present.
fn request_value(spec: &SpecV1) -> Value {
    let mut request = Map::new();
    request.insert("user".into(), json!(spec.user));
    request.insert("groups".into(), json!(spec.groups));
    request.insert("uid".into(), json!(spec.uid));
    request.insert("extra".into(), json!(spec.extra));
    if let Some(resource) = &spec.resource_attributes {
        request.insert(
            "resourceAttributes".into(),
            json!({
                "namespace": resource.namespace,
                "verb": resource.verb,
                "group": resource.group,
                "version": resource.version,
                "resource": resource.resource,
                "subresource": resource.subresource,
                "name": resource.name,
            }),
        );
    }
    if let Some(path) = &spec.non_resource_attributes {
        request.insert(
            "nonResourceAttributes".into(),
            json!({"verb": path.verb, "path": path.path}),
        );
    }
    Value::Object(request)
}

fn type_name(value: &Cel) -> &'static str {
    match value {
        Cel::String(_) => "string",
        Cel::Int(_) => "int",
        Cel::UInt(_) => "uint",
        Cel::Float(_) => "double",
        Cel::List(_) => "list",
        Cel::Map(_) => "map",
        Cel::Null => "null_type",
        Cel::Bytes(_) => "bytes",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests;
