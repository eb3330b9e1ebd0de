//! `Status` bodies as kube-apiserver writes them: the wording of `k8s.io/apimachinery/pkg/api/errors`
//! and of the authorization filter, field errors as `k8s.io/apimachinery/pkg/util/validation/field`
//! renders them, and JSON byte-identical to Go's `encoding/json` (field order
//! `kind, apiVersion, metadata, status, message, reason, details, code`, empty fields omitted,
//! `<`, `>` and `&` escaped as `\u003c`, `\u003e`, `\u0026`).
//!
//! kube-apiserver writes the compact form followed by a newline ([`Status::body`] with
//! `pretty = false`), and the two-space indented form without a trailing newline when the client
//! asks for `?pretty` or is `curl`/`wget` (`pretty = true`).

use std::fmt;

use crate::attributes::Attributes;
use crate::resources::{GroupKind, GroupResource};

/// The plain-text body of Go's `http.NotFound`, which kube-apiserver answers for paths that no
/// handler serves (`Content-Type: text/plain; charset=utf-8`).
pub const PAGE_NOT_FOUND_BODY: &str = "404 page not found\n";

/// The body and status code of Go's `http.NotFound`: `(404, "404 page not found\n")`.
pub fn page_not_found() -> (u16, &'static str) {
    (404, PAGE_NOT_FOUND_BODY)
}

/// A failure `Status` (`status: "Failure"`) as kube-apiserver returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// `Success` or `Failure`.
    pub status: String,
    /// The human-readable message.
    pub message: String,
    /// The machine-readable reason (`Forbidden`, `NotFound`, …).
    pub reason: String,
    /// Details; `None` omits the field, an empty value renders `"details": {}`.
    pub details: Option<StatusDetails>,
    /// The HTTP status code.
    pub code: u16,
    /// `metadata.continue` (the Status's list metadata): where a list whose continue token
    /// expired may go on, inconsistently; empty: none.
    pub continue_token: String,
}

/// `metav1.StatusDetails`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusDetails {
    /// The object name.
    pub name: String,
    /// The API group.
    pub group: String,
    /// The resource (for most errors) or the kind (for `Invalid`).
    pub kind: String,
    /// The object uid.
    pub uid: String,
    /// Field-level causes.
    pub causes: Vec<StatusCause>,
    /// Seconds the client should wait before retrying; 0 omits the field.
    pub retry_after_seconds: i32,
}

/// `metav1.StatusCause`: one cause, serialized as `{reason, message, field}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusCause {
    /// The cause type, e.g. `FieldValueRequired`.
    pub reason: String,
    /// The message, e.g. `Required value: verbs must contain at least one value`.
    pub message: String,
    /// The field path, e.g. `rules[0].verbs`.
    pub field: String,
}

impl Status {
    /// A failure with any code, reason and message (for the few errors without a builder here,
    /// e.g. 413 `RequestEntityTooLarge`).
    pub fn failure(
        code: u16,
        reason: &str,
        message: String,
        details: Option<StatusDetails>,
    ) -> Self {
        Self {
            status: "Failure".to_string(),
            message,
            reason: reason.to_string(),
            details,
            code,
            continue_token: String::new(),
        }
    }

    /// The HTTP status code to answer with.
    pub fn http_code(&self) -> u16 {
        self.code
    }

