//! The estimated cost of one call, as cel-go's `coster.functionCost` works it out after
//! Kubernetes' `library.CostEstimator` had its say. A call's overloads and the type of its
//! result come from `cel_functions`, resolved from its operands' types (`dyn` operands admit
//! every overload, whose costs are then united). Pure.

use super::super::cel_functions::{self, Cost, Resolved};
use super::super::cel_types::{Join, Ty};
use super::node::{Entry, Node, Range};

/// `common.StringTraversalCostFactor`.
const TRAVERSAL: f64 = 0.1;
/// `common.RegexStringLengthCostFactor`.
const REGEX: f64 = 0.25;
/// `cel.MaxNameFormatRegexSize`.
const MAX_NAME_FORMAT_REGEX: f64 = 128.0;
/// `cel.MaxFormatSize`.
const MAX_FORMAT: u64 = 64;

/// One call, its target and arguments costed.
pub struct Call<'a> {
    /// The function, namespaced functions by their whole name (`ip.isCanonical`).
    pub function: &'a str,
    /// The receiver of a member call.
    pub target: Option<&'a Node>,
    /// The arguments.
    pub args: &'a [Node],
}

impl Call<'_> {
    /// The size of argument `i`, or unknown.
    fn arg_size(&self, i: usize) -> Range {
        self.args
            .get(i)
            .map_or(Range::UNKNOWN, Node::size_or_unknown)
    }
}

/// What one call costs, on top of its target.
pub struct Costed {
    /// The call's cost, its arguments' included.
    pub cost: Range,
    /// The size of its result, when the call tells it.
    pub size: Option<Range>,
    /// The sizes of its result's entries, when the call tells them.
    pub entry: Option<Entry>,
}

/// The cost classes of the overloads cel-go's checker resolves `call` to from its operands'
/// types (a fixed cost when none takes them), and the type of its result.
pub fn resolve(call: &Call<'_>) -> (Vec<Cost>, Ty) {
    let args: Vec<Ty> = call.args.iter().map(|arg| arg.ty.clone()).collect();
    let target = call.target.map(|t| &t.ty);
    let Resolved { mut costs, result } =
        cel_functions::resolve(call.function, target, &args, Join::Known);
    if costs.is_empty() {
        costs.push(Cost::Fixed);
    }
    (costs, result)
}

