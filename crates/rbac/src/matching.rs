//! Rule matching with kube-apiserver's exact semantics (`RuleAllows` of
//! `plugin/pkg/auth/authorizer/rbac` and the `*Matches` helpers of `pkg/apis/rbac/v1`).
//!
//! Every function here is allocation-free: the combined `resource/subresource` string that
//! Kubernetes builds per check is compared piecewise instead.

use kubeward_core::Attributes;

use crate::model::PolicyRule;

/// `*` in `verbs`: every verb.
pub const VERB_ALL: &str = "*";
/// `*` in `apiGroups`: every group.
pub const API_GROUP_ALL: &str = "*";
/// `*` in `resources`: every resource and subresource.
pub const RESOURCE_ALL: &str = "*";
/// `*` in `nonResourceURLs`: every path.
pub const NON_RESOURCE_ALL: &str = "*";

/// Whether `rule` allows the request, as Kubernetes' `RuleAllows`: verb, API group, resource
/// (with subresource) and resource name for a resource request; verb and URL otherwise.
pub fn rule_allows(attrs: &Attributes, rule: &PolicyRule) -> bool {
    if attrs.resource_request {
        verb_matches(rule, &attrs.verb)
            && api_group_matches(rule, &attrs.api_group)
            && resource_matches(rule, &attrs.resource, &attrs.subresource)
            && resource_name_matches(rule, &attrs.name)
    } else {
        verb_matches(rule, &attrs.verb) && non_resource_url_matches(rule, &attrs.path)
    }
}

/// Whether any of `rules` allows the request (`RulesAllow`).
pub fn rules_allow(attrs: &Attributes, rules: &[PolicyRule]) -> bool {
    rules.iter().any(|rule| rule_allows(attrs, rule))
}

/// `VerbMatches`: the rule lists `*` or the verb (case-sensitive).
pub fn verb_matches(rule: &PolicyRule, verb: &str) -> bool {
    rule.verbs.iter().any(|v| v == VERB_ALL || v == verb)
}

/// `APIGroupMatches`: the rule lists `*` or the group (`""` is the core group).
pub fn api_group_matches(rule: &PolicyRule, group: &str) -> bool {
    rule.api_groups
        .iter()
        .any(|g| g == API_GROUP_ALL || g == group)
}

/// `ResourceMatches` for the request `resource` with `subresource` (empty for none): a rule
/// resource matches if it is `*`, equals `resource` (no subresource) or `resource/subresource`,
/// or is `*/subresource`. A rule `pods` does not match `pods/log`.
pub fn resource_matches(rule: &PolicyRule, resource: &str, subresource: &str) -> bool {
    rule.resources.iter().any(|r| {
        if r == RESOURCE_ALL {
            return true;
        }
        if subresource.is_empty() {
            return r == resource;
        }
        // `resource/subresource`, compared without building the combined string.
        let combined = r
            .strip_prefix(resource)
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|rest| rest == subresource);
        combined || r.strip_prefix("*/").is_some_and(|rest| rest == subresource)
    })
}

/// `ResourceNameMatches`: an empty list allows every name; otherwise the request's name must be
/// listed, so a request without a name (list, create, watch of a collection) does not match.
pub fn resource_name_matches(rule: &PolicyRule, name: &str) -> bool {
    rule.resource_names.is_empty() || rule.resource_names.iter().any(|n| n == name)
}

/// `NonResourceURLMatches`: `*`, an exact path, or a rule ending in `*` whose part before the
/// trailing stars is a prefix of the path.
pub fn non_resource_url_matches(rule: &PolicyRule, path: &str) -> bool {
    rule.non_resource_urls.iter().any(|u| {
        u == NON_RESOURCE_ALL
            || u == path
            || (u.ends_with('*') && path.starts_with(u.trim_end_matches('*')))
    })
}

#[cfg(test)]
mod tests;