    /// Compact JSON, as Go's `json.Marshal` writes it (no trailing newline).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out, true);
        out
    }

    /// Compact JSON appended to `out`; without `kind` and `apiVersion` when `type_meta` is false,
    /// as a `metav1.Status` nested in another object (an audit event's `responseStatus`) reads.
    pub fn write_json(&self, out: &mut String, type_meta: bool) {
        self.to_value(type_meta).write(out, None, 0);
    }

    /// Indented JSON, as Go's `json.MarshalIndent(status, "", "  ")` writes it.
    pub fn to_json_pretty(&self) -> String {
        let mut out = String::new();
        self.to_value(true).write(&mut out, Some("  "), 0);
        out
    }

    /// The response body exactly as kube-apiserver writes it: compact JSON and a newline, or the
    /// indented form without one when `pretty`.
    pub fn body(&self, pretty: bool) -> String {
        if pretty {
            self.to_json_pretty()
        } else {
            let mut json = self.to_json();
            json.push('\n');
            json
        }
    }

    fn to_value(&self, type_meta: bool) -> json::Value {
        use json::Value;
        let mut fields = Vec::with_capacity(8);
        if type_meta {
            fields.push(("kind", Value::str("Status")));
            fields.push(("apiVersion", Value::str("v1")));
        }
        let mut metadata = Vec::new();
        push_str(&mut metadata, "continue", &self.continue_token);
        fields.push(("metadata", Value::Object(metadata)));
        push_str(&mut fields, "status", &self.status);
        push_str(&mut fields, "message", &self.message);
        push_str(&mut fields, "reason", &self.reason);
        if let Some(details) = &self.details {
            let mut d = Vec::new();
            push_str(&mut d, "name", &details.name);
            push_str(&mut d, "group", &details.group);
            push_str(&mut d, "kind", &details.kind);
            push_str(&mut d, "uid", &details.uid);
            if !details.causes.is_empty() {
                let causes = details
                    .causes
                    .iter()
                    .map(|c| {
                        let mut o = Vec::new();
                        push_str(&mut o, "reason", &c.reason);
                        push_str(&mut o, "message", &c.message);
                        push_str(&mut o, "field", &c.field);
                        Value::Object(o)
                    })
                    .collect();
                d.push(("causes", Value::Array(causes)));
            }
            if details.retry_after_seconds != 0 {
                d.push((
                    "retryAfterSeconds",
                    Value::Number(i64::from(details.retry_after_seconds)),
                ));
            }
            fields.push(("details", Value::Object(d)));
        }
        if self.code != 0 {
            fields.push(("code", Value::Number(i64::from(self.code))));
        }
        Value::Object(fields)
    }
}

