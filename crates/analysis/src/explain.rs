//! Why a request is allowed or not: every binding that applies to the requester (in Kubernetes'
//! order), the rule that matched, or the nearest miss and what it lacks; and bindings elsewhere
//! that would allow it in another namespace.

use std::fmt::Write as _;

use kubeward_core::{Attributes, UserInfo};
use kubeward_rbac::matching::{
    api_group_matches, non_resource_url_matches, resource_matches, resource_name_matches,
    verb_matches,
};
use kubeward_rbac::{Binding, Policy, PolicyRule, RoleRefKind, Subject};

use crate::subject::{display, effective};

/// What one rule lacks to allow the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lack {
    /// The verb is not listed.
    Verb,
    /// The API group is not listed.
    Group,
    /// The resource is not listed.
    Resource,
    /// The resource is listed but not this subresource.
    Subresource,
    /// resourceNames does not list the object (or the request has no name).
    Name,
    /// A non-resource rule for a resource request, or the URL is not listed.
    Url,
    /// The binding grants it in another namespace.
    Namespace,
}

impl std::fmt::Display for Lack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Verb => "verb",
            Self::Group => "group",
            Self::Resource => "resource",
            Self::Subresource => "subresource",
            Self::Name => "name",
            Self::Url => "url",
            Self::Namespace => "namespace",
        })
    }
}

/// How one applying binding relates to the request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BindingVerdict {
    /// `ClusterRoleBinding/name` or `RoleBinding/namespace/name`.
    pub binding: String,
    /// `ClusterRole/name` or `Role/name`.
    pub role: String,
    /// The binding's subject through which it applies.
    pub via: String,
    /// Whether the role exists.
    pub role_found: bool,
    /// The 1-based index of the first rule allowing the request.
    pub matched_rule: Option<usize>,
    /// Otherwise the nearest rule (1-based) and what it lacks.
    pub nearest_miss: Option<(usize, Vec<Lack>)>,
    /// The rule shown (matched or nearest).
    #[serde(skip)]
    pub rule: Option<PolicyRule>,
}

/// The explanation of one request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Explanation {
    /// Whether RBAC allows it.
    pub allowed: bool,
    /// Kubernetes' reason string.
    pub reason: String,
    /// Bindings applying to the requester in the request's scope, in Kubernetes' order.
    pub bindings: Vec<BindingVerdict>,
    /// RoleBindings of other namespaces that name the requester and would allow it there.
    pub elsewhere: Vec<BindingVerdict>,
}

/// Whether `subject` of `binding` applies to `user`.
pub fn applies(subject: &Subject, binding: &Binding, user: &UserInfo) -> bool {
    match effective(subject, binding) {
        Subject::User(name) => name == user.name,
        Subject::Group(name) => user.groups.contains(&name),
        Subject::ServiceAccount { namespace, name } => {
            !namespace.is_empty()
                && user.name == kubeward_core::user::service_account_username(&namespace, &name)
        }
    }
}

/// How far a rule is from allowing a request: a wrong name is nearer than a wrong verb, which is
/// nearer than a wrong resource or group.
fn distance(missing: &[Lack]) -> u32 {
    missing
        .iter()
        .map(|lack| match lack {
            Lack::Name | Lack::Namespace => 1,
            Lack::Verb | Lack::Subresource => 2,
            Lack::Group => 3,
            Lack::Resource => 4,
            Lack::Url => 5,
        })
        .sum()
}

/// What `rule` lacks to allow `attrs` (empty: it allows it).
pub fn lacks(rule: &PolicyRule, attrs: &Attributes) -> Vec<Lack> {
    let mut missing = Vec::new();
    if !verb_matches(rule, &attrs.verb) {
        missing.push(Lack::Verb);
    }
    if !attrs.resource_request {
        if !non_resource_url_matches(rule, &attrs.path) {
            missing.push(Lack::Url);
        }
        return missing;
    }
    if rule.resources.is_empty() {
        missing.push(Lack::Url);
        return missing;
    }
    if !api_group_matches(rule, &attrs.api_group) {
        missing.push(Lack::Group);
    }
    if !resource_matches(rule, &attrs.resource, &attrs.subresource) {
        if !attrs.subresource.is_empty() && resource_matches(rule, &attrs.resource, "") {
            missing.push(Lack::Subresource);
        } else {
            missing.push(Lack::Resource);
        }
    }
    if !resource_name_matches(rule, &attrs.name) {
        missing.push(Lack::Name);
    }
    missing
}

