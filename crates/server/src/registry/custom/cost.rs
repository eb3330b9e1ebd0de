//! The runtime cost of a validation rule, bounded as kube-apiserver bounds it: at most
//! `PerCallLimit` (1,000,000) per evaluation of one rule and `RuntimeCELCostBudget` (10,000,000)
//! for all the rules of one request. cel-go counts the cost while it evaluates; the `cel` crate
//! does not, so the cost is worked out before evaluation from the expression and the values it
//! reads: one unit per variable, field selection and call, string functions by the length of
//! the strings they scan (a tenth per character, as cel-go's traversal factor), and
//! comprehensions (`all`, `exists`, `map`, `filter`, ...) once per element of the list or map
//! they actually range over, nested ones included. Counting stops as soon as the limit is
//! passed, so an expensive rule costs no more than the limit to find out. The figures are
//! close to cel-go's, not equal to them. Pure: no I/O.

use kube_cel::cel::common::ast::Expr;
use kube_cel::cel::parser::Expression;
use kube_cel::cel::{Context, Value};

/// The most one evaluation of a rule may cost (`celconfig.PerCallLimit`).
pub const PER_CALL_LIMIT: u64 = 1_000_000;

/// The most all the rules of one request may cost (`celconfig.RuntimeCELCostBudget`).
pub const REQUEST_BUDGET: u64 = 10_000_000;

/// The functions that scan their string arguments.
const SCANS: [&str; 14] = [
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "find",
    "findAll",
    "split",
    "replace",
    "lowerAscii",
    "upperAscii",
    "trim",
    "indexOf",
    "lastIndexOf",
    "_==_",
];

/// The cost of evaluating `expression` in `context`, or a figure above `limit` as soon as it is
/// known to pass it.
pub fn of(expression: &Expression, context: &Context<'_>, limit: u64) -> u64 {
    let mut meter = Meter { total: 0, limit };
    meter.visit(expression, context);
    meter.total
}

struct Meter {
    total: u64,
    limit: u64,
}

impl Meter {
    fn over(&self) -> bool {
        self.total > self.limit
    }

    fn add(&mut self, cost: u64) {
        self.total = self.total.saturating_add(cost);
    }

    fn visit(&mut self, expression: &Expression, context: &Context<'_>) {
        if self.over() {
            return;
        }
        match &expression.expr {
            Expr::Ident(_) => self.add(1),
            Expr::Select(select) => {
                self.add(1);
                self.visit(&select.operand, context);
            }
            Expr::Call(call) => {
                self.add(1);
                if let Some(target) = &call.target {
                    self.visit(target, context);
                }
                for arg in &call.args {
                    self.visit(arg, context);
                }
                if SCANS.contains(&call.func_name.as_str()) {
                    let scanned: usize = call
                        .target
                        .iter()
                        .map(|t| t.as_ref())
                        .chain(&call.args)
                        .map(|e| string_length(e, context))
                        .sum();
                    self.add((scanned as u64).div_ceil(10));
                }
            }
            Expr::Comprehension(comprehension) => {
                self.visit(&comprehension.iter_range, context);
                self.visit(&comprehension.accu_init, context);
                let items = match context.resolve(&comprehension.iter_range) {
                    Ok(Value::List(items)) => items.as_ref().clone(),
                    Ok(Value::Map(map)) => map.map.keys().map(|k| Value::from(k.clone())).collect(),
                    _ => Vec::new(),
                };
                for item in items {
                    if self.over() {
                        return;
                    }
                    let mut inner = context.new_inner_scope();
                    inner.add_variable_from_value(comprehension.iter_var.clone(), item);
                    self.visit(&comprehension.loop_cond, &inner);
                    self.visit(&comprehension.loop_step, &inner);
                }
                self.visit(&comprehension.result, context);
            }
            Expr::List(list) => {
                self.add(1);
                for element in &list.elements {
                    self.visit(element, context);
                }
            }
            Expr::Map(_) | Expr::Struct(_) => self.add(1),
            Expr::Literal(_) | Expr::Unspecified => {}
        }
    }
}

/// The length of the string `expression` gives, when it only reads variables and fields.
fn string_length(expression: &Expression, context: &Context<'_>) -> usize {
    let mut at = expression;
    loop {
        match &at.expr {
            Expr::Select(select) => at = &select.operand,
            Expr::Ident(_) => break,
            _ => return 0,
        }
    }
    match context.resolve(expression) {
        Ok(Value::String(text)) => text.chars().count(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests;
