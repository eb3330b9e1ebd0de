//! A custom resource's validation rules (`x-kubernetes-validations`), evaluated as
//! apiextensions-apiserver evaluates them: CEL (the `cel` crate, with the strings and lists
//! extensions kube enables), `self` bound to the value of the schema node that declares the
//! rule, `oldSelf` to its previous value on an update — a rule that uses `oldSelf` is a
//! transition rule, checked only when there is a previous value (properties by name, map values
//! by key, items of a `listType: map` list by their map keys), unless it sets `optionalOldSelf`:
//! then it is always checked, `oldSelf` an optional (`optional.none()` without a previous
//! value) — and kube's field errors for a
//! rule that does not hold (`message`, `messageExpression`, `reason`, `fieldPath`) or that fails
//! to evaluate. CEL and Kubernetes' CEL libraries come from `kube-cel`. Pure: no I/O.

use std::collections::HashMap;
use std::sync::Arc;

use kube_cel::KubeCelExt as _;
use kube_cel::cel::objects::{Key, OptionalValue};
use kube_cel::cel::parser::Expression;
use kube_cel::cel::{Context, ExecutionError, Value as Cel};
use kubeward_core::status::{BadValue, FieldError};

use super::{cost, ratchet};
use serde_json::Value;

/// kube's error when the rules of a request have used up their cost budget.
const OUT_OF_BUDGET: &str =
    "validation failed due to running out of cost budget, no further validation rules will be run";

thread_local! {
    /// Kubernetes' CEL functions, registered once per thread; each evaluation binds its
    /// variables in a scope of its own.
    static ROOT: Context<'static> = Context::default().with_all();
}

/// The validation rules of one schema, compiled once (when the definition's kinds are built), by
/// their text: rules and message expressions. A rule that does not compile is logged then and
/// not checked.
pub struct Rules {
    programs: HashMap<String, Expression>,
}

impl Rules {
    /// The rules of `schema`; `None` when it declares none.
    pub fn compile(schema: &Value) -> Option<Self> {
        let mut sources = Vec::new();
        collect(schema, &mut sources);
        if sources.is_empty() {
            return None;
        }
        let mut programs = HashMap::new();
        for source in sources {
            if programs.contains_key(source) {
                continue;
            }
            match super::cel_source::parse(source) {
                Ok(program) => {
                    programs.insert(source.to_string(), program);
                }
                Err(_) => {
                    tracing::warn!(
                        rule = source,
                        "a validation rule does not compile; it is not checked"
                    );
                }
            }
        }
        Some(Self { programs })
    }

    /// The errors of the rules of `schema` (the one they were compiled from) on `object`, `old`
    /// being the stored object on an update.
    pub fn validate(&self, schema: &Value, object: &Value, old: Option<&Value>) -> Vec<FieldError> {
        let mut found = Found {
            errors: Vec::new(),
            remaining: cost::REQUEST_BUDGET,
            exhausted: false,
        };
        let root = root_view(object);
        let old_root = old.map(root_view);
        self.walk(schema, &root, old_root.as_ref(), "", &mut found);
        found.errors
    }
}

/// What the rules of one request found, and the cost budget left for them.
struct Found {
    errors: Vec<FieldError>,
    remaining: u64,
    /// The budget ran out, or one rule passed its limit: no further rule is run.
    exhausted: bool,
}

impl Found {
    fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }
}

/// The rule texts and message expressions `schema` declares, at any depth.
fn collect<'s>(schema: &'s Value, sources: &mut Vec<&'s str>) {
    match schema {
        Value::Object(map) => {
            for rule in map
                .get("x-kubernetes-validations")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                for field in ["rule", "messageExpression"] {
                    let source = text(rule, field).trim();
                    if !source.is_empty() {
                        sources.push(source);
                    }
                }
            }
            map.values().for_each(|child| collect(child, sources));
        }
        Value::Array(items) => items.iter().for_each(|child| collect(child, sources)),
        _ => {}
    }
}

/// The root as a rule sees it: `metadata` holds only `name` and `generateName`.
fn root_view(object: &Value) -> Value {
    let mut root = object.clone();
    if let Some(metadata) = root.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.retain(|key, _| key == "name" || key == "generateName");
    }
    root
}

