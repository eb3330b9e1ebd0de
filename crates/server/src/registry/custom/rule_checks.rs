//! The checks kube-apiserver makes of a definition's validation rules (`x-kubernetes-validations`)
//! when the definition is created or updated, as apiextensions-apiserver's
//! `ValidateCustomResourceDefinitionOpenAPISchema` words them: the rule's own fields (`rule`,
//! `message`, `messageExpression`, `reason`, `fieldPath`), then — when those are sound at the
//! node and below — the compilation of the rule and of its message expression
//! (`compilation failed: ...`, `cel expression must evaluate to a bool`), `oldSelf` where the
//! schema cannot correlate an old value (under an atomic map or a list that is not
//! `listType: map`), `optionalOldSelf` on a rule that does not use `oldSelf`, and the estimated
//! cost of each rule and message expression (`estimated rule cost exceeds budget by factor of
//! …`: the worst case of one evaluation times the times the rule may run, over 10,000,000) and
//! of all the rules of the schema (over 100,000,000). Schema errors come before CEL errors,
//! deeper nodes before their parent. Pure: no I/O.

use kubeward_core::status::{BadValue, FieldError};
use serde::Serialize;
use serde_json::Value;

use super::expr_check::{Checker, Type};
use super::{cel_decl, cel_source, estimate};

/// The reasons a rule may give.
const REASONS: [&str; 4] = [
    "FieldValueDuplicate",
    "FieldValueForbidden",
    "FieldValueInvalid",
    "FieldValueRequired",
];

/// The errors of the validation rules of `schema`, the `openAPIV3Schema` at `path`
/// (`spec.validation.openAPIV3Schema` when every version has the same schema, as kube-apiserver
/// names it, else `spec.versions[i].schema.openAPIV3Schema`). `unchanged`: the schema is the
/// one the definition had before this update, so its rules are not refused one by one for
/// their estimated cost (kube's `suppressPerExpressionCost`); their total still counts.
pub fn check(schema: &Value, path: &str, unchanged: bool) -> Vec<FieldError> {
    let mut found = Found {
        suppress_per_expression: unchanged,
        ..Found::default()
    };
    walk(schema, path, None, true, Some(1), &mut found);
    let mut errors = found.schema;
    errors.extend(found.cel);
    if found.total.total > estimate::SCHEMA_LIMIT {
        for (rule, _) in &found.total.most_expensive {
            errors.push(FieldError::forbidden(
                rule,
                "contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema",
            ));
        }
        errors.push(FieldError::forbidden(
            path,
            &estimate::over_budget(
                "x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema",
                found.total.total,
                estimate::SCHEMA_LIMIT,
            ),
        ));
    }
    errors
}

#[derive(Default)]
struct Found {
    schema: Vec<FieldError>,
    cel: Vec<FieldError>,
    suppress_per_expression: bool,
    total: TotalCost,
}

/// The estimated cost of all the rules of a schema, and its four most expensive rules of at
/// least 1% of the limit (kube's `TotalCost`).
#[derive(Default)]
struct TotalCost {
    total: u64,
    most_expensive: Vec<(String, u64)>,
}

impl TotalCost {
    fn observe(&mut self, path: String, cost: u64) {
        self.total = self.total.saturating_add(cost);
        if cost < estimate::SCHEMA_LIMIT / 100 {
            return;
        }
        self.most_expensive.push((path, cost));
        self.most_expensive
            .sort_by_key(|rule| std::cmp::Reverse(rule.1));
        self.most_expensive.truncate(4);
    }
}

/// How many more values a node's children may have than the node itself
/// (`extractMaxElements`): a map's `maxProperties`, a list's `maxItems`, 1 for an object or a
/// scalar; `None` for an unbounded map or list.
fn max_elements(node: &Value) -> Option<u64> {
    let limit = |field: &str| {
        node.get(field)
            .and_then(Value::as_i64)
            .map(|n| u64::try_from(n).unwrap_or(0))
    };
    match node.get("type").and_then(Value::as_str) {
        Some("object") if node.get("additionalProperties").is_some() => limit("maxProperties"),
        Some("array") => limit("maxItems"),
        _ => Some(1),
    }
}

