//! The worst-case cost of a validation rule, estimated when the definition is written as
//! kube-apiserver estimates it: cel-go's `checker.Cost` walking the expression with the sizes
//! the schema declares (Kubernetes' `sizeEstimator` reads them from the field path of each
//! value: `self.spec.items` → the `maxItems` of `items`, else what fits in a 3 MiB request) and
//! the costs of Kubernetes' CEL libraries (`library.CostEstimator`). cel-go works on the
//! type-checked expression; here types are inferred from the schema, literals and the result
//! types of the standard and Kubernetes functions — where one is not known it is `dyn`, as for
//! an `x-kubernetes-int-or-string` value, and every overload's cost is counted. Pure.

use std::collections::HashMap;
use std::sync::Arc;

use kube_cel::cel::common::ast::{EntryExpr, Expr, LiteralValue};
use kube_cel::cel::parser::Expression;

use super::cel_decl::{Decl, DeclKind};
use super::cel_functions::Cost;
use super::cel_types::Ty;

mod calls;
mod node;

use calls::Call;
pub use node::Range;
use node::{Container, Entry, Node};

/// The most one rule may be estimated to cost, times the times it may run
/// (`StaticEstimatedCostLimit`).
pub const RULE_LIMIT: u64 = 10_000_000;

/// The most all the rules of a schema may be estimated to cost (`StaticEstimatedCRDCostLimit`).
pub const SCHEMA_LIMIT: u64 = 100_000_000;

/// The estimated cost range of `expression`, a rule (or message expression) of the node
/// declared as `root`; `optional_old_self`: `oldSelf` is an optional.
pub fn cost(expression: &Expression, root: Option<Arc<Decl>>, optional_old_self: bool) -> Range {
    let mut coster = Coster {
        root,
        optional_old_self,
        locals: HashMap::new(),
    };
    coster.cost(expression).cost
}

/// How often a rule may run at most under unbounded lists and maps: as often as values of its
/// node's smallest size fit in a request (`maxCardinality`).
pub fn max_cardinality(root: &Decl) -> u64 {
    u64::try_from(super::cel_decl::MAX_REQUEST_SIZE / (root.min_size + 1)).unwrap_or(0)
}

/// kube's message for an estimated cost over its limit (`getCostErrorMessage`).
pub fn over_budget(what: &str, cost: u64, limit: u64) -> String {
    let exceed = cost as f64 / limit as f64;
    let factor = if exceed > 100.0 {
        "more than 100x".to_string()
    } else if exceed < 1.5 {
        format!("{exceed:.6}x")
    } else {
        format!("{exceed:.1}x")
    };
    format!(
        "{what} exceeds budget by factor of {factor} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)"
    )
}

struct Coster {
    root: Option<Arc<Decl>>,
    optional_old_self: bool,
    /// The variables of the comprehensions around, by name: what they stand for, innermost
    /// last.
    locals: HashMap<String, Vec<Node>>,
}

impl Coster {
    fn local(&self, name: &str) -> Option<&Node> {
        self.locals.get(name).and_then(|stack| stack.last())
    }

    fn push(&mut self, name: &str, local: Node) {
        self.locals.entry(name.to_string()).or_default().push(local);
    }

    fn pop(&mut self, name: &str) {
        if let Some(stack) = self.locals.get_mut(name) {
            stack.pop();
        }
    }

    /// The size Kubernetes' `sizeEstimator` gives a field path: the declared node's most
    /// elements, the first step (the variable) skipped.
    fn path_size(&self, path: &[String]) -> Option<Range> {
        let (_, steps) = path.split_first()?;
        let mut at = self.root.clone()?;
        for step in steps {
            at = match step.as_str() {
                "@items" | "@values" => at.elem.clone()?,
                "@keys" if at.kind == DeclKind::Map => Decl::key(),
                "@keys" => return None,
                field => at.fields.get(field)?.clone(),
            };
        }
        Some(Range::new(0, at.max_elements))
    }

    /// `computeSize` of a node: its own figure, a literal's, its path's, a scalar's, a
    /// variable's.
    fn size(
        &self,
        own: Option<Range>,
        path: &[String],
        ty: &Ty,
        local: Option<&Node>,
    ) -> Option<Range> {
        own.or_else(|| self.path_size(path))
            .or_else(|| ty.is_scalar().then_some(Range::fixed(1)))
            .or_else(|| local.and_then(|l| l.size))
    }

    fn node(&self, cost: Range, ty: Ty, path: Vec<String>, own_size: Option<Range>) -> Node {
        let size = self.size(own_size, &path, &ty, None);
        Node {
            cost,
            ty,
            path,
            size,
            entry: None,
            int_literal: None,
        }
    }