/// Evaluation: the schema walked beside the object, each rule checked at its node.
impl Rules {
    fn walk(
        &self,
        schema: &Value,
        value: &Value,
        old: Option<&Value>,
        path: &str,
        errors: &mut Found,
    ) {
        if errors.exhausted {
            return;
        }
        if let Some(rules) = schema
            .get("x-kubernetes-validations")
            .and_then(Value::as_array)
        {
            if errors.remaining == 0 {
                errors.push(FieldError::invalid(
                    if path.is_empty() { "<nil>" } else { path },
                    BadValue::Str(text(schema, "type").to_string()),
                    OUT_OF_BUDGET,
                ));
                errors.exhausted = true;
                return;
            }
            for rule in rules {
                if errors.exhausted {
                    return;
                }
                self.check(rule, schema, value, old, path, errors);
            }
        }
        match value {
            Value::Object(map) => {
                if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                    for (name, child) in properties {
                        if let Some(inner) = map.get(name) {
                            let old_inner = old.and_then(|o| o.get(name));
                            self.walk(child, inner, old_inner, &child_path(path, name), errors);
                        }
                    }
                } else if let Some(additional) =
                    schema.get("additionalProperties").filter(|a| a.is_object())
                {
                    for (key, inner) in map {
                        let old_inner = old.and_then(|o| o.get(key));
                        self.walk(
                            additional,
                            inner,
                            old_inner,
                            &format!("{path}[{key}]"),
                            errors,
                        );
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item_schema) = schema.get("items").filter(|i| i.is_object()) {
                    let old_items = old.and_then(Value::as_array);
                    for (index, inner) in items.iter().enumerate() {
                        let old_inner =
                            old_items.and_then(|o| ratchet::map_list_item(schema, o, inner));
                        self.walk(
                            item_schema,
                            inner,
                            old_inner,
                            &format!("{path}[{index}]"),
                            errors,
                        );
                    }
                }
            }
            _ => {}
        }
    }

    /// Checks one rule of the node at `path`.
    fn check(
        &self,
        rule: &Value,
        schema: &Value,
        value: &Value,
        old: Option<&Value>,
        path: &str,
        errors: &mut Found,
    ) {
        let source = text(rule, "rule").trim();
        if source.is_empty() {
            return;
        }
        let optional = rule.get("optionalOldSelf").and_then(Value::as_bool) == Some(true);
        if is_transition(source) && old.is_none() && !optional {
            return;
        }
        // Ratcheting: a rule that does not read `oldSelf` is not run again on a node the
        // update leaves as it was.
        if !is_transition(source) && old.is_some_and(|old| old == value) {
            return;
        }
        let Some(program) = self.programs.get(source) else {
            return;
        };
        let kind = text(schema, "type");
        let shown = if path.is_empty() { "<nil>" } else { path };
        ROOT.with(|root| {
            let mut context = root.new_inner_scope();
            context.add_variable_from_value("self", to_cel(value, schema));
            let old = old.map(|old| to_cel(old, schema));
            if optional {
                let old = old.map_or_else(OptionalValue::none, OptionalValue::of);
                context.add_variable_from_value("oldSelf", Cel::Opaque(Arc::new(old)));
            } else if let Some(old) = old {
                context.add_variable_from_value("oldSelf", old);
            }
            let cost = cost::of(program, &context, cost::PER_CALL_LIMIT);
            if cost.min(cost::PER_CALL_LIMIT + 1) > errors.remaining {
                errors.push(FieldError::invalid(
                    shown,
                    BadValue::Str(kind.to_string()),
                    OUT_OF_BUDGET,
                ));
                errors.exhausted = true;
                return;
            }
            if cost > cost::PER_CALL_LIMIT {
                errors.push(FieldError::invalid(
                    shown,
                    BadValue::Str(kind.to_string()),
                    &format!(
                        "'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: {}",
                        rule_error_string(rule)
                    ),
                ));
                errors.exhausted = true;
                return;
            }
            errors.remaining -= cost;
            let failure = match context.resolve(program) {
                Ok(Cel::Bool(true)) => return,
                Ok(_) => None,
                Err(error) => Some(evaluation_error(&error)),
            };
            errors.push(self.field_error(rule, kind, path, shown, failure, &context));
        });
    }

