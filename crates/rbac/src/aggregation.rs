//! ClusterRole aggregation, as kube-controller-manager's `clusterroleaggregation` controller does
//! it, and the label selectors it evaluates (`metav1.LabelSelectorAsSelector` semantics).
//!
//! For an aggregated ClusterRole the controller walks its `clusterRoleSelectors` in order; for
//! each selector it lists the matching ClusterRoles sorted by name, skips the target itself and
//! appends every rule not already gathered. An aggregated ClusterRole may select another
//! aggregated one (`admin` selects `edit`, which selects `view`'s rules through its own
//! selector); the controller rewrites roles until nothing changes, so the rules here are that
//! steady state: the least fixed point, computed from empty aggregated rules.
//!
//! A selector that Kubernetes cannot convert (unknown operator, `In` without values, `Exists`
//! with values) makes the controller fail for that role and leave its rules as written; the same
//! happens here.

use std::collections::{BTreeMap, HashSet};

use crate::model::{LabelSelector, LabelSelectorRequirement, PolicyRule, Role};

/// Why a label selector cannot be evaluated, in the words of `labels.NewRequirement`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SelectorError {
    /// The operator is not `In`, `NotIn`, `Exists` or `DoesNotExist`.
    #[error("{0:?} is not a valid label selector operator")]
    InvalidOperator(String),
    /// `In` or `NotIn` without values.
    #[error("values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty")]
    ValuesRequired,
    /// `Exists` or `DoesNotExist` with values.
    #[error("values: Invalid value: {0:?}: values set must be empty for exists and does not exist")]
    ValuesForbidden(Vec<String>),
}

/// Checks that a selector can be evaluated.
pub fn validate_selector(selector: &LabelSelector) -> Result<(), SelectorError> {
    selector
        .match_expressions
        .iter()
        .try_for_each(validate_requirement)
}

fn validate_requirement(req: &LabelSelectorRequirement) -> Result<(), SelectorError> {
    match req.operator.as_str() {
        "In" | "NotIn" if req.values.is_empty() => Err(SelectorError::ValuesRequired),
        "In" | "NotIn" => Ok(()),
        "Exists" | "DoesNotExist" if !req.values.is_empty() => {
            Err(SelectorError::ValuesForbidden(req.values.clone()))
        }
        "Exists" | "DoesNotExist" => Ok(()),
        other => Err(SelectorError::InvalidOperator(other.to_string())),
    }
}

/// Whether `selector` matches `labels`: every `matchLabels` entry is present with its value and
/// every requirement holds (`In`: present with a listed value; `NotIn`: absent or not listed;
/// `Exists`; `DoesNotExist`). An empty selector matches everything.
pub fn selector_matches(
    selector: &LabelSelector,
    labels: &BTreeMap<String, String>,
) -> Result<bool, SelectorError> {
    validate_selector(selector)?;
    Ok(matches_valid(selector, labels))
}

/// [`selector_matches`] for a selector already checked by [`validate_selector`]; an invalid
/// requirement matches nothing.
pub(crate) fn matches_valid(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    selector
        .match_labels
        .iter()
        .all(|(k, v)| labels.get(k) == Some(v))
        && selector.match_expressions.iter().all(|req| {
            let value = labels.get(&req.key);
            match req.operator.as_str() {
                "In" => value.is_some_and(|v| req.values.contains(v)),
                "NotIn" => value.is_none_or(|v| !req.values.contains(v)),
                "Exists" => value.is_some(),
                "DoesNotExist" => value.is_none(),
                _ => false,
            }
        })
}

/// The selectors of an aggregated ClusterRole the controller can evaluate: `None` for a role
/// without an aggregation rule or with a selector Kubernetes rejects (its rules stay as written).
pub(crate) fn valid_selectors(role: &Role) -> Option<&[LabelSelector]> {
    if role.namespace.is_some() {
        return None;
    }
    let selectors = role.aggregation_rule.as_deref()?;
    selectors
        .iter()
        .all(|s| validate_selector(s).is_ok())
        .then_some(selectors)
}

/// One pass of the controller for `target`: for each selector, the candidates it matches
/// (`candidates(selector)` yields `(name, rules)` sorted by name, already filtered), skipping the
/// target, gathering rules not seen before.
pub(crate) fn aggregate_once<'a, I>(
    target: &str,
    selectors: &'a [LabelSelector],
    mut candidates: impl FnMut(&'a LabelSelector) -> I,
) -> Vec<PolicyRule>
where
    I: Iterator<Item = (&'a str, &'a [PolicyRule])>,
{
    let mut seen: HashSet<&PolicyRule> = HashSet::new();
    let mut gathered: Vec<&PolicyRule> = Vec::new();
    for selector in selectors {
        for (name, rules) in candidates(selector) {
            if name == target {
                continue;
            }
            for rule in rules {
                if seen.insert(rule) {
                    gathered.push(rule);
                }
            }
        }
    }
    gathered.into_iter().cloned().collect()
}

/// An upper bound on controller passes: the steady state is reached in at most one pass per
/// aggregated role plus one per distinct rule (sets only grow), and never later.
pub(crate) fn pass_bound(aggregated: usize, rules: usize) -> usize {
    aggregated.saturating_add(rules).saturating_add(2)
}

/// The rules the aggregation controller gives `target` in steady state, from the ClusterRoles in
/// `all_cluster_roles` (Roles with a namespace are ignored; `target` may or may not be among
/// them). A target without an aggregation rule, or with a selector Kubernetes rejects, keeps its
/// rules as written.
pub fn aggregate_rules(target: &Role, all_cluster_roles: &[&Role]) -> Vec<PolicyRule> {
    if valid_selectors(target).is_none() {
        return target.rules.clone();
    }
    let mut by_name: BTreeMap<&str, &Role> = all_cluster_roles
        .iter()
        .filter(|r| r.namespace.is_none())
        .map(|r| (r.name.as_str(), *r))
        .collect();
    by_name.insert(&target.name, target);

    let aggregated: Vec<(&str, &[LabelSelector])> = by_name
        .iter()
        .filter_map(|(name, role)| valid_selectors(role).map(|s| (*name, s)))
        .collect();
    let total_rules = by_name.values().map(|r| r.rules.len()).sum();
    let mut values: BTreeMap<&str, Vec<PolicyRule>> =
        aggregated.iter().map(|(n, _)| (*n, Vec::new())).collect();

    for _ in 0..pass_bound(aggregated.len(), total_rules) {
        let mut changed = false;
        for (name, selectors) in &aggregated {
            let next = aggregate_once(name, selectors, |selector| {
                by_name
                    .iter()
                    .filter(move |(_, r)| matches_valid(selector, &r.labels))
                    .map(|(n, r)| {
                        let rules = values.get(n).map_or(r.rules.as_slice(), Vec::as_slice);
                        (*n, rules)
                    })
            });
            if values.get(name) != Some(&next) {
                values.insert(name, next);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    values.remove(target.name.as_str()).unwrap_or_default()
}

#[cfg(test)]
mod tests;
