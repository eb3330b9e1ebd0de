//! CEL of the `AuthenticationConfiguration`: expressions compiled once when the configuration
//! is loaded, evaluated per token over `claims` (the token's payload) or `user` (the mapped
//! user: `username`, `uid`, `groups`, `extra`), with Kubernetes' CEL extension functions
//! (through `kube-cel`). An expression may only use the variable of its environment, as
//! kube-apiserver's CEL compiler declares only that one.

use kube_cel::KubeCelExt as _;
/// A CEL value (what expressions are evaluated over and return).
pub use kube_cel::cel::Value;
use kube_cel::cel::common::ast::{Expr, IdedExpr};
use kube_cel::cel::{Context, Program};

/// Why an expression cannot be compiled or evaluated.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CelError {
    /// The expression does not parse, or uses a variable its environment lacks.
    #[error("compilation failed: {0}")]
    Compile(String),
    /// Evaluation failed (a missing claim, a type error).
    #[error("{0}")]
    Eval(String),
    /// The result has the wrong type.
    #[error("{0}")]
    Type(String),
}

/// Which variable an expression sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// `claims`: claim validation rules and claim mappings.
    Claims,
    /// `user`: user validation rules.
    User,
    /// `request`: the match conditions of an authorization webhook (`AuthorizationConfiguration`),
    /// over the SubjectAccessReview spec.
    Request,
}

impl Environment {
    fn variable(self) -> &'static str {
        match self {
            Self::Claims => "claims",
            Self::User => "user",
            Self::Request => "request",
        }
    }
}

/// A compiled expression.
pub struct Expression {
    source: String,
    program: Program,
    environment: Environment,
}

impl std::fmt::Debug for Expression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Expression")
            .field("source", &self.source)
            .field("environment", &self.environment)
            .finish()
    }
}

impl Expression {
    /// Compiles `source` for `environment`.
    pub fn compile(source: &str, environment: Environment) -> Result<Self, CelError> {
        let program = Program::compile(source)
            .map_err(|e| CelError::Compile(format!("ERROR: <input>: {}", e.to_string().trim())))?;
        let mut bound = Vec::new();
        if let Some(name) = undeclared(program.expression(), environment.variable(), &mut bound) {
            return Err(CelError::Compile(format!(
                "ERROR: <input>: undeclared reference to '{name}' (in container '')"
            )));
        }
        Ok(Self {
            source: source.to_string(),
            program,
            environment,
        })
    }

    /// The expression's text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the expression selects `claims.<field>` (as `hasSelectExp` of kube-apiserver's
    /// validation: `claims.email`, `claims.?email`, `has(claims.email)`).
    pub fn selects_claim(&self, field: &str) -> bool {
        self.environment == Environment::Claims
            && selects(self.program.expression(), "claims", field)
    }

    /// Evaluates the expression with its variable bound to `value`.
    pub fn evaluate(&self, value: &Value) -> Result<Value, CelError> {
        let mut context = Context::default().with_all();
        context.add_variable_from_value(self.environment.variable(), value.clone());
        self.program
            .execute(&context)
            .map_err(|e| CelError::Eval(e.to_string()))
    }
}

/// A JSON value (claims, user info) as a CEL value.
pub fn to_cel(value: &serde_json::Value) -> Value {
    kube_cel::cel::to_value(value).unwrap_or(Value::Null)
}

/// kube-apiserver's `convertCELValueToStringList`: a string (`""` is none) or a list of
/// strings (empty strings dropped); null is none.
pub fn string_list(value: &Value) -> Result<Vec<String>, CelError> {
    let wrong = || CelError::Type("expression must return a string or a list of strings".into());
    match value {
        Value::String(s) if s.is_empty() => Ok(Vec::new()),
        Value::String(s) => Ok(vec![s.to_string()]),
        Value::Null => Ok(Vec::new()),
        Value::List(items) => {
            let mut out = Vec::new();
            for item in items.iter() {
                match item {
                    Value::String(s) if s.is_empty() => {}
                    Value::String(s) => out.push(s.to_string()),
                    _ => return Err(wrong()),
                }
            }
            Ok(out)
        }
        _ => Err(wrong()),
    }
}

