//! The part of cel-go's type check kube-apiserver's compilation of a validation rule reports
//! that a parsed expression allows without types: references to undeclared variables
//! (`undeclared reference to 'x' (in container '')`), fields the schema does not declare on
//! `self`/`oldSelf` (`undefined field 'x'`), field selection on a scalar (`type 'string' does not
//! support field selection`), and the type of the result where it is certain (a rule must give a
//! `bool`, a message expression a `string`: a call's from the overloads of `cel_functions` its
//! arguments' types admit), calls of functions no library of kube's CEL environment declares
//! (`undeclared reference to 'foo' (in container '')`), and operators applied to scalars no
//! overload takes (`found no matching overload for '_+_' applied to '(int, string)'`). Other
//! overloads (argument counts and types of functions, operators on lists, maps and objects) are
//! left to evaluation, not to refuse what cel-go accepts. Pure: no I/O.

use std::collections::HashMap;

use kube_cel::cel::common::ast::Expr;
use kube_cel::cel::parser::Expression;
use serde_json::{Value, json};

use super::cel_functions::resolve;
use super::cel_source;
use super::cel_types::{Join, Ty};

mod functions;

/// What is known of an expression's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    /// A value of this schema node.
    Schema(Value),
    /// A CEL type by name (`bool`, `int`, `string`, `list`, ...).
    Named(&'static str),
    /// Anything (`dyn`, or not worked out here).
    Unknown,
}

impl Type {
    /// The CEL type name, where it is known.
    pub fn name(&self) -> Option<&'static str> {
        match self {
            Self::Named(name) => Some(name),
            Self::Schema(schema) => schema_type_name(schema),
            Self::Unknown => None,
        }
    }

    /// What is known of a value of type `ty`: its name.
    pub fn of(ty: &Ty) -> Self {
        ty.name().map_or(Self::Unknown, Self::Named)
    }

    /// The CEL type, as far as its name tells it (the types of lists' and maps' elements are
    /// not worked out here).
    pub fn cel(&self) -> Ty {
        self.name().map_or(Ty::Dyn, Ty::named)
    }
}

/// The CEL type of values of a schema node, when it is one type.
fn schema_type_name(schema: &Value) -> Option<&'static str> {
    let flag = |name: &str| schema.get(name).and_then(Value::as_bool) == Some(true);
    if flag("x-kubernetes-int-or-string") || flag("x-kubernetes-preserve-unknown-fields") {
        return None;
    }
    match schema.get("type").and_then(Value::as_str)? {
        "boolean" => Some("bool"),
        "integer" => Some("int"),
        "number" => Some("double"),
        "string" => match schema.get("format").and_then(Value::as_str) {
            Some("date" | "date-time") => Some("google.protobuf.Timestamp"),
            Some("duration") => Some("google.protobuf.Duration"),
            Some("byte") => Some("bytes"),
            _ => Some("string"),
        },
        "array" => Some("list"),
        "object"
            if schema
                .get("additionalProperties")
                .is_some_and(Value::is_object) =>
        {
            Some("map")
        }
        "object" => Some("object"),
        _ => None,
    }
}

/// The checker of one expression of a schema node.
pub struct Checker<'a> {
    source: &'a str,
    /// In scope: `self`, `oldSelf` and the variables of the comprehensions around.
    scope: Vec<HashMap<String, Type>>,
    /// The rule sits at the root of the resource (`self.metadata` holds `name` and
    /// `generateName` only; `apiVersion` and `kind` exist).
    root: bool,
    issues: Vec<(usize, String)>,
}

impl<'a> Checker<'a> {
    /// A checker for `source` at `schema`; `optional_old_self`: `oldSelf` is an optional.
    pub fn new(source: &'a str, schema: &Value, root: bool, optional_old_self: bool) -> Self {
        let mut variables = HashMap::new();
        variables.insert("self".to_string(), Type::Schema(schema.clone()));
        let old = if optional_old_self {
            Type::Named("optional_type")
        } else {
            Type::Schema(schema.clone())
        };
        variables.insert("oldSelf".to_string(), old);
        Self {
            source,
            scope: vec![variables],
            root,
            issues: Vec::new(),
        }
    }

    /// The type of `expression`, and cel-go's text of its issues (empty when there are none),
    /// ordered by position.
    pub fn check(mut self, expression: &Expression) -> (Type, Option<String>) {
        let kind = self.visit(expression);
        if self.issues.is_empty() {
            return (kind, None);
        }
        self.issues.sort_by_key(|(at, _)| *at);
        self.issues.dedup();
        let text = self
            .issues
            .iter()
            .map(|(at, message)| cel_source::issue(self.source, *at, message))
            .collect::<Vec<_>>()
            .join("\n");
        (kind, Some(text))
    }

    fn lookup(&self, name: &str) -> Option<Type> {
        self.scope.iter().rev().find_map(|s| s.get(name).cloned())
    }

