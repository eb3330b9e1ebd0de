//! Server-side field validation (`?fieldValidation=Strict|Warn|Ignore`): fields of a written
//! object that its kind does not have. The kind's schema is its k8s-openapi type: a field that
//! does not survive decoding into the type and encoding back is unknown. `Strict` refuses the
//! write with kube-apiserver's 400, `Warn` (the default) answers with `Warning` headers.

use kubeward_core::status::{self, FieldError, Status};
use serde_json::Value;

use super::kinds::Kind;
use super::patch::PatchKind;

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

/// Checks `object` of `kind` under `directive`, with what the strict decoder found in its body
/// (`decoding`: repeated fields or keys, in the decoder's words): the warnings to send, or the
/// 400 to answer (for unknown and duplicate fields under `Strict`, and for values of the wrong
/// type under every directive).
pub fn check(
    kind: &Kind,
    object: &Value,
    decoding: &[String],
    directive: Directive,
) -> Result<Vec<String>, Status> {
    let messages = findings(kind, object, decoding, directive)?;
    if messages.is_empty() || directive == Directive::Warn {
        return Ok(messages);
    }
    Err(cannot_handle(
        kind,
        &format!("strict decoding error: {}", messages.join(", ")),
    ))
}

/// [`check`] for the object a patch made (`decoding`: what the strict decoder found in the
/// patch): under `Strict`, kube-apiserver's patch handler refuses with 422 about the `patch`
/// field. Its value is what the handler shows: the patched object as JSON (as json-patch
/// writes it) for JSON and merge patches, the patch itself as Go's `%+v` prints a map for a
/// strategic merge patch.
pub fn check_patched(
    kind: &Kind,
    patched: &Value,
    (patch_kind, patch): (PatchKind, &Value),
    decoding: &[String],
    directive: Directive,
) -> Result<Vec<String>, Status> {
    let messages = findings(kind, patched, decoding, directive)?;
    if messages.is_empty() || directive == Directive::Warn {
        return Ok(messages);
    }
    let value = match patch_kind {
        PatchKind::StrategicMerge => kubeward_core::go::sprint_value(patch),
        PatchKind::Json | PatchKind::Merge => kubeward_core::go::marshal_sorted(patched),
    };
    Err(status::invalid(
        "",
        "",
        "",
        vec![FieldError::invalid(
            "patch",
            value,
            &format!("strict decoding error: {}", messages.join(", ")),
        )],
    ))
}

/// What the strict decoder reports of `object`: `decoding` first, then its unknown fields (none
/// under `Ignore`); a value of the wrong type is the error to answer under every directive.
fn findings(
    kind: &Kind,
    object: &Value,
    decoding: &[String],
    directive: Directive,
) -> Result<Vec<String>, Status> {
    let Some(schema) = kind.schema.and_then(|s| s.check) else {
        return Ok(Vec::new());
    };
    // A value of the wrong type is a decoding error whatever the directive, as in Kubernetes;
    // it would also break the handlers that read these objects.
    let known = schema(object).map_err(|error| cannot_handle(kind, &error))?;
    if directive == Directive::Ignore {
        return Ok(Vec::new());
    }
    let mut unknown = Vec::new();
    collect_unknown(object, &known, "", &mut unknown);
    Ok(decoding
        .iter()
        .cloned()
        .chain(
            unknown
                .iter()
                .map(|field| format!("unknown field {}", kubeward_core::go::quote(field))),
        )
        .collect())
}

fn cannot_handle(kind: &Kind, error: &str) -> Status {
    status::bad_request(&format!(
        "{} in version {} cannot be handled as a {}: {error}",
        kind.kind,
        kubeward_core::go::quote(kind.version),
        kind.kind
    ))
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