impl fmt::Display for Status {
    /// The message, as Go's `StatusError.Error()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Status {}

fn push_str(fields: &mut Vec<(&'static str, json::Value)>, key: &'static str, value: &str) {
    if !value.is_empty() {
        fields.push((key, json::Value::str(value)));
    }
}

fn resource_details(resource: &GroupResource, name: &str) -> StatusDetails {
    StatusDetails {
        name: name.to_string(),
        group: resource.group.clone(),
        kind: resource.resource.clone(),
        ..StatusDetails::default()
    }
}

/// 401: the generic body kube-apiserver sends for every failed authentication.
pub fn unauthorized() -> Status {
    Status::failure(401, "Unauthorized", "Unauthorized".to_string(), None)
}

/// The authorization part of a denial, without the resource prefix, as kube-apiserver's
/// authorization filter words it: `User "u" cannot list resource "pods" in API group "" in the
/// namespace "ns"`, `… at the cluster scope`, or `User "u" cannot get path "/healthz"`.
pub fn forbidden_reason_message(attrs: &Attributes) -> String {
    let user = crate::go::quote(&attrs.user.name);
    if !attrs.resource_request {
        return format!(
            "User {user} cannot {} path {}",
            attrs.verb,
            crate::go::quote(&attrs.path)
        );
    }
    let mut resource = attrs.resource.clone();
    if !attrs.subresource.is_empty() {
        resource.push('/');
        resource.push_str(&attrs.subresource);
    }
    let scope = if attrs.namespace.is_empty() {
        "at the cluster scope".to_string()
    } else {
        format!("in the namespace {}", crate::go::quote(&attrs.namespace))
    };
    format!(
        "User {user} cannot {} resource {} in API group {} {scope}",
        attrs.verb,
        crate::go::quote(&resource),
        crate::go::quote(&attrs.api_group),
    )
}

/// 403 for an authorization denial, exactly as kube-apiserver's authorization filter builds it;
/// a non-empty `reason` (the authorizer's) is appended as `: reason`.
pub fn forbidden(attrs: &Attributes, reason: &str) -> Status {
    // The filter HTML-escapes its own message (not the reason).
    let message = forbidden_reason_message(attrs)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let message = if reason.is_empty() {
        message
    } else {
        format!("{message}: {reason}")
    };
    forbidden_with_message(&attrs.api_group, &attrs.resource, &attrs.name, &message)
}

/// 403 for any other Forbidden error (`errors.NewForbidden`): `{resource} "{name}" is forbidden:
/// {message}`, `{resource} is forbidden: {message}` without a name, or `forbidden: {message}`
/// when group and resource are both empty.
pub fn forbidden_with_message(group: &str, resource: &str, name: &str, message: &str) -> Status {
    let qualified = GroupResource::new(group, resource);
    let text = if qualified.is_empty() {
        format!("forbidden: {message}")
    } else if name.is_empty() {
        format!("{qualified} is forbidden: {message}")
    } else {
        format!(
            "{qualified} {} is forbidden: {message}",
            crate::go::quote(name)
        )
    };
    Status::failure(
        403,
        "Forbidden",
        text,
        Some(resource_details(&qualified, name)),
    )
}

/// 404 NotFound: `{resource}.{group} "{name}" not found`.
pub fn not_found(group: &str, resource: &str, name: &str) -> Status {
    let qualified = GroupResource::new(group, resource);
    Status::failure(
        404,
        "NotFound",
        format!("{qualified} {} not found", crate::go::quote(name)),
        Some(resource_details(&qualified, name)),
    )
}

/// 409 AlreadyExists: `{resource}.{group} "{name}" already exists`.
pub fn already_exists(group: &str, resource: &str, name: &str) -> Status {
    let qualified = GroupResource::new(group, resource);
    Status::failure(
        409,
        "AlreadyExists",
        format!("{qualified} {} already exists", crate::go::quote(name)),
        Some(resource_details(&qualified, name)),
    )
}

/// 409 Conflict: `Operation cannot be fulfilled on {resource}.{group} "{name}": {message}`.
pub fn conflict(group: &str, resource: &str, name: &str, message: &str) -> Status {
    let qualified = GroupResource::new(group, resource);
    Status::failure(
        409,
        "Conflict",
        format!(
            "Operation cannot be fulfilled on {qualified} {}: {message}",
            crate::go::quote(name)
        ),
        Some(resource_details(&qualified, name)),
    )
}

/// 422 Invalid: `{Kind}.{group} "{name}" is invalid: {errors}`, the errors aggregated as
/// Kubernetes does (one error alone, several as `[a, b]`, duplicates dropped); every error is
/// also a cause.
pub fn invalid(group: &str, kind: &str, name: &str, errors: Vec<FieldError>) -> Status {
    let qualified = GroupKind::new(group, kind);
    let causes = errors
        .iter()
        .map(|e| StatusCause {
            reason: e.error_type.reason().to_string(),
            message: e.error_body(),
            field: e.field.clone(),
        })
        .collect();
    let mut message = format!("{qualified} {} is invalid", crate::go::quote(name));
    let aggregate = aggregate(errors.iter().map(ToString::to_string));
    if !aggregate.is_empty() {
        message.push_str(": ");
        message.push_str(&aggregate);
    }
    Status::failure(
        422,
        "Invalid",
        message,
        Some(StatusDetails {
            name: name.to_string(),
            group: group.to_string(),
            kind: kind.to_string(),
            causes,
            ..StatusDetails::default()
        }),
    )
}

/// Joins messages as Kubernetes' error aggregate does: duplicates dropped, one message alone,
/// several as `[a, b]`, none as the empty string.
pub fn aggregate(messages: impl IntoIterator<Item = String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for message in messages {
        if !seen.contains(&message) {
            seen.push(message);
        }
    }
    match seen.len() {
        0 => String::new(),
        1 => seen.remove(0),
        _ => format!("[{}]", seen.join(", ")),
    }
}

/// 400 BadRequest with `message`.
pub fn bad_request(message: &str) -> Status {
    Status::failure(400, "BadRequest", message.to_string(), None)
}

/// 405 MethodNotAllowed: `{action} is not supported on resources of kind "{resource}.{group}"`.
pub fn method_not_allowed(group: &str, resource: &str, action: &str) -> Status {
    let qualified = GroupResource::new(group, resource);
    let message = format!(
        "{action} is not supported on resources of kind {}",
        crate::go::quote(&qualified.to_string())
    );
    let details = StatusDetails {
        group: group.to_string(),
        kind: resource.to_string(),
        ..StatusDetails::default()
    };
    Status::failure(405, "MethodNotAllowed", message, Some(details))
}

/// 504 Timeout for a read at a resourceVersion the store has not reached:
/// `Timeout: Too large resource version: R, current: C`, retry after one second.
pub fn too_large_resource_version(requested: u64, current: u64) -> Status {
    let details = StatusDetails {
        causes: vec![StatusCause {
            reason: "ResourceVersionTooLarge".to_string(),
            message: "Too large resource version".to_string(),
            ..StatusCause::default()
        }],
        retry_after_seconds: 1,
        ..StatusDetails::default()
    };
    Status::failure(
        504,
        "Timeout",
        format!("Timeout: Too large resource version: {requested}, current: {current}"),
        Some(details),
    )
}

/// 410 Expired (`NewResourceExpired`) with `message`: a resourceVersion or continue token
/// older than the store keeps.
pub fn expired(message: &str) -> Status {
    Status::failure(410, "Expired", message.to_string(), None)
}

/// 500 InternalError: `Internal error occurred: {message}`, with the message as the only cause.
pub fn internal_error(message: &str) -> Status {
    let details = StatusDetails {
        causes: vec![StatusCause {
            message: message.to_string(),
            ..StatusCause::default()
        }],
        ..StatusDetails::default()
    };
    Status::failure(
        500,
        "InternalError",
        format!("Internal error occurred: {message}"),
        Some(details),
    )
}

/// The type of a field error (`field.ErrorType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldErrorType {
    /// `FieldValueNotFound`: "Not found".
    NotFound,
    /// `FieldValueRequired`: "Required value".
    Required,
    /// `FieldValueDuplicate`: "Duplicate value".
    Duplicate,
    /// `FieldValueInvalid`: "Invalid value".
    Invalid,
    /// `FieldValueNotSupported`: "Unsupported value".
    NotSupported,
    /// `FieldValueForbidden`: "Forbidden".
    Forbidden,
    /// `FieldValueTooLong`: "Too long".
    TooLong,
    /// `FieldValueTooMany`: "Too many".
    TooMany,
    /// `InternalError`: "Internal error".
    Internal,
    /// `FieldValueTypeInvalid`: "Invalid value".
    TypeInvalid,
}

impl FieldErrorType {
    /// The machine-readable cause type, e.g. `FieldValueRequired`.
    pub fn reason(self) -> &'static str {
        match self {
            Self::NotFound => "FieldValueNotFound",
            Self::Required => "FieldValueRequired",
            Self::Duplicate => "FieldValueDuplicate",
            Self::Invalid => "FieldValueInvalid",
            Self::NotSupported => "FieldValueNotSupported",
            Self::Forbidden => "FieldValueForbidden",
            Self::TooLong => "FieldValueTooLong",
            Self::TooMany => "FieldValueTooMany",
            Self::Internal => "InternalError",
            Self::TypeInvalid => "FieldValueTypeInvalid",
        }
    }