    /// kube's field error for a rule that failed to evaluate (`failure`) or did not hold.
    fn field_error(
        &self,
        rule: &Value,
        kind: &str,
        path: &str,
        shown: &str,
        failure: Option<String>,
        context: &Context<'_>,
    ) -> FieldError {
        if let Some(error) = failure {
            return FieldError::invalid(
                shown,
                BadValue::Str(kind.to_string()),
                &format!("{error} evaluating rule: {}", rule_error_string(rule)),
            );
        }
        let field = match text(rule, "fieldPath").trim_start_matches('.') {
            "" => shown.to_string(),
            relative if path.is_empty() => relative.to_string(),
            relative => format!("{path}.{relative}"),
        };
        let message = self
            .message_of(rule, context)
            .unwrap_or_else(|| message_or_default(rule));
        match text(rule, "reason") {
            "FieldValueForbidden" => FieldError::forbidden(&field, &message),
            "FieldValueRequired" => FieldError::required(&field, &message),
            "FieldValueDuplicate" => FieldError::duplicate(&field, BadValue::Str(kind.to_string())),
            _ => FieldError::invalid(&field, BadValue::Str(kind.to_string()), &message),
        }
    }

    /// The message a `messageExpression` evaluates to, when it gives a non-empty string.
    fn message_of(&self, rule: &Value, context: &Context<'_>) -> Option<String> {
        let expression = text(rule, "messageExpression");
        if expression.is_empty() {
            return None;
        }
        match context
            .resolve(self.programs.get(expression.trim())?)
            .ok()?
        {
            Cel::String(message) if !message.trim().is_empty() => Some(message.trim().to_string()),
            _ => None,
        }
    }
}

fn child_path(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn text<'v>(value: &'v Value, field: &str) -> &'v str {
    value.get(field).and_then(Value::as_str).unwrap_or_default()
}

/// Whether the rule reads `oldSelf`.
fn is_transition(rule: &str) -> bool {
    rule.match_indices("oldSelf").any(|(at, _)| {
        let before = rule[..at].chars().next_back();
        let after = rule[at + "oldSelf".len()..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !ident(before) && !ident(after)
    })
}

/// `ruleErrorString`: the message when there is one, else the rule.
fn rule_error_string(rule: &Value) -> String {
    let message = text(rule, "message").trim();
    if message.is_empty() {
        text(rule, "rule").trim().to_string()
    } else {
        message.to_string()
    }
}

/// `ruleMessageOrDefault`.
fn message_or_default(rule: &Value) -> String {
    let message = text(rule, "message").trim();
    if message.is_empty() {
        format!("failed rule: {}", text(rule, "rule").trim())
    } else {
        message.to_string()
    }
}

/// An evaluation error as cel-go words the common ones.
fn evaluation_error(error: &ExecutionError) -> String {
    match error {
        ExecutionError::NoSuchKey(key) => format!("no such key: {key}"),
        other => other.to_string(),
    }
}

/// `value` as CEL sees it under `schema`: integers as `int`, `number` fields as `double`.
fn to_cel(value: &Value, schema: &Value) -> Cel {
    match value {
        Value::Null => Cel::Null,
        Value::Bool(b) => Cel::Bool(*b),
        Value::Number(n) if text(schema, "type") == "number" => {
            Cel::Float(n.as_f64().unwrap_or(0.0))
        }
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Cel::Int(i),
            (None, Some(u)) => Cel::UInt(u),
            _ => Cel::Float(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => Cel::String(Arc::new(s.clone())),
        Value::Array(items) => {
            let item_schema = schema.get("items").unwrap_or(&Value::Null);
            Cel::List(Arc::new(
                items.iter().map(|i| to_cel(i, item_schema)).collect(),
            ))
        }
        Value::Object(map) => {
            let properties = schema.get("properties");
            let additional = schema.get("additionalProperties").unwrap_or(&Value::Null);
            let entries: HashMap<Key, Cel> = map
                .iter()
                .map(|(key, inner)| {
                    let inner_schema = properties.and_then(|p| p.get(key)).unwrap_or(additional);
                    (Key::from(key.clone()), to_cel(inner, inner_schema))
                })
                .collect();
            Cel::Map(entries.into())
        }
    }
}

#[cfg(test)]
mod tests;