/// The node at `path`; `uncorrelatable`: the highest node above it that makes `oldSelf`
/// meaningless; `cardinality`: how many times the node may occur in an object, where lists and
/// maps above it bound it (`MaxCardinality`).
fn walk(
    node: &Value,
    path: &str,
    uncorrelatable: Option<&str>,
    root: bool,
    cardinality: Option<u64>,
    found: &mut Found,
) {
    let before = found.schema.len();
    let below = cardinality.and_then(|c| Some(c.saturating_mul(max_elements(node)?)));
    if let Some(values) = node.get("additionalProperties").filter(|v| v.is_object()) {
        walk(
            values,
            &format!("{path}.additionalProperties"),
            uncorrelatable,
            false,
            below,
            found,
        );
    }
    if let Some(properties) = node.get("properties").and_then(Value::as_object) {
        let atomic = node.get("x-kubernetes-map-type").and_then(Value::as_str) == Some("atomic");
        let within = uncorrelatable.or(atomic.then_some(path));
        let mut names: Vec<&String> = properties.keys().collect();
        names.sort();
        for name in names {
            let child = format!("{path}.properties[{name}]");
            walk(&properties[name], &child, within, false, below, found);
        }
    }
    if let Some(items) = node.get("items").filter(|v| v.is_object()) {
        let map = node.get("x-kubernetes-list-type").and_then(Value::as_str) == Some("map");
        let within = uncorrelatable.or((!map).then_some(path));
        walk(items, &format!("{path}.items"), within, false, below, found);
    }
    let rules = node
        .get("x-kubernetes-validations")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (index, rule) in rules.iter().enumerate() {
        let at = format!("{path}.x-kubernetes-validations[{index}]");
        fields(rule, node, &at, found);
    }
    if found.schema.len() > before {
        return;
    }
    for (index, rule) in rules.iter().enumerate() {
        let at = format!("{path}.x-kubernetes-validations[{index}]");
        let context = Context {
            at: &at,
            uncorrelatable,
            root,
            cardinality,
        };
        compile(rule, node, &context, found);
    }
}

fn text<'v>(rule: &'v Value, field: &str) -> &'v str {
    rule.get(field).and_then(Value::as_str).unwrap_or_default()
}

fn has_newlines(text: &str) -> bool {
    text.contains(['\n', '\r'])
}

/// The checks of a rule's own fields.
fn fields(rule: &Value, node: &Value, at: &str, found: &mut Found) {
    let (source, message) = (text(rule, "rule"), text(rule, "message"));
    let errors = &mut found.schema;
    if source.trim().is_empty() {
        errors.push(FieldError::required(
            &format!("{at}.rule"),
            "rule is not specified",
        ));
    } else if !message.is_empty() && message.trim().is_empty() {
        errors.push(FieldError::invalid(
            &format!("{at}.message"),
            message,
            "must be non-empty if specified",
        ));
    } else if has_newlines(message.trim()) {
        errors.push(FieldError::invalid(
            &format!("{at}.message"),
            message,
            "must not contain line breaks",
        ));
    } else if has_newlines(source.trim()) && message.trim().is_empty() {
        errors.push(FieldError::required(
            &format!("{at}.message"),
            "message must be specified if rule contains line breaks",
        ));
    }
    let expression = text(rule, "messageExpression");
    if !expression.is_empty() && expression.trim().is_empty() {
        errors.push(FieldError::required(
            &format!("{at}.messageExpression"),
            "messageExpression must be non-empty if specified",
        ));
    }
    if let Some(reason) = rule.get("reason").and_then(Value::as_str)
        && !REASONS.contains(&reason)
    {
        errors.push(FieldError::not_supported(
            &format!("{at}.reason"),
            reason,
            &REASONS,
        ));
    }
    let field_path = text(rule, "fieldPath");
    if !field_path.is_empty() && field_path.trim().is_empty() {
        errors.push(FieldError::invalid(
            &format!("{at}.fieldPath"),
            field_path,
            "must be non-empty if specified",
        ));
    }
    if has_newlines(field_path) {
        errors.push(FieldError::invalid(
            &format!("{at}.fieldPath"),
            field_path,
            "must not contain line breaks",
        ));
    }
    if !field_path.is_empty() && !path_valid(node, field_path) {
        errors.push(FieldError::invalid(
            &format!("{at}.fieldPath"),
            field_path,
            "must be a valid path",
        ));
    }
}

