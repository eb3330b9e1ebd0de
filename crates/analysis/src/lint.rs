//! Risky grants: each finding has a severity, a reason and the object it is about, with the file
//! (or namespace/name) it came from. Objects of kube-apiserver's bootstrap policy (labelled
//! `kubernetes.io/bootstrapping: rbac-defaults`) are trusted and not reported.

use std::collections::{BTreeMap, BTreeSet};

use kubeward_core::{Attributes, UserInfo};
use kubeward_rbac::{Binding, Policy, PolicyRule, Role, RoleRefKind, Subject, rule_allows};

use crate::sources::object_key;
use crate::subject::display;

/// How bad a finding is, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Probably a mistake, little risk.
    Low,
    /// A broad grant.
    Medium,
    /// A path to more privileges.
    High,
    /// Cluster takeover.
    Critical,
}

/// `--fail-on` values that are not a severity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LintError {
    /// The level is not one of the severities.
    #[error("unknown severity {0:?} (use info, low, medium, high or critical)")]
    UnknownSeverity(String),
}

impl std::str::FromStr for Severity {
    type Err = LintError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "info" => Self::Info,
            "low" => Self::Low,
            "medium" => Self::Medium,
            "high" => Self::High,
            "critical" => Self::Critical,
            _ => return Err(LintError::UnknownSeverity(s.to_string())),
        })
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        })
    }
}

/// One risky grant.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Finding {
    /// How bad it is.
    pub severity: Severity,
    /// The check's identifier, e.g. `pods-exec`.
    pub rule: &'static str,
    /// The object: `ClusterRole/name`, `RoleBinding/namespace/name`, ….
    pub object: String,
    /// The file the object came from, or `namespace/name` for a live cluster; empty if unknown.
    pub location: String,
    /// Why it is risky.
    pub reason: String,
    /// Why the object's owners accept it (its `lint.kubeward.io/accept-<check>` annotation):
    /// reported, but not failing `--fail-on`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted: Option<String>,
}

/// The checks, with their one-line descriptions (SARIF rule metadata).
pub const CHECKS: &[(&str, &str)] = &[
    (
        "wildcard",
        "A rule grants every verb, resource or API group",
    ),
    (
        "secrets-cluster-wide",
        "Secrets can be read in every namespace",
    ),
    (
        "escalate-bind",
        "Roles can be escalated or bound beyond the holder's own permissions",
    ),
    (
        "impersonate",
        "Users, groups or ServiceAccounts can be impersonated",
    ),
    ("pods-exec", "Commands can be run in or attached to pods"),
    (
        "nodes-proxy",
        "The kubelet API can be reached through nodes/proxy",
    ),
    (
        "serviceaccount-token",
        "Tokens can be minted for ServiceAccounts",
    ),
    (
        "csr-approve",
        "Certificate requests can be approved for broad signers",
    ),
    (
        "cluster-admin-binding",
        "cluster-admin is bound to a subject outside the system",
    ),
    (
        "system-authenticated-binding",
        "A role is granted to every authenticated user",
    ),
    (
        "system-unauthenticated-binding",
        "A role is granted to anonymous users",
    ),
    (
        "missing-role",
        "A binding refers to a role that does not exist",
    ),
    ("unused-role", "A role is bound by nothing"),
];

const BOOTSTRAP_LABEL: &str = "kubernetes.io/bootstrapping";

fn is_bootstrap(labels: &BTreeMap<String, String>) -> bool {
    labels
        .get(BOOTSTRAP_LABEL)
        .is_some_and(|v| v == "rbac-defaults")
}

fn nobody() -> UserInfo {
    UserInfo::default()
}

fn allows(rule: &PolicyRule, verb: &str, group: &str, resource: &str, sub: &str) -> bool {
    let attributes =
        Attributes::resource(nobody(), verb, group, resource, "").with_subresource(sub);
    rule_allows(&attributes, rule)
}

