//! The structural schema of a custom resource version (`openAPIV3Schema`) applied to an object
//! as kube-apiserver's apiextensions-apiserver applies it: defaulting (`default`), pruning of
//! the fields the schema does not declare (unless `x-kubernetes-preserve-unknown-fields`), and
//! validation (types, `nullable`, `required`, `enum`, `pattern`, bounds, lengths, item counts,
//! `x-kubernetes-int-or-string`) with kube-openapi's messages turned into field errors as
//! `kubeOpenAPIResultToFieldErrors` does.

use kubeward_core::status::{BadValue, FieldError, FieldErrorType};
use serde_json::{Map, Value};

/// The fields every object keeps at its root whatever its schema says.
const ROOT_FIELDS: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// Fills in the schema's defaults of fields absent from `object` (objects present only: a
/// default never creates its parent).
pub fn default(schema: &Value, object: &mut Value) {
    match object {
        Value::Object(map) => {
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (name, property) in properties {
                    if !map.contains_key(name)
                        && let Some(default) = property.get("default")
                    {
                        map.insert(name.clone(), default.clone());
                    }
                    if let Some(child) = map.get_mut(name) {
                        default_child(property, child);
                    }
                }
            } else if let Some(values) =
                schema.get("additionalProperties").filter(|s| s.is_object())
            {
                for child in map.values_mut() {
                    default_child(values, child);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for item in items {
                    default_child(item_schema, item);
                }
            }
        }
        _ => {}
    }
}

fn default_child(schema: &Value, child: &mut Value) {
    if !child.is_null() {
        default(schema, child);
    }
}

/// Drops the fields of `object` its schema does not declare; `root` keeps `apiVersion`, `kind`
/// and `metadata` (as every object and an embedded resource do).
pub fn prune(schema: &Value, object: &mut Value, root: bool) {
    let preserve = flag(schema, "x-kubernetes-preserve-unknown-fields");
    let embedded = root || flag(schema, "x-kubernetes-embedded-resource");
    match object {
        Value::Object(map) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties");
            map.retain(|name, child| {
                if embedded && ROOT_FIELDS.contains(&name.as_str()) {
                    return true;
                }
                if let Some(property) = properties.and_then(|p| p.get(name)) {
                    prune(property, child, false);
                    return true;
                }
                match additional {
                    Some(values) if values.is_object() => {
                        prune(values, child, false);
                        true
                    }
                    Some(Value::Bool(true)) => true,
                    _ => preserve,
                }
            });
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for item in items {
                    prune(item_schema, item, false);
                }
            }
        }
        _ => {}
    }
}

/// Validates `object` against `schema`; errors name fields as kube-apiserver does
/// (`spec.replicas`, `spec.ports[0].port`).
pub fn validate(schema: &Value, object: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    check(schema, object, "", &mut errors);
    errors
}

fn flag(schema: &Value, name: &str) -> bool {
    schema.get(name).and_then(Value::as_bool) == Some(true)
}