    fn visit(&mut self, expression: &Expression) -> Type {
        match &expression.expr {
            Expr::Ident(name) => self.ident(name),
            Expr::Literal(literal) => Type::of(&Ty::of_literal(literal)),
            Expr::Select(select) => {
                let at_root = self.root
                    && matches!(&select.operand.expr, Expr::Ident(n) if n == "self" || n == "oldSelf");
                let operand = self.visit(&select.operand);
                let field = self.select(&operand, &select.field, at_root);
                if select.test {
                    Type::Named("bool")
                } else {
                    field
                }
            }
            Expr::Call(call) => {
                // A namespace of functions (`optional.of`, `sets.contains`) is no variable.
                let namespace = call.target.as_ref().and_then(|target| match &target.expr {
                    Expr::Ident(name) if self.lookup(name).is_none() => Some(name),
                    _ => None,
                });
                let args: Vec<Type> = call.args.iter().map(|arg| self.visit(arg)).collect();
                let receiver = call.target.as_ref().filter(|_| namespace.is_none());
                let target = receiver.map(|target| self.visit(target).cel());
                if namespace.is_none() && !functions::declared(&call.func_name) {
                    let at = cel_source::find_call(self.source, &call.func_name).unwrap_or(0);
                    self.issues.push((
                        at,
                        format!(
                            "undeclared reference to '{}' (in container '')",
                            call.func_name
                        ),
                    ));
                    return Type::Unknown;
                }
                if call.target.is_none()
                    && let Some(message) = functions::no_matching_overload(&call.func_name, &args)
                {
                    let symbol = functions::symbol(&call.func_name).unwrap_or_default();
                    let at = cel_source::find_operator(self.source, symbol).unwrap_or(0);
                    self.issues.push((at, message));
                    return Type::Unknown;
                }
                let function = namespace.map_or(call.func_name.clone(), |namespace| {
                    format!("{namespace}.{}", call.func_name)
                });
                let args: Vec<Ty> = args.iter().map(Type::cel).collect();
                Type::of(&resolve(&function, target.as_ref(), &args, Join::Certain).result)
            }
            Expr::Comprehension(comprehension) => {
                let range = self.visit(&comprehension.iter_range);
                let accumulator = self.visit(&comprehension.accu_init);
                let mut variables = HashMap::new();
                let item = match &range {
                    Type::Schema(schema) => schema
                        .get("items")
                        .filter(|i| i.is_object())
                        .map_or(Type::Unknown, |items| Type::Schema(items.clone())),
                    _ => Type::Unknown,
                };
                variables.insert(comprehension.iter_var.clone(), item);
                if let Some(second) = &comprehension.iter_var2 {
                    variables.insert(second.clone(), Type::Unknown);
                }
                variables.insert(comprehension.accu_var.clone(), accumulator);
                self.scope.push(variables);
                self.visit(&comprehension.loop_cond);
                self.visit(&comprehension.loop_step);
                let result = self.visit(&comprehension.result);
                self.scope.pop();
                result
            }
            Expr::List(list) => {
                for element in &list.elements {
                    self.visit(element);
                }
                Type::Named("list")
            }
            Expr::Map(map) => {
                for entry in &map.entries {
                    if let kube_cel::cel::common::ast::EntryExpr::MapEntry(entry) = &entry.expr {
                        self.visit(&entry.key);
                        self.visit(&entry.value);
                    }
                }
                Type::Named("map")
            }
            Expr::Struct(_) | Expr::Unspecified => Type::Unknown,
        }
    }

    fn ident(&mut self, name: &str) -> Type {
        if let Some(kind) = self.lookup(name) {
            return kind;
        }
        const TYPES: [&str; 11] = [
            "bool",
            "bytes",
            "double",
            "int",
            "uint",
            "string",
            "list",
            "map",
            "null_type",
            "type",
            "dyn",
        ];
        if !TYPES.contains(&name) {
            let at = cel_source::find_ident(self.source, name).unwrap_or(0);
            self.issues.push((
                at,
                format!("undeclared reference to '{name}' (in container '')"),
            ));
        }
        Type::Unknown
    }

    /// The type of `field` of a value of type `operand`.
    fn select(&mut self, operand: &Type, field: &str, root: bool) -> Type {
        let Type::Schema(schema) = operand else {
            return Type::Unknown;
        };
        let flag = |name: &str| schema.get(name).and_then(Value::as_bool) == Some(true);
        if root {
            match field {
                "apiVersion" | "kind" => return Type::Named("string"),
                "metadata" => {
                    return Type::Schema(json!({"type": "object", "properties": {
                        "name": {"type": "string"}, "generateName": {"type": "string"}}}));
                }
                _ => {}
            }
        }
        if flag("x-kubernetes-preserve-unknown-fields")
            || flag("x-kubernetes-int-or-string")
            || flag("x-kubernetes-embedded-resource")
            || field.contains("__")
        {
            return Type::Unknown;
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("object") => {
                if let Some(child) = schema.pointer(&format!("/properties/{}", pointer(field))) {
                    return Type::Schema(child.clone());
                }
                match schema.get("additionalProperties") {
                    Some(values) if values.is_object() => Type::Schema(values.clone()),
                    Some(Value::Bool(true)) => Type::Unknown,
                    _ => {
                        self.issue_at_select(field, format!("undefined field '{field}'"));
                        Type::Unknown
                    }
                }
            }
            Some("string" | "integer" | "number" | "boolean") => {
                if let Some(name) = schema_type_name(schema) {
                    self.issue_at_select(
                        field,
                        format!("type '{name}' does not support field selection"),
                    );
                }
                Type::Unknown
            }
            _ => Type::Unknown,
        }
    }

    fn issue_at_select(&mut self, field: &str, message: String) {
        let at = cel_source::find_select(self.source, field).unwrap_or(0);
        self.issues.push((at, message));
    }
}

/// `field` escaped for a JSON pointer.
fn pointer(field: &str) -> String {
    field.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests;