    fn cost(&mut self, expression: &Expression) -> Node {
        match &expression.expr {
            Expr::Literal(literal) => {
                let size = match literal {
                    LiteralValue::String(s) => s.chars().count() as u64,
                    LiteralValue::Bytes(b) => b.len() as u64,
                    _ => 1,
                };
                let ty = Ty::of_literal(literal);
                let mut node = self.node(Range::fixed(0), ty, Vec::new(), Some(Range::fixed(size)));
                if let LiteralValue::Int(i) = literal {
                    node.int_literal = Some(*i.inner());
                }
                node
            }
            Expr::Ident(name) => self.ident(name),
            Expr::Select(select) => {
                if let Some(name) = self.qualified_name(expression) {
                    // `google.protobuf.Duration`: one identifier once checked.
                    return self.ident(&name);
                }
                let operand = self.cost(&select.operand);
                if select.test {
                    return self.node(operand.cost, Ty::Bool, Vec::new(), None);
                }
                let mut cost = operand.cost;
                if matches!(operand.ty, Ty::Map(..) | Ty::Object(_)) {
                    cost = cost.add(Range::fixed(1));
                }
                let ty = match &operand.ty {
                    Ty::Object(Some(decl)) => {
                        decl.fields.get(&select.field).map_or(Ty::Dyn, Ty::of)
                    }
                    Ty::Map(_, value) => (**value).clone(),
                    _ => Ty::Dyn,
                };
                let mut path = operand.path;
                path.push(select.field.clone());
                self.node(cost, ty, path, None)
            }
            Expr::Call(call) => self.call(call),
            Expr::List(list) => {
                let mut cost = Range::fixed(10);
                let empty = if list.elements.is_empty() {
                    0
                } else {
                    u64::MAX
                };
                let mut item = Range::new(empty, 0);
                let mut item_ty = Ty::Dyn;
                for element in &list.elements {
                    let element = self.cost(element);
                    cost = cost.add(element.cost);
                    item = item.union(element.size_or_unknown());
                    if item_ty.is_dyn() {
                        item_ty = element.ty;
                    }
                }
                let size = Range::fixed(list.elements.len() as u64);
                let mut node = self.node(cost, Ty::List(Box::new(item_ty)), Vec::new(), Some(size));
                node.entry = Some(Entry {
                    container: Container::List,
                    key: Range::fixed(1),
                    value: item,
                });
                node
            }
            Expr::Map(map) => {
                let mut cost = Range::fixed(30);
                let empty = if map.entries.is_empty() { 0 } else { u64::MAX };
                let (mut key, mut value) = (Range::new(empty, 0), Range::new(empty, 0));
                let (mut key_ty, mut value_ty) = (Ty::Dyn, Ty::Dyn);
                for entry in &map.entries {
                    let EntryExpr::MapEntry(entry) = &entry.expr else {
                        continue;
                    };
                    let k = self.cost(&entry.key);
                    let v = self.cost(&entry.value);
                    cost = cost.add(k.cost).add(v.cost);
                    key = key.union(k.size_or_unknown());
                    value = value.union(v.size_or_unknown());
                    if key_ty.is_dyn() {
                        key_ty = k.ty;
                    }
                    if value_ty.is_dyn() {
                        value_ty = v.ty;
                    }
                }
                let size = Range::fixed(map.entries.len() as u64);
                let ty = Ty::Map(Box::new(key_ty), Box::new(value_ty));
                let mut node = self.node(cost, ty, Vec::new(), Some(size));
                node.entry = Some(Entry {
                    container: Container::Map,
                    key,
                    value,
                });
                node
            }
            Expr::Struct(fields) => {
                let mut cost = Range::fixed(40);
                for entry in &fields.entries {
                    if let EntryExpr::StructField(field) = &entry.expr {
                        cost = cost.add(self.cost(&field.value).cost);
                    }
                }
                self.node(cost, Ty::Dyn, Vec::new(), None)
            }
            Expr::Comprehension(comprehension) => self.comprehension(comprehension),
            Expr::Unspecified => self.node(Range::fixed(0), Ty::Dyn, Vec::new(), None),
        }
    }

    fn ident(&mut self, name: &str) -> Node {
        if let Some(local) = self.local(name).cloned() {
            let size = self.size(None, &local.path, &local.ty, Some(&local));
            let (cost, int_literal) = (Range::fixed(1), None);
            return Node {
                cost,
                size,
                int_literal,
                ..local
            };
        }
        let declared = || self.root.as_ref().map_or(Ty::Dyn, Ty::of);
        let ty = match name {
            "self" => declared(),
            "oldSelf" if self.optional_old_self => Ty::Optional(Box::new(declared())),
            "oldSelf" => declared(),
            _ => Ty::Dyn,
        };
        self.node(Range::fixed(1), ty, vec![name.to_string()], None)
    }

    /// The qualified name a chain of selections from an identifier that is no variable spells
    /// (`google.protobuf.Duration`), which cel-go's checker resolves to one identifier.
    fn qualified_name(&self, expression: &Expression) -> Option<String> {
        match &expression.expr {
            Expr::Ident(name)
                if self.local(name).is_none() && name != "self" && name != "oldSelf" =>
            {
                Some(name.clone())
            }
            Expr::Select(select) if !select.test => {
                let operand = self.qualified_name(&select.operand)?;
                Some(format!("{operand}.{}", select.field))
            }
            _ => None,
        }
    }

