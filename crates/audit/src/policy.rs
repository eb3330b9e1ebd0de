//! The audit policy (`audit.k8s.io/v1` Policy) and its evaluation, rule by rule as
//! kube-apiserver's `policy.NewPolicyRuleEvaluator` does: the first rule that matches decides the
//! level; a request no rule matches is not audited (level `None`). A rule's omitted stages are
//! its own and the policy's; its `omitManagedFields`, when set, overrides the policy's.
//!
//! The `load` module reads a policy file into these types.

use kubeward_core::{RequestInfo, UserInfo};

use crate::level::{Level, Stages};

/// An audit policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// The rules, in order; the first that matches wins.
    pub rules: Vec<PolicyRule>,
    /// Stages no event is written for, whatever the rule.
    pub omit_stages: Stages,
    /// Whether `metadata.managedFields` is left out of recorded bodies (rules may override).
    pub omit_managed_fields: bool,
}

/// One rule: which requests, and the level they are recorded at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyRule {
    /// The level of matching requests.
    pub level: Level,
    /// User names; empty means every user.
    pub users: Vec<String>,
    /// Groups, of which the user must be in one; empty means every group.
    pub user_groups: Vec<String>,
    /// Verbs; empty means every verb.
    pub verbs: Vec<String>,
    /// Resources by API group; empty means every resource.
    pub resources: Vec<GroupResources>,
    /// Namespaces (`""` is cluster-scoped); empty means every namespace.
    pub namespaces: Vec<String>,
    /// Non-resource paths: exact, `*`, or a prefix ending in `*`.
    pub non_resource_urls: Vec<String>,
    /// Stages no event is written for (in addition to the policy's).
    pub omit_stages: Stages,
    /// Overrides the policy's `omitManagedFields` when set.
    pub omit_managed_fields: Option<bool>,
}

/// Resources of one API group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupResources {
    /// The API group; `""` is the core group, `*` every group.
    pub group: String,
    /// `pods`, `pods/log`, `*` (everything, subresources included), `pods/*`, `*/status`;
    /// empty means every resource of the group.
    pub resources: Vec<String>,
    /// Object names; empty means every object.
    pub resource_names: Vec<String>,
}

/// What the policy decides for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestAuditConfig {
    /// The level to record the request at.
    pub level: Level,
    /// The stages to write no event for.
    pub omit_stages: Stages,
    /// Whether to leave `metadata.managedFields` out of recorded bodies.
    pub omit_managed_fields: bool,
}

impl Policy {
    /// The level, omitted stages and managed-fields choice for a request by `user` (`None` for a
    /// request that failed authentication).
    pub fn evaluate(&self, user: Option<&UserInfo>, request: &RequestInfo) -> RequestAuditConfig {
        for rule in &self.rules {
            if rule.matches(user, request) {
                return RequestAuditConfig {
                    level: rule.level,
                    omit_stages: rule.omit_stages.union(self.omit_stages),
                    omit_managed_fields: rule
                        .omit_managed_fields
                        .unwrap_or(self.omit_managed_fields),
                };
            }
        }
        RequestAuditConfig {
            level: Level::None,
            omit_stages: self.omit_stages,
            omit_managed_fields: self.omit_managed_fields,
        }
    }
}

impl PolicyRule {
    /// Whether the rule applies to the request (`ruleMatches`).
    pub fn matches(&self, user: Option<&UserInfo>, request: &RequestInfo) -> bool {
        if !self.users.is_empty() && !user.is_some_and(|u| has(&self.users, &u.name)) {
            return false;
        }
        if !self.user_groups.is_empty()
            && !user.is_some_and(|u| u.groups.iter().any(|g| has(&self.user_groups, g)))
        {
            return false;
        }
        if !self.verbs.is_empty() && !has(&self.verbs, &request.verb) {
            return false;
        }
        if !self.namespaces.is_empty() || !self.resources.is_empty() {
            return self.matches_resource(request);
        }
        if !self.non_resource_urls.is_empty() {
            return !request.is_resource_request
                && self
                    .non_resource_urls
                    .iter()
                    .any(|spec| path_matches(&request.path, spec));
        }
        true
    }

    fn matches_resource(&self, request: &RequestInfo) -> bool {
        if !request.is_resource_request {
            return false;
        }
        // Cluster-scoped requests have the empty namespace.
        if !self.namespaces.is_empty() && !has(&self.namespaces, &request.namespace) {
            return false;
        }
        if self.resources.is_empty() {
            return true;
        }
        let resource = request.resource.as_str();
        let subresource = request.subresource.as_str();
        self.resources
            .iter()
            .filter(|gr| gr.group == request.api_group || gr.group == "*")
            .any(|gr| {
                if gr.resources.is_empty() {
                    return true;
                }
                if !gr.resource_names.is_empty() && !has(&gr.resource_names, &request.name) {
                    return false;
                }
                gr.resources
                    .iter()
                    .any(|res| resource_matches(res, resource, subresource))
            })
    }
}

/// `pods` or `pods/log` exactly, `*`, `*/log` for any resource's `log`, `pods/*` for any
/// subresource of pods (and pods itself).
fn resource_matches(spec: &str, resource: &str, subresource: &str) -> bool {
    if spec == "*" {
        return true;
    }
    let combined = if subresource.is_empty() {
        spec == resource
    } else {
        spec.len() == resource.len() + 1 + subresource.len()
            && spec.starts_with(resource)
            && spec.as_bytes()[resource.len()] == b'/'
            && spec.ends_with(subresource)
    };
    if combined {
        return true;
    }
    if !subresource.is_empty() && spec.strip_prefix("*/") == Some(subresource) {
        return true;
    }
    spec.strip_suffix("/*") == Some(resource)
}

/// `*`, the exact path, or a prefix ending in `*` (`/healthz*` matches `/healthz/etcd`).
fn path_matches(path: &str, spec: &str) -> bool {
    if spec == "*" || spec == path {
        return true;
    }
    // Go's strings.TrimRight(spec, "*") drops every trailing star.
    spec.ends_with('*') && path.starts_with(spec.trim_end_matches('*'))
}

fn has(list: &[String], value: &str) -> bool {
    list.iter().any(|s| s == value)
}

#[cfg(test)]
mod tests;