fn child_path(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// The JSON type of a value as go-openapi names it.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The value as a field error shows it.
fn bad_value(value: &Value) -> BadValue {
    match value {
        Value::Null => BadValue::Null,
        Value::Bool(b) => BadValue::Bool(*b),
        Value::String(s) => BadValue::Str(s.clone()),
        Value::Number(n) => match n.as_i64() {
            Some(i) => BadValue::Int(i),
            None => BadValue::Json(n.to_string()),
        },
        other => BadValue::json(other),
    }
}

/// A number as Go's `%v` prints a float64.
fn go_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e21 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn type_matches(wanted: &str, value: &Value) -> bool {
    match (wanted, value) {
        ("object", Value::Object(_))
        | ("array", Value::Array(_))
        | ("string", Value::String(_))
        | ("boolean", Value::Bool(_)) => true,
        ("number", Value::Number(_)) => true,
        ("integer", Value::Number(n)) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}

fn check(schema: &Value, value: &Value, path: &str, errors: &mut Vec<FieldError>) {
    let shown = if path.is_empty() { "<nil>" } else { path };
    let int_or_string = flag(schema, "x-kubernetes-int-or-string");
    let declared = schema.get("type").and_then(Value::as_str).unwrap_or("");
    let wanted: Vec<&str> = if int_or_string {
        vec!["integer", "string"]
    } else if declared.is_empty() {
        Vec::new()
    } else {
        vec![declared]
    };
    if value.is_null() {
        if flag(schema, "nullable") || wanted.is_empty() {
            return;
        }
        errors.push(type_error(shown, &wanted, value));
        return;
    }
    if !wanted.is_empty() && !wanted.iter().any(|t| type_matches(t, value)) {
        errors.push(type_error(shown, &wanted, value));
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        let values: Vec<String> = allowed
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        errors.push(FieldError::not_supported(shown, bad_value(value), &refs));
    }
    match value {
        Value::String(text) => check_string(schema, text, value, shown, errors),
        Value::Number(n) => check_number(schema, n.as_f64().unwrap_or(0.0), value, shown, errors),
        Value::Array(items) => {
            check_items(schema, items.len(), shown, errors);
            if let Some(item_schema) = schema.get("items").filter(|s| s.is_object()) {
                for (index, item) in items.iter().enumerate() {
                    check(item_schema, item, &format!("{path}[{index}]"), errors);
                }
            }
        }
        Value::Object(map) => check_object(schema, map, path, errors),
        _ => {}
    }
}

fn type_error(path: &str, wanted: &[&str], value: &Value) -> FieldError {
    let actual = type_name(value);
    FieldError {
        error_type: FieldErrorType::TypeInvalid,
        field: path.to_string(),
        bad_value: BadValue::Str(actual.to_string()),
        detail: format!(
            "{path} in body must be of type {}: {}",
            wanted.join(","),
            kubeward_core::go::quote(actual)
        ),
    }
}

fn check_string(
    schema: &Value,
    text: &str,
    value: &Value,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    let length = text.chars().count() as i64;
    if let Some(max) = schema.get("maxLength").and_then(Value::as_i64)
        && length > max
    {
        let unit = if max == 1 { "byte" } else { "bytes" };
        errors.push(FieldError::too_long(
            path,
            &format!("may not be more than {max} {unit}"),
        ));
    }
    if let Some(min) = schema.get("minLength").and_then(Value::as_i64)
        && length < min
    {
        errors.push(FieldError::invalid(
            path,
            bad_value(value),
            &format!("{path} in body should be at least {min} chars long"),
        ));
    }
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
        let matches = regex::Regex::new(pattern).map(|re| re.is_match(text));
        if matches != Ok(true) {
            errors.push(FieldError::invalid(
                path,
                bad_value(value),
                &format!("{path} in body should match '{pattern}'"),
            ));
        }
    }
}

fn check_number(schema: &Value, n: f64, value: &Value, path: &str, errors: &mut Vec<FieldError>) {
    if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
        let exclusive = flag(schema, "exclusiveMaximum");
        if n > max || (exclusive && n == max) {
            let relation = if exclusive {
                "less than"
            } else {
                "less than or equal to"
            };
            errors.push(FieldError::invalid(
                path,
                bad_value(value),
                &format!("{path} in body should be {relation} {}", go_number(max)),
            ));
        }
    }
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
        let exclusive = flag(schema, "exclusiveMinimum");
        if n < min || (exclusive && n == min) {
            let relation = if exclusive {
                "greater than"
            } else {
                "greater than or equal to"
            };
            errors.push(FieldError::invalid(
                path,
                bad_value(value),
                &format!("{path} in body should be {relation} {}", go_number(min)),
            ));
        }
    }
}

fn check_items(schema: &Value, count: usize, path: &str, errors: &mut Vec<FieldError>) {
    let count = count as i64;
    if let Some(max) = schema.get("maxItems").and_then(Value::as_i64)
        && count > max
    {
        errors.push(FieldError::too_many(path, count, max));
    }
    if let Some(min) = schema.get("minItems").and_then(Value::as_i64)
        && count < min
    {
        errors.push(FieldError::invalid(
            path,
            BadValue::Int(count),
            &format!("{path} in body should have at least {min} items"),
        ));
    }
}

fn check_object(
    schema: &Value,
    map: &Map<String, Value>,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    for required in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !map.contains_key(required) {
            errors.push(FieldError::required(&child_path(path, required), ""));
        }
    }
    let properties = schema.get("properties").and_then(Value::as_object);
    let additional = schema.get("additionalProperties").filter(|s| s.is_object());
    for (name, child) in map {
        if path.is_empty() && name == "metadata" {
            continue;
        }
        let child_schema = properties.and_then(|p| p.get(name)).or(additional);
        if let Some(child_schema) = child_schema {
            check(child_schema, child, &child_path(path, name), errors);
        }
    }
}

#[cfg(test)]
mod tests;