    fn call(&mut self, call: &kube_cel::cel::common::ast::CallExpr) -> Node {
        let mut function = call.func_name.clone();
        let mut receiver = call.target.as_deref();
        // A namespace of functions (`math`, `optional`) is no value.
        if let Some(target) = receiver
            && let Expr::Ident(namespace) = &target.expr
            && self.qualified_name(target).is_some()
        {
            function = format!("{namespace}.{function}");
            receiver = None;
        }
        if function == "dyn" && receiver.is_none() && call.args.len() == 1 {
            let arg = self.cost(&call.args[0]);
            let mut node = self.node(Range::fixed(1).add(arg.cost), Ty::Dyn, Vec::new(), arg.size);
            node.entry = arg.entry;
            return node;
        }
        let args: Vec<Node> = call.args.iter().map(|arg| self.cost(arg)).collect();
        let target = receiver.map(|t| self.cost(t));
        let described = Call {
            function: &function,
            target: target.as_ref(),
            args: &args,
        };
        let mut cost = target.as_ref().map_or(Range::fixed(0), |t| t.cost);
        let element_size = |path: &[String]| self.path_size(path);
        let mut function_cost: Option<Range> = None;
        let mut result_size: Option<Range> = None;
        let mut entry: Option<Entry> = None;
        let mut path = Vec::new();
        let (classes, ty) = calls::resolve(&described);
        for overload in classes {
            let costed = calls::cost(&described, overload, &element_size);
            function_cost = Some(function_cost.map_or(costed.cost, |c| c.union(costed.cost)));
            if let Some(size) = costed.size {
                result_size = Some(result_size.map_or(size, |r| r.union(size)));
            }
            if costed.entry.is_some() {
                entry = costed.entry;
            }
            let step = match overload {
                Cost::IndexList => "@items",
                Cost::IndexMap => "@values",
                _ => continue,
            };
            result_size = args[0].entry.map(|e| e.value);
            path = args[0].path.clone();
            path.push(step.into());
        }
        cost = cost.add(function_cost.unwrap_or(Range::fixed(0)));
        let mut node = self.node(cost, ty, path, result_size);
        node.entry = entry;
        node
    }

    fn comprehension(
        &mut self,
        comprehension: &kube_cel::cel::common::ast::ComprehensionExpr,
    ) -> Node {
        let range = self.cost(&comprehension.iter_range);
        let init = self.cost(&comprehension.accu_init);
        let mut cost = range.cost.add(init.cost);
        self.push(&comprehension.accu_var, init.clone());
        let container = range.entry.map(|e| e.container).or(match range.ty {
            Ty::List(_) => Some(Container::List),
            Ty::Map(..) | Ty::Object(_) => Some(Container::Map),
            _ => None,
        });
        let (key_ty, value_ty) = match &range.ty {
            Ty::List(item) => (Ty::Int, (**item).clone()),
            Ty::Map(key, value) => ((**key).clone(), (**value).clone()),
            _ => (Ty::Dyn, Ty::Dyn),
        };
        let variable = |step: &str, size: Option<Range>, ty: Ty| {
            let mut path = range.path.clone();
            path.push(step.to_string());
            let (cost, entry, int_literal) = (Range::fixed(0), None, None);
            Node {
                cost,
                ty,
                path,
                size,
                entry,
                int_literal,
            }
        };
        let list = container == Some(Container::List);
        let (keys, values) = (range.entry.map(|e| e.key), range.entry.map(|e| e.value));
        match &comprehension.iter_var2 {
            Some(second) => {
                let index = if list { "@indices" } else { "@keys" };
                self.push(&comprehension.iter_var, variable(index, keys, key_ty));
                let value = if list { "@items" } else { "@values" };
                self.push(second, variable(value, values, value_ty));
            }
            None if list => self.push(
                &comprehension.iter_var,
                variable("@items", values, value_ty),
            ),
            None => self.push(&comprehension.iter_var, variable("@keys", keys, key_ty)),
        }
        let condition = self.cost(&comprehension.loop_cond);
        let step = self.cost(&comprehension.loop_step);
        self.pop(&comprehension.iter_var);
        if let Some(second) = &comprehension.iter_var2 {
            self.pop(second);
        }
        let result = self.cost(&comprehension.result);
        self.pop(&comprehension.accu_var);
        cost = cost.add(result.cost);
        let count = range.size_or_unknown();
        cost = cost.add(count.multiply(step.cost.add(condition.cost)));
        let ty = match (&init.ty, &step.ty) {
            (Ty::List(item), Ty::List(_)) if item.is_dyn() => step.ty.clone(),
            _ => result.ty.clone(),
        };
        let (own, entry) = match &comprehension.accu_init.expr {
            Expr::Literal(_) => (init.size, None),
            Expr::List(_) | Expr::Map(_) => (Some(count), step.entry),
            _ => (None, None),
        };
        let mut node = self.node(cost, ty, Vec::new(), own);
        node.entry = entry;
        node
    }
}

#[cfg(test)]
mod tests;