/// The checks of one role's rules: (severity, check, reason).
fn role_checks(rules: &[PolicyRule], cluster_role: bool) -> Vec<(Severity, &'static str, String)> {
    let mut found = Vec::new();
    for rule in rules {
        let star = |list: &[String]| list.iter().any(|s| s == "*");
        if !rule.resources.is_empty() || !rule.api_groups.is_empty() {
            if star(&rule.verbs) && star(&rule.resources) && star(&rule.api_groups) {
                found.push((
                    Severity::Critical,
                    "wildcard",
                    "grants every verb on every resource of every API group (*.*)".to_string(),
                ));
                // Every check below would fire too; the wildcard says it all.
                continue;
            } else if star(&rule.verbs) || star(&rule.resources) || star(&rule.api_groups) {
                let which: Vec<&str> = [
                    (star(&rule.verbs), "verbs"),
                    (star(&rule.resources), "resources"),
                    (star(&rule.api_groups), "apiGroups"),
                ]
                .into_iter()
                .filter_map(|(s, n)| s.then_some(n))
                .collect();
                found.push((
                    Severity::Medium,
                    "wildcard",
                    format!("uses * in {}", which.join(" and ")),
                ));
            }
        }
        if cluster_role
            && rule.resource_names.is_empty()
            && ["get", "list", "watch"]
                .iter()
                .any(|v| allows(rule, v, "", "secrets", ""))
        {
            found.push((
                Severity::High,
                "secrets-cluster-wide",
                "can read secrets; bound by a ClusterRoleBinding, that is every namespace's secrets"
                    .to_string(),
            ));
        }
        for (verb, resource) in [
            ("escalate", "roles"),
            ("escalate", "clusterroles"),
            ("bind", "roles"),
            ("bind", "clusterroles"),
        ] {
            if allows(rule, verb, "rbac.authorization.k8s.io", resource, "") {
                found.push((
                    Severity::High,
                    "escalate-bind",
                    format!("can {verb} {resource}: grants permissions the holder does not have"),
                ));
                break;
            }
        }
        for (group, resource) in [("", "users"), ("", "groups"), ("", "serviceaccounts")] {
            if allows(rule, "impersonate", group, resource, "") {
                found.push((
                    Severity::High,
                    "impersonate",
                    format!("can impersonate {resource}: acts with their permissions"),
                ));
                break;
            }
        }
        for sub in ["exec", "attach"] {
            if allows(rule, "create", "", "pods", sub) {
                found.push((
                    Severity::High,
                    "pods-exec",
                    format!("can create pods/{sub}: runs commands inside containers"),
                ));
            }
        }
        if ["get", "create"]
            .iter()
            .any(|v| allows(rule, v, "", "nodes", "proxy"))
        {
            found.push((
                Severity::High,
                "nodes-proxy",
                "can use nodes/proxy: reaches the kubelet API (exec in any pod on the node)"
                    .to_string(),
            ));
        }
        if allows(rule, "create", "", "serviceaccounts", "token") {
            found.push((
                Severity::High,
                "serviceaccount-token",
                "can create serviceaccounts/token: acts as any ServiceAccount it can name"
                    .to_string(),
            ));
        }
        let any_name = PolicyRule {
            resource_names: Vec::new(),
            ..rule.clone()
        };
        if allows(&any_name, "approve", "certificates.k8s.io", "signers", "") {
            let broad = rule.resource_names.is_empty()
                || rule
                    .resource_names
                    .iter()
                    .any(|n| n == "*" || n.ends_with("/*"));
            if broad {
                found.push((
                    Severity::High,
                    "csr-approve",
                    format!(
                        "can approve certificate requests for {}",
                        if rule.resource_names.is_empty() {
                            "every signer".to_string()
                        } else {
                            rule.resource_names.join(", ")
                        }
                    ),
                ));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// Lints `policy`; `origins` maps [`object_key`]s to files (or namespace/name).
pub fn lint(policy: &Policy, origins: &BTreeMap<String, String>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let location = |key: &str| origins.get(key).cloned().unwrap_or_default();
    let bound: BTreeSet<(Option<&str>, &str)> = policy
        .bindings()
        .map(|b| match b.role_ref.kind {
            RoleRefKind::ClusterRole => (None, b.role_ref.name.as_str()),
            RoleRefKind::Role => (b.namespace.as_deref(), b.role_ref.name.as_str()),
        })
        .collect();
    let aggregated_into_bound = |role: &Role| {
        policy.roles().any(|other| {
            other.aggregation_rule.as_ref().is_some_and(|selectors| {
                bound.contains(&(None, other.name.as_str()))
                    && selectors.iter().any(|s| {
                        s.match_labels
                            .iter()
                            .all(|(k, v)| role.labels.get(k) == Some(v))
                            && !s.match_labels.is_empty()
                    })
            })
        })
    };
    for role in policy.roles() {
        if is_bootstrap(&role.labels) {
            continue;
        }
        let key = object_key(false, role.namespace.as_deref(), &role.name);
        let rules = policy
            .effective_rules(role.namespace.as_deref(), &role.name)
            .unwrap_or_default();
        for (severity, rule, reason) in role_checks(rules, false) {
            if rule == "secrets-cluster-wide" {
                continue;
            }
            findings.push(Finding {
                severity,
                rule,
                object: key.clone(),
                location: location(&key),
                reason,
                accepted: None,
            });
        }
        if !bound.contains(&(role.namespace.as_deref(), role.name.as_str()))
            && !aggregated_into_bound(role)
        {
            findings.push(Finding {
                severity: Severity::Info,
                rule: "unused-role",
                object: key.clone(),
                location: location(&key),
                reason: "no binding refers to it".to_string(),
                accepted: None,
            });
        }
    }
    let (_, bootstrap) = kubeward_rbac::bootstrap::policy();
    for binding in policy.bindings() {
        binding_checks(policy, binding, &location, &bootstrap, &mut findings);
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.object.cmp(&b.object))
            .then_with(|| a.rule.cmp(b.rule))
            .then_with(|| a.reason.cmp(&b.reason))
    });
    findings.dedup();
    findings
}

fn binding_checks(
    policy: &Policy,
    binding: &Binding,
    location: &dyn Fn(&str) -> String,
    bootstrap: &[Binding],
    findings: &mut Vec<Finding>,
) {
    let key = object_key(true, binding.namespace.as_deref(), &binding.name);
    let role_namespace = match binding.role_ref.kind {
        RoleRefKind::ClusterRole => None,
        RoleRefKind::Role => binding.namespace.as_deref(),
    };
    let role = policy.role(role_namespace, &binding.role_ref.name);
    let trusted = role.is_some_and(|r| is_bootstrap(&r.labels)) && bootstrap.contains(binding);
    let mut push = |severity, rule, reason: String| {
        findings.push(Finding {
            severity,
            rule,
            object: key.clone(),
            location: location(&key),
            reason,
            accepted: None,
        });
    };
    let Some(role) = role else {
        let kind = match binding.role_ref.kind {
            RoleRefKind::ClusterRole => "clusterrole",
            RoleRefKind::Role => "role",
        };
        push(
            Severity::Low,
            "missing-role",
            format!(
                "grants nothing: {kind}.rbac.authorization.k8s.io \"{}\" not found",
                binding.role_ref.name
            ),
        );
        return;
    };
    if trusted {
        return;
    }
    let role_name = match binding.role_ref.kind {
        RoleRefKind::ClusterRole => format!("ClusterRole/{}", role.name),
        RoleRefKind::Role => format!("Role/{}", role.name),
    };
    for subject in &binding.subjects {
        let name = crate::subject::name_of(subject);
        if binding.role_ref.kind == RoleRefKind::ClusterRole
            && role.name == "cluster-admin"
            && !name.starts_with("system:")
        {
            push(
                Severity::Critical,
                "cluster-admin-binding",
                format!("binds cluster-admin to {}", display(subject)),
            );
        }
        if *subject == Subject::Group("system:unauthenticated".into()) {
            push(
                Severity::Critical,
                "system-unauthenticated-binding",
                format!("grants {role_name} to anonymous users (Group system:unauthenticated)"),
            );
        }
        if *subject == Subject::Group("system:authenticated".into()) {
            push(
                Severity::High,
                "system-authenticated-binding",
                format!(
                    "grants {role_name} to every authenticated user (Group system:authenticated)"
                ),
            );
        }
    }
    // Secrets cluster-wide: a ClusterRoleBinding of a role that reads secrets.
    if binding.namespace.is_none() {
        let rules = policy.effective_rules(None, &role.name).unwrap_or_default();
        let wildcard = role_checks(rules, false)
            .iter()
            .any(|(severity, rule, _)| *rule == "wildcard" && *severity == Severity::Critical);
        if !wildcard
            && role_checks(rules, true)
                .iter()
                .any(|(_, rule, _)| *rule == "secrets-cluster-wide")
        {
            let subjects: Vec<String> = binding.subjects.iter().map(display).collect();
            push(
                Severity::High,
                "secrets-cluster-wide",
                format!(
                    "{role_name} reads secrets in every namespace, granted to {}",
                    subjects.join(", ")
                ),
            );
        }
    }
}

/// Marks the findings whose check their object's annotations accept (`accepted`: object key →
/// check → reason).
pub fn accept(findings: &mut [Finding], accepted: &BTreeMap<String, BTreeMap<String, String>>) {
    for finding in findings {
        if let Some(reason) = accepted
            .get(&finding.object)
            .and_then(|checks| checks.get(finding.rule))
        {
            finding.accepted = Some(reason.clone());
        }
    }
}

/// Whether any finding that is not accepted is at least `level`.
pub fn fails(findings: &[Finding], level: Severity) -> bool {
    findings
        .iter()
        .any(|f| f.severity >= level && f.accepted.is_none())
}

/// Renders findings as an aligned table: SEVERITY, RULE, OBJECT, LOCATION, REASON.
pub fn render(findings: &[Finding]) -> String {
    let mut text = String::from("SEVERITY\tCHECK\tOBJECT\tLOCATION\tREASON\n");
    for f in findings {
        text.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            f.severity.to_string().to_uppercase(),
            f.rule,
            f.object,
            if f.location.is_empty() {
                "<bootstrap>"
            } else {
                &f.location
            },
            match &f.accepted {
                Some(why) => format!("{} (accepted: {why})", f.reason),
                None => f.reason.clone(),
            }
        ));
    }
    crate::tabwriter::TabWriter::KUBECTL.render(&text)
}