    /// The human-readable label, e.g. `Required value`.
    pub fn label(self) -> &'static str {
        match self {
            Self::NotFound => "Not found",
            Self::Required => "Required value",
            Self::Duplicate => "Duplicate value",
            Self::Invalid | Self::TypeInvalid => "Invalid value",
            Self::NotSupported => "Unsupported value",
            Self::Forbidden => "Forbidden",
            Self::TooLong => "Too long",
            Self::TooMany => "Too many",
            Self::Internal => "Internal error",
        }
    }
}

/// The offending value of a field error, rendered as Kubernetes renders Go values.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum BadValue {
    /// No value is shown.
    Omit,
    /// A nil value: `null`.
    Null,
    /// An integer: `100`.
    Int(i64),
    /// A boolean: `true`.
    Bool(bool),
    /// A string, Go-quoted: `"Bad_Name"`.
    Str(String),
    /// Any other value, already rendered as Go's `json.Marshal` would: `["/healthz"]`.
    Json(String),
}

impl BadValue {
    /// A value rendered as JSON (lists, maps, structs), as recent Kubernetes versions show
    /// non-scalar values. Struct fields appear in declaration order; `<`, `>`, `&` are escaped as
    /// Go does.
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Self {
        match serde_json::to_string(value) {
            Ok(s) => Self::Json(go_json::escape_html(&s)),
            Err(_) => Self::Null,
        }
    }