/// The cost of `call` under `overload` (`functionCost`); `element_size` estimates the size of a
/// list's items from their field path.
pub fn cost(
    call: &Call<'_>,
    overload: Cost,
    element_size: &dyn Fn(&[String]) -> Option<Range>,
) -> Costed {
    let arg_sum = call
        .args
        .iter()
        .fold(Range::fixed(0), |sum, arg| sum.add(arg.cost));
    let size = |i: usize| call.arg_size(i);
    let target_size = || call.target.map_or(Range::UNKNOWN, Node::size_or_unknown);
    let sized = |cost: Range, size: Option<Range>| Costed {
        cost: cost.add(arg_sum),
        size,
        entry: None,
    };
    let plain = |cost: Range| sized(cost, None);
    if let Some((cost, size)) = library(call, overload, element_size) {
        return sized(cost, size);
    }
    match overload {
        Cost::Format => return plain(target_size().factor(TRAVERSAL)),
        Cost::StringToBytes if call.args.len() == 1 => {
            let sz = size(0);
            return sized(
                sz.factor(TRAVERSAL),
                Some(Range::new(sz.min, sz.max.saturating_mul(4))),
            );
        }
        Cost::BytesToString if call.args.len() == 1 => {
            let sz = size(0);
            return sized(sz.factor(TRAVERSAL), Some(Range::new(sz.min / 4, sz.max)));
        }
        Cost::Quote if call.args.len() == 1 => {
            let sz = size(0);
            return sized(
                sz.factor(TRAVERSAL),
                Some(Range::new(
                    sz.min.saturating_add(2),
                    sz.max.saturating_mul(2).saturating_add(2),
                )),
            );
        }
        Cost::Affix if call.args.len() == 1 => {
            return plain(size(0).factor(TRAVERSAL));
        }
        Cost::InList if call.args.len() == 2 => return plain(size(1).factor(1.0)),
        Cost::Matches if call.args.len() == 1 => {
            let text = target_size().add(Range::fixed(1)).factor(TRAVERSAL);
            let regex = size(0).factor(REGEX);
            return plain(text.multiply(regex));
        }
        Cost::Contains if call.args.len() == 1 => {
            let text = target_size().factor(TRAVERSAL);
            let part = size(0).factor(TRAVERSAL);
            return plain(text.multiply(part));
        }
        Cost::Logical if call.args.len() == 2 => {
            let (lhs, rhs) = (call.args[0].cost, call.args[1].cost);
            return Costed {
                cost: Range::new(lhs.min, lhs.add(rhs).max),
                size: None,
                entry: None,
            };
        }
        Cost::Conditional if call.args.len() == 3 => {
            let (condition, yes, no) = (&call.args[0], &call.args[1], &call.args[2]);
            return Costed {
                cost: condition.cost.add(yes.cost.union(no.cost)),
                size: Some(yes.size_or_unknown().union(no.size_or_unknown())),
                entry: Entry::union(yes.entry, no.entry),
            };
        }
        Cost::Concat | Cost::AddList if call.args.len() == 2 => {
            let result = size(0).add(size(1));
            let entry = Entry::union(call.args[0].entry, call.args[1].entry);
            let cost = if overload == Cost::AddList {
                Range::fixed(1)
            } else {
                result.factor(TRAVERSAL)
            };
            return Costed {
                cost: cost.add(arg_sum),
                size: Some(result),
                entry,
            };
        }
        Cost::Compare | Cost::Equals if call.args.len() == 2 => {
            let smallest = size(0).max.min(size(1).max);
            let cost = Range::new(u64::from(smallest > 0), smallest);
            return plain(cost.factor(TRAVERSAL));
        }
        _ => {}
    }
    plain(Range::fixed(1))
}