/// Whether `path` (`.spec.name`, `.labels['app.kubernetes.io/name']`) names a field `node`
/// declares, as `ValidFieldPath` reads it: `.name` or `['name']` steps, through properties or
/// the values of a map.
fn path_valid(node: &Value, path: &str) -> bool {
    let mut tokens = path_tokens(path).into_iter();
    let mut at = node;
    while let Some(token) = tokens.next() {
        let name = match token.as_str() {
            "[" => {
                let Some(quoted) = tokens.next() else {
                    return false;
                };
                let Some(inner) = quoted
                    .strip_prefix('\'')
                    .and_then(|q| q.strip_suffix('\''))
                    .filter(|_| quoted.len() >= 2)
                else {
                    return false;
                };
                if tokens.next().as_deref() != Some("]") {
                    return false;
                }
                inner.replace("\\'", "'").replace("\\\\", "\\")
            }
            "." => match tokens.next() {
                Some(name) => name,
                None => return false,
            },
            _ => return false,
        };
        at = if let Some(properties) = at.get("properties") {
            match properties.get(&name) {
                Some(child) => child,
                None => return false,
            }
        } else if let Some(values) = at.get("additionalProperties") {
            values
        } else {
            return false;
        };
    }
    true
}

/// `path` split as `ValidFieldPath` splits it: `.`, `[` and `]` alone, quoted strings whole,
/// the text between.
fn path_tokens(path: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        let end = if rest.starts_with('\'') {
            let bytes = rest.as_bytes();
            (1..bytes.len())
                .find(|&i| bytes[i] == b'\'' && bytes[i - 1] != b'\\')
                .map_or(rest.len(), |i| i + 1)
        } else if rest.starts_with(['.', '[', ']']) {
            1
        } else {
            rest.find(['.', '[', ']']).unwrap_or(rest.len())
        };
        tokens.push(rest[..end].to_string());
        rest = &rest[end..];
    }
    tokens
}

/// The rule as kube-apiserver shows it in an error: its internal `ValidationRule`, JSON-encoded
/// with Go's field names.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoRule<'a> {
    rule: &'a str,
    message: &'a str,
    message_expression: &'a str,
    reason: Option<&'a str>,
    field_path: &'a str,
    optional_old_self: Option<bool>,
}

fn shown(rule: &Value) -> BadValue {
    BadValue::json(&GoRule {
        rule: text(rule, "rule"),
        message: text(rule, "message"),
        message_expression: text(rule, "messageExpression"),
        reason: rule.get("reason").and_then(Value::as_str),
        field_path: text(rule, "fieldPath"),
        optional_old_self: rule.get("optionalOldSelf").and_then(Value::as_bool),
    })
}

/// Where a rule is declared.
struct Context<'a> {
    /// The rule's path.
    at: &'a str,
    /// The highest node above that makes `oldSelf` meaningless.
    uncorrelatable: Option<&'a str>,
    /// The rule sits at the resource's root.
    root: bool,
    /// How many times its node may occur, where bounded.
    cardinality: Option<u64>,
}