    fn render(&self) -> Option<String> {
        match self {
            Self::Omit => None,
            Self::Null => Some("null".to_string()),
            Self::Int(i) => Some(i.to_string()),
            Self::Bool(b) => Some(b.to_string()),
            Self::Str(s) => Some(crate::go::quote(s)),
            Self::Json(s) => Some(s.clone()),
        }
    }
}

impl From<&str> for BadValue {
    fn from(value: &str) -> Self {
        Self::Str(value.to_string())
    }
}

impl From<String> for BadValue {
    fn from(value: String) -> Self {
        Self::Str(value)
    }
}

impl From<i64> for BadValue {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<i32> for BadValue {
    fn from(value: i32) -> Self {
        Self::Int(i64::from(value))
    }
}

impl From<bool> for BadValue {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

impl From<&[String]> for BadValue {
    fn from(value: &[String]) -> Self {
        Self::json(value)
    }
}

impl From<&[&str]> for BadValue {
    fn from(value: &[&str]) -> Self {
        Self::json(value)
    }
}

/// One field validation error (`field.Error`).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// The error type.
    pub error_type: FieldErrorType,
    /// The field path, e.g. `rules[0].verbs`.
    pub field: String,
    /// The offending value.
    pub bad_value: BadValue,
    /// Extra detail, e.g. `verbs must contain at least one value`.
    pub detail: String,
}

impl FieldError {
    fn new(error_type: FieldErrorType, field: &str, bad_value: BadValue, detail: &str) -> Self {
        Self {
            error_type,
            field: field.to_string(),
            bad_value,
            detail: detail.to_string(),
        }
    }

    /// `Required value[: detail]`.
    pub fn required(field: &str, detail: &str) -> Self {
        Self::new(FieldErrorType::Required, field, BadValue::Omit, detail)
    }

    /// `Invalid value: <value>[: detail]`.
    pub fn invalid(field: &str, value: impl Into<BadValue>, detail: &str) -> Self {
        Self::new(FieldErrorType::Invalid, field, value.into(), detail)
    }

    /// `Unsupported value: <value>[: supported values: "a", "b"]`.
    pub fn not_supported(field: &str, value: impl Into<BadValue>, supported: &[&str]) -> Self {
        let detail = if supported.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = supported.iter().map(|s| crate::go::quote(s)).collect();
            format!("supported values: {}", quoted.join(", "))
        };
        Self::new(FieldErrorType::NotSupported, field, value.into(), &detail)
    }

    /// `Forbidden[: detail]`.
    pub fn forbidden(field: &str, detail: &str) -> Self {
        Self::new(FieldErrorType::Forbidden, field, BadValue::Omit, detail)
    }

    /// `Duplicate value: <value>`.
    pub fn duplicate(field: &str, value: impl Into<BadValue>) -> Self {
        Self::new(FieldErrorType::Duplicate, field, value.into(), "")
    }

    /// `Not found: <value>`.
    pub fn not_found(field: &str, value: impl Into<BadValue>) -> Self {
        Self::new(FieldErrorType::NotFound, field, value.into(), "")
    }