/// Kubernetes' `library.CostEstimator.EstimateCallCost`: the cost (without the arguments') and
/// result size of the calls it knows, by function name.
fn library(
    call: &Call<'_>,
    overload: Cost,
    element_size: &dyn Fn(&[String]) -> Option<Range>,
) -> Option<(Range, Option<Range>)> {
    let size = |i: usize| call.arg_size(i);
    let has_arg = !call.args.is_empty();
    match call.function {
        "isSorted" | "sum" | "max" | "min" | "indexOf" | "lastIndexOf" => {
            let target = call.target?;
            let Some(item) = target.ty.first_parameter() else {
                return Some((target.size_or_unknown().factor(TRAVERSAL), None));
            };
            let mut per_item = Range::fixed(1);
            if matches!(item, Ty::String | Ty::Bytes) {
                let size = items_size(target, element_size);
                per_item = per_item.add(size.factor(TRAVERSAL));
            }
            Some((target.size_or_unknown().multiply(per_item), None))
        }
        "url" | "jsonpatch.escapeKey" if call.args.len() == 1 => {
            let sz = size(0);
            Some((sz.factor(TRAVERSAL), Some(sz)))
        }
        "lowerAscii" | "upperAscii" | "substring" | "trim" => {
            let sz = call.target?.size_or_unknown();
            Some((sz.factor(TRAVERSAL), Some(sz)))
        }
        "replace" if call.args.len() >= 2 => {
            let sz = call.target?.size_or_unknown();
            Some((
                sz.factor(2.0 * TRAVERSAL),
                Some(replaced_size(sz, size(0), size(1))),
            ))
        }
        "split" => {
            let sz = call.target?.size_or_unknown();
            let max = match call.args.get(1).and_then(|a| a.int_literal) {
                Some(limit) => limit as u64,
                None => sz.max,
            };
            Some((sz.factor(2.0 * TRAVERSAL), Some(Range { min: 0, max })))
        }
        "join" => {
            let target = call.target?;
            let list = target.size_or_unknown();
            let mut sz = Range::fixed(0);
            if target.ty.first_parameter().is_some() {
                sz = list.multiply(items_size(target, element_size));
            }
            if let Some(separator) = call.args.first() {
                let separators = Range::new(list.min.saturating_sub(1), list.max.saturating_sub(1));
                sz = sz.add(separator.size_or_unknown().multiply(separators));
            }
            Some((sz.factor(TRAVERSAL), Some(sz)))
        }
        "find" | "findAll" if has_arg => {
            let sz = call.target?.size_or_unknown();
            let text = sz.add(Range::fixed(1)).factor(TRAVERSAL);
            let regex = size(0).factor(REGEX);
            Some((text.multiply(regex), Some(Range::new(0, sz.max))))
        }
        "cidr" | "isIP" | "isCIDR" if has_arg => Some((size(0).factor(TRAVERSAL), None)),
        "ip" if has_arg => Some((size(0).factor(TRAVERSAL), None)),
        "ip.isCanonical" if has_arg => Some((size(0).factor(2.0 * TRAVERSAL), None)),
        "containsIP" | "containsCIDR" if has_arg => {
            let ip = Range { min: 4, max: 16 };
            let mut cost = ip.add(ip).factor(TRAVERSAL);
            if call.function == "containsCIDR" {
                cost = cost.add(ip.factor(TRAVERSAL)).add(Range::fixed(1));
            }
            if matches!(call.args[0].ty, Ty::String) {
                cost = cost.add(size(0).factor(TRAVERSAL));
            }
            Some((cost, None))
        }
        "quantity" | "isQuantity" | "semver" | "isSemver" if has_arg => {
            Some((size(0).factor(TRAVERSAL), None))
        }
        "validate" if has_arg => Some((
            size(0)
                .factor(TRAVERSAL)
                .factor(MAX_NAME_FORMAT_REGEX * REGEX),
            None,
        )),
        "_==_" if overload == Cost::Equals && call.args.len() == 2 => {
            let (lhs, rhs) = (&call.args[0].ty, &call.args[1].ty);
            match (lhs, rhs) {
                (Ty::Opaque(a), Ty::Opaque(b)) if a == b => match *a {
                    "ip" | "cidr" | "quantity" | "semver" => Some((Range::fixed(1), None)),
                    "format" => Some((Range::new(1, MAX_FORMAT).factor(TRAVERSAL), None)),
                    "url" => {
                        let size = call.args[1].size.unwrap_or(Range::fixed(1));
                        Some((Range::new(1, size.max).factor(TRAVERSAL), None))
                    }
                    _ => None,
                },
                _ => None,
            }
        }
        _ => None,
    }
}

/// The size of the items of the list `target` (`listElementNode`): from their field path, else
/// unknown.
fn items_size(target: &Node, element_size: &dyn Fn(&[String]) -> Option<Range>) -> Range {
    if target.path.is_empty() {
        return Range::UNKNOWN;
    }
    let mut path = target.path.clone();
    path.push("@items".to_string());
    element_size(&path).unwrap_or(Range::UNKNOWN)
}

/// The size of `replace`'s result.
fn replaced_size(sz: Range, replaced: Range, with: Range) -> Range {
    let mut count = Range::fixed(0);
    let mut kept = Range::fixed(0);
    if replaced.min == 0 {
        count.max = sz.max.saturating_add(u64::from(sz.max < u64::MAX));
        kept.max = sz.max;
    } else if with.max <= replaced.min {
        kept.max = sz.max;
    } else {
        count.max = (sz.max as f64 / replaced.min as f64).ceil() as u64;
    }
    if replaced.max == 0 {
        count.min = sz.min.saturating_add(u64::from(sz.min < u64::MAX));
        kept.min = sz.min;
    } else if replaced.max <= with.min {
        kept.min = sz.min;
    } else {
        count.min = (sz.min as f64 / replaced.max as f64).ceil() as u64;
    }
    count.multiply(with).add(kept)
}