/// The compilation of one rule of `node`, as `compileRule` reports it, with its estimated cost
/// (the cost of one evaluation times the times it may run).
fn compile(rule: &Value, node: &Value, context: &Context<'_>, found: &mut Found) {
    let (at, root) = (context.at, context.root);
    let source = text(rule, "rule");
    if source.trim().is_empty() {
        return;
    }
    let optional = rule.get("optionalOldSelf").and_then(Value::as_bool) == Some(true);
    let rule_error =
        |detail: String| FieldError::invalid(&format!("{at}.rule"), shown(rule), &detail);
    let mut uses_old_self = false;
    let mut errors = Vec::new();
    match cel_source::parse(source) {
        Err(syntax) => errors.push(rule_error(format!("compilation failed: {syntax}"))),
        Ok(expression) => {
            let (kind, issues) = Checker::new(source, node, root, optional).check(&expression);
            if let Some(issues) = issues {
                errors.push(rule_error(format!("compilation failed: {issues}")));
            } else if is_not(&kind, "bool") {
                errors.push(rule_error("cel expression must evaluate to a bool".into()));
            } else {
                uses_old_self = expression.references().has_variable("oldSelf");
                let declared = declared(node, root);
                let times = match (context.cardinality, &declared) {
                    (Some(bounded), _) => bounded,
                    (None, Some(declared)) => estimate::max_cardinality(declared),
                    (None, None) => 0,
                };
                let once = estimate::cost(&expression, declared, optional).max;
                let cost = if once == 0 {
                    0
                } else {
                    once.saturating_mul(times)
                };
                found.total.observe(format!("{at}.rule"), cost);
                if !found.suppress_per_expression && cost > estimate::RULE_LIMIT {
                    found.cel.push(FieldError::forbidden(
                        &format!("{at}.rule"),
                        &estimate::over_budget("estimated rule cost", cost, estimate::RULE_LIMIT),
                    ));
                }
                errors.extend(message_expression(rule, node, at, root, optional, found));
            }
        }
    }
    found.cel.extend(errors);
    if uses_old_self {
        if let Some(within) = context.uncorrelatable {
            found.cel.push(FieldError::invalid(
                &format!("{at}.rule"),
                source,
                &format!(
                    "oldSelf cannot be used on the uncorrelatable portion of the schema within {within}"
                ),
            ));
        }
    } else if let Some(optional) = rule.get("optionalOldSelf").and_then(Value::as_bool) {
        found.cel.push(FieldError::invalid(
            &format!("{at}.optionalOldSelf"),
            BadValue::Bool(optional),
            "may not be set if oldSelf is not used in rule",
        ));
    }
}

/// How CEL declares `node`: a resource root (the schema's, or an embedded resource) with
/// `apiVersion`, `kind` and `metadata`'s names.
fn declared(node: &Value, root: bool) -> Option<std::sync::Arc<cel_decl::Decl>> {
    let embedded = node
        .get("x-kubernetes-embedded-resource")
        .and_then(Value::as_bool)
        == Some(true);
    cel_decl::declare(node, root || embedded)
}

/// Whether a value of `kind` is certainly not a `name`.
fn is_not(kind: &Type, name: &str) -> bool {
    kind.name().is_some_and(|known| known != name)
}

/// The errors of the rule's `messageExpression`, if it has one: its compilation, else its
/// estimated cost over the limit (counted in the schema's total either way it compiles).
fn message_expression(
    rule: &Value,
    node: &Value,
    at: &str,
    root: bool,
    optional: bool,
    found: &mut Found,
) -> Option<FieldError> {
    let source = text(rule, "messageExpression");
    if source.trim().is_empty() {
        return None;
    }
    let error = |detail: String| {
        FieldError::invalid(&format!("{at}.messageExpression"), shown(rule), &detail)
    };
    match cel_source::parse(source) {
        Err(syntax) => Some(error(format!(
            "messageExpression compilation failed: {syntax}"
        ))),
        Ok(expression) => {
            let (kind, issues) = Checker::new(source, node, root, optional).check(&expression);
            if let Some(issues) = issues {
                return Some(error(format!(
                    "messageExpression compilation failed: {issues}"
                )));
            }
            if is_not(&kind, "string") {
                return Some(error("messageExpression must evaluate to a string".into()));
            }
            let path = format!("{at}.messageExpression");
            let cost = estimate::cost(&expression, declared(node, root), optional).max;
            found.total.observe(path.clone(), cost);
            (!found.suppress_per_expression && cost > estimate::RULE_LIMIT).then(|| {
                FieldError::forbidden(
                    &path,
                    &estimate::over_budget(
                        "estimated messageExpression cost",
                        cost,
                        estimate::RULE_LIMIT,
                    ),
                )
            })
        }
    }
}

#[cfg(test)]
mod tests;