fn verdict(
    policy: &Policy,
    binding: &Binding,
    user: &UserInfo,
    attrs: &Attributes,
) -> BindingVerdict {
    let role_namespace = match binding.role_ref.kind {
        RoleRefKind::ClusterRole => None,
        RoleRefKind::Role => binding.namespace.as_deref(),
    };
    let rules = policy.effective_rules(role_namespace, &binding.role_ref.name);
    let via = binding
        .subjects
        .iter()
        .find(|s| applies(s, binding, user))
        .map(|s| display(&effective(s, binding)))
        .unwrap_or_default();
    let mut matched_rule = None;
    let mut nearest: Option<(usize, Vec<Lack>)> = None;
    for (i, rule) in rules.unwrap_or_default().iter().enumerate() {
        let missing = lacks(rule, attrs);
        if missing.is_empty() {
            matched_rule = Some(i + 1);
            break;
        }
        if nearest
            .as_ref()
            .is_none_or(|(_, m)| distance(&missing) < distance(m))
        {
            nearest = Some((i + 1, missing));
        }
    }
    let shown = matched_rule.or(nearest.as_ref().map(|(i, _)| *i));
    BindingVerdict {
        binding: crate::sources::object_key(true, binding.namespace.as_deref(), &binding.name),
        role: match binding.role_ref.kind {
            RoleRefKind::ClusterRole => format!("ClusterRole/{}", binding.role_ref.name),
            RoleRefKind::Role => format!("Role/{}", binding.role_ref.name),
        },
        via,
        role_found: rules.is_some(),
        matched_rule,
        nearest_miss: if matched_rule.is_some() {
            None
        } else {
            nearest
        },
        rule: shown.and_then(|i| rules.and_then(|r| r.get(i - 1)).cloned()),
    }
}

/// Explains `attrs` (its user is the requester).
pub fn explain(policy: &Policy, attrs: &Attributes) -> Explanation {
    let user = &attrs.user;
    let decision = policy.authorize(attrs);
    let mut bindings = Vec::new();
    let mut elsewhere = Vec::new();
    for binding in policy.bindings() {
        if !binding.subjects.iter().any(|s| applies(s, binding, user)) {
            continue;
        }
        match &binding.namespace {
            None => bindings.push(verdict(policy, binding, user, attrs)),
            Some(ns) if *ns == attrs.namespace => {
                bindings.push(verdict(policy, binding, user, attrs))
            }
            Some(ns) => {
                let mut there = attrs.clone();
                there.namespace = ns.clone();
                let mut v = verdict(policy, binding, user, &there);
                if let Some(rule) = v.matched_rule.take() {
                    v.nearest_miss = Some((rule, vec![Lack::Namespace]));
                    elsewhere.push(v);
                }
            }
        }
    }
    Explanation {
        allowed: decision.is_allowed(),
        reason: decision.reason().to_string(),
        bindings,
        elsewhere,
    }
}

fn rule_text(rule: &PolicyRule) -> String {
    let list = |l: &[String]| {
        l.iter()
            .map(|s| {
                if s.is_empty() {
                    "\"\"".to_string()
                } else {
                    s.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut text = format!("verbs=[{}]", list(&rule.verbs));
    if !rule.non_resource_urls.is_empty() {
        let _ = write!(text, " nonResourceURLs=[{}]", list(&rule.non_resource_urls));
        return text;
    }
    let _ = write!(
        text,
        " apiGroups=[{}] resources=[{}]",
        list(&rule.api_groups),
        list(&rule.resources)
    );
    if !rule.resource_names.is_empty() {
        let _ = write!(text, " resourceNames=[{}]", list(&rule.resource_names));
    }
    text
}

/// Renders an explanation for people; `question` describes the request.
pub fn render(explanation: &Explanation, question: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{question}");
    let answer = if explanation.allowed { "yes" } else { "no" };
    if explanation.reason.is_empty() {
        let _ = writeln!(out, "Answer: {answer}");
    } else {
        let _ = writeln!(out, "Answer: {answer} - {}", explanation.reason);
    }
    out.push('\n');
    if explanation.bindings.is_empty() {
        let _ = writeln!(out, "No binding applies to this subject here.");
    } else {
        let _ = writeln!(out, "Bindings that apply:");
    }
    for v in &explanation.bindings {
        line(v, &mut out);
    }
    if !explanation.elsewhere.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "Would be allowed in another namespace by:");
        for v in &explanation.elsewhere {
            line(v, &mut out);
        }
    }
    out
}

fn line(v: &BindingVerdict, out: &mut String) {
    let _ = writeln!(out, "  {} -> {} (via {})", v.binding, v.role, v.via);
    if !v.role_found {
        let _ = writeln!(out, "    role not found: grants nothing");
        return;
    }
    let rule = v.rule.as_ref().map(rule_text).unwrap_or_default();
    match (&v.matched_rule, &v.nearest_miss) {
        (Some(i), _) => {
            let _ = writeln!(out, "    ALLOWS: rule {i} {rule}");
        }
        (None, Some((i, missing))) => {
            let what: Vec<String> = missing.iter().map(Lack::to_string).collect();
            let _ = writeln!(
                out,
                "    nearest miss: rule {i} {rule}; lacks {}",
                what.join(", ")
            );
        }
        (None, None) => {
            let _ = writeln!(out, "    the role has no rules");
        }
    }
}

#[cfg(test)]
mod tests;