    /// `Too long[: detail]` (the value is never shown).
    pub fn too_long(field: &str, detail: &str) -> Self {
        Self::new(FieldErrorType::TooLong, field, BadValue::Omit, detail)
    }

    /// `Too many: <actual>: must have at most <max> items`.
    pub fn too_many(field: &str, actual: i64, max: i64) -> Self {
        let detail = if max >= 0 {
            format!("must have at most {max} items")
        } else {
            "has too many items".to_string()
        };
        let value = if actual >= 0 {
            BadValue::Int(actual)
        } else {
            BadValue::Omit
        };
        Self::new(FieldErrorType::TooMany, field, value, &detail)
    }

    /// `Internal error: message`.
    pub fn internal(field: &str, message: &str) -> Self {
        Self::new(FieldErrorType::Internal, field, BadValue::Omit, message)
    }

    /// The message without the field (`ErrorBody`), used as the cause message.
    pub fn error_body(&self) -> String {
        let mut body = self.error_type.label().to_string();
        let shows_value = !matches!(
            self.error_type,
            FieldErrorType::Required
                | FieldErrorType::Forbidden
                | FieldErrorType::TooLong
                | FieldErrorType::Internal
        );
        if shows_value && let Some(value) = self.bad_value.render() {
            body.push_str(": ");
            body.push_str(&value);
        }
        if !self.detail.is_empty() {
            body.push_str(": ");
            body.push_str(&self.detail);
        }
        body
    }
}

impl fmt::Display for FieldError {
    /// `field: body`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.error_body())
    }
}

impl std::error::Error for FieldError {}

/// Go's JSON encoding details.
mod go_json {
    /// Escapes `<`, `>`, `&`, U+2028 and U+2029 as Go's `encoding/json` does; `json` must be
    /// JSON text, where these characters can only occur inside strings.
    pub(super) fn escape_html(json: &str) -> String {
        let mut out = String::with_capacity(json.len());
        for c in json.chars() {
            match c {
                '<' => out.push_str("\\u003c"),
                '>' => out.push_str("\\u003e"),
                '&' => out.push_str("\\u0026"),
                '\u{2028}' => out.push_str("\\u2028"),
                '\u{2029}' => out.push_str("\\u2029"),
                c => out.push(c),
            }
        }
        out
    }
}

/// A minimal JSON tree with Go's `encoding/json` output.
mod json {
    pub(super) enum Value {
        Str(String),
        Number(i64),
        Array(Vec<Value>),
        Object(Vec<(&'static str, Value)>),
    }

    impl Value {
        pub(super) fn str(s: &str) -> Self {
            Self::Str(s.to_string())
        }

        /// Writes the value; `indent` selects `MarshalIndent` layout.
        pub(super) fn write(&self, out: &mut String, indent: Option<&str>, depth: usize) {
            match self {
                Self::Str(s) => write_string(out, s),
                Self::Number(n) => out.push_str(&n.to_string()),
                Self::Array(items) => {
                    out.push('[');
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        newline(out, indent, depth + 1);
                        item.write(out, indent, depth + 1);
                    }
                    if !items.is_empty() {
                        newline(out, indent, depth);
                    }
                    out.push(']');
                }
                Self::Object(fields) => {
                    out.push('{');
                    for (i, (key, value)) in fields.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        newline(out, indent, depth + 1);
                        write_string(out, key);
                        out.push(':');
                        if indent.is_some() {
                            out.push(' ');
                        }
                        value.write(out, indent, depth + 1);
                    }
                    if !fields.is_empty() {
                        newline(out, indent, depth);
                    }
                    out.push('}');
                }
            }
        }
    }

    fn newline(out: &mut String, indent: Option<&str>, depth: usize) {
        if let Some(indent) = indent {
            out.push('\n');
            for _ in 0..depth {
                out.push_str(indent);
            }
        }
    }

    /// A JSON string as Go's `encoding/json` encodes it (HTML-safe).
    pub(super) fn write_string(out: &mut String, s: &str) {
        crate::go::write_json_string(out, s);
    }
}

#[cfg(test)]
mod tests;