/// The first variable other than `allowed` (and comprehension variables) that `expr` uses.
fn undeclared(expr: &IdedExpr, allowed: &str, bound: &mut Vec<String>) -> Option<String> {
    match &expr.expr {
        Expr::Ident(name) => {
            (name != allowed && !bound.iter().any(|b| b == name)).then(|| name.clone())
        }
        Expr::Select(select) => undeclared(&select.operand, allowed, bound),
        Expr::Call(call) => call
            .target
            .as_deref()
            .and_then(|t| undeclared(t, allowed, bound))
            .or_else(|| call.args.iter().find_map(|a| undeclared(a, allowed, bound))),
        Expr::List(list) => list
            .elements
            .iter()
            .find_map(|e| undeclared(e, allowed, bound)),
        Expr::Map(map) => map.entries.iter().find_map(|entry| {
            walk_entry(entry, &mut |e| undeclared(e, allowed, &mut bound.clone()))
        }),
        Expr::Struct(s) => s.entries.iter().find_map(|entry| {
            walk_entry(entry, &mut |e| undeclared(e, allowed, &mut bound.clone()))
        }),
        Expr::Comprehension(c) => {
            if let Some(found) = undeclared(&c.iter_range, allowed, bound) {
                return Some(found);
            }
            let depth = bound.len();
            bound.push(c.iter_var.clone());
            if let Some(v) = &c.iter_var2 {
                bound.push(v.clone());
            }
            bound.push(c.accu_var.clone());
            let found = [&c.accu_init, &c.loop_cond, &c.loop_step, &c.result]
                .into_iter()
                .find_map(|e| undeclared(e, allowed, bound));
            bound.truncate(depth);
            found
        }
        Expr::Literal(_) | Expr::Unspecified => None,
    }
}

fn walk_entry<T>(
    entry: &kube_cel::cel::common::ast::IdedEntryExpr,
    f: &mut dyn FnMut(&IdedExpr) -> Option<T>,
) -> Option<T> {
    use kube_cel::cel::common::ast::EntryExpr;
    match &entry.expr {
        EntryExpr::MapEntry(m) => f(&m.key).or_else(|| f(&m.value)),
        EntryExpr::StructField(s) => f(&s.value),
    }
}

/// Whether `expr` contains `operand.field` (or `operand.?field`).
fn selects(expr: &IdedExpr, operand: &str, field: &str) -> bool {
    let is_operand = |e: &IdedExpr| matches!(&e.expr, Expr::Ident(name) if name == operand);
    match &expr.expr {
        Expr::Select(select) => {
            (is_operand(&select.operand) && select.field == field)
                || selects(&select.operand, operand, field)
        }
        Expr::Call(call) => {
            if call.func_name == "_?._"
                && call.args.len() == 2
                && is_operand(&call.args[0])
                && matches!(&call.args[1].expr, Expr::Literal(kube_cel::cel::common::ast::LiteralValue::String(s)) if &**s == field)
            {
                return true;
            }
            call.args.iter().any(|a| selects(a, operand, field))
                || call
                    .target
                    .as_deref()
                    .is_some_and(|t| selects(t, operand, field))
        }
        Expr::List(list) => list.elements.iter().any(|e| selects(e, operand, field)),
        Expr::Map(map) => map.entries.iter().any(|entry| {
            walk_entry(entry, &mut |e| selects(e, operand, field).then_some(())).is_some()
        }),
        Expr::Struct(s) => s.entries.iter().any(|entry| {
            walk_entry(entry, &mut |e| selects(e, operand, field).then_some(())).is_some()
        }),
        Expr::Comprehension(c) => [
            &c.iter_range,
            &c.accu_init,
            &c.loop_cond,
            &c.loop_step,
            &c.result,
        ]
        .into_iter()
        .any(|e| selects(e, operand, field)),
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => false,
    }
}

#[cfg(test)]
mod tests;