/// Whether a location names a manifest file (not a live object's namespace/name).
fn is_file(location: &str) -> bool {
    [".yaml", ".yml", ".json"]
        .iter()
        .any(|e| location.ends_with(e))
}

/// The findings as a SARIF 2.1.0 log.
pub fn sarif(findings: &[Finding]) -> serde_json::Value {
    let level = |s: Severity| match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    };
    let rules: Vec<serde_json::Value> = CHECKS
        .iter()
        .map(|(id, text)| {
            serde_json::json!({"id": id, "name": id, "shortDescription": {"text": text}})
        })
        .collect();
    let results: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            let mut result = serde_json::json!({
                "ruleId": f.rule,
                "ruleIndex": CHECKS.iter().position(|(id, _)| *id == f.rule).unwrap_or(0),
                "level": level(f.severity),
                "message": {"text": format!("{}: {}", f.object, f.reason)},
                "properties": {"severity": f.severity},
                "locations": [{
                    "logicalLocations": [{"name": f.object, "kind": "object"}]
                }],
            });
            if let Some(why) = &f.accepted {
                result["suppressions"] =
                    serde_json::json!([{"kind": "inSource", "justification": why}]);
            }
            if is_file(&f.location) {
                result["locations"][0]["physicalLocation"] =
                    serde_json::json!({"artifactLocation": {"uri": f.location}});
            }
            result
        })
        .collect();
    serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "kubeward",
                "informationUri": "https://github.com/kubeward/kubeward",
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

#[cfg(test)]
mod tests;
