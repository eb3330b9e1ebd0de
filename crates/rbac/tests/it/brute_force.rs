//! A reference RBAC authorizer written straight from Kubernetes' `DefaultRuleResolver` and
//! `RBACAuthorizer`: walk every ClusterRoleBinding, then every RoleBinding of the namespace, both
//! sorted by name; no index, no precomputation.

use kubeward_core::{Attributes, UserInfo};
use kubeward_rbac::aggregation::aggregate_rules;
use kubeward_rbac::{
    Binding, Decision, Grant, PolicyRule, Role, RoleRef, RoleRefKind, Subject, rule_allows,
};

/// The whole state, as plain lists.
pub struct Reference<'a> {
    pub roles: &'a [Role],
    pub bindings: &'a [Binding],
}

fn applies(subject: &Subject, user: &UserInfo, namespace: &str) -> bool {
    match subject {
        Subject::User(name) => *name == user.name,
        Subject::Group(name) => user.groups.contains(name),
        Subject::ServiceAccount {
            namespace: sa_ns,
            name,
        } => {
            let ns = if sa_ns.is_empty() { namespace } else { sa_ns };
            !ns.is_empty() && user.name == format!("system:serviceaccount:{ns}:{name}")
        }
    }
}

fn kind(k: RoleRefKind) -> &'static str {
    match k {
        RoleRefKind::Role => "Role",
        RoleRefKind::ClusterRole => "ClusterRole",
    }
}

fn describe(subject: &Subject, binding_ns: &str) -> String {
    match subject {
        Subject::User(n) => format!("User \"{n}\""),
        Subject::Group(n) => format!("Group \"{n}\""),
        Subject::ServiceAccount { namespace, name } => {
            let ns = if namespace.is_empty() {
                binding_ns
            } else {
                namespace
            };
            format!("ServiceAccount \"{name}/{ns}\"")
        }
    }
}

impl Reference<'_> {
    fn resolve(&self, role_ref: &RoleRef, binding_ns: &str) -> Result<Vec<PolicyRule>, String> {
        match role_ref.kind {
            RoleRefKind::Role => self
                .roles
                .iter()
                .find(|r| {
                    !binding_ns.is_empty()
                        && r.namespace.as_deref() == Some(binding_ns)
                        && r.name == role_ref.name
                })
                .map(|r| r.rules.clone())
                .ok_or_else(|| {
                    format!(
                        "role.rbac.authorization.k8s.io \"{}\" not found",
                        role_ref.name
                    )
                }),
            RoleRefKind::ClusterRole => {
                let cluster_roles: Vec<&Role> = self
                    .roles
                    .iter()
                    .filter(|r| r.namespace.is_none())
                    .collect();
                cluster_roles
                    .iter()
                    .find(|r| r.name == role_ref.name)
                    .map(|r| aggregate_rules(r, &cluster_roles))
                    .ok_or_else(|| {
                        format!(
                            "clusterrole.rbac.authorization.k8s.io \"{}\" not found",
                            role_ref.name
                        )
                    })
            }
        }
    }

    /// `VisitRulesFor`: (binding, first applying subject, rules or error) in Kubernetes' order.
    #[allow(clippy::type_complexity)]
    fn visit(
        &self,
        user: &UserInfo,
        namespace: &str,
    ) -> Vec<(&Binding, &Subject, Result<Vec<PolicyRule>, String>)> {
        let mut out = Vec::new();
        let mut cluster: Vec<&Binding> = self
            .bindings
            .iter()
            .filter(|b| b.namespace.is_none())
            .collect();
        cluster.sort_by(|a, b| a.name.cmp(&b.name));
        for b in cluster {
            if let Some(s) = b.subjects.iter().find(|s| applies(s, user, "")) {
                out.push((b, s, self.resolve(&b.role_ref, "")));
            }
        }
        if !namespace.is_empty() {
            let mut local: Vec<&Binding> = self
                .bindings
                .iter()
                .filter(|b| b.namespace.as_deref() == Some(namespace))
                .collect();
            local.sort_by(|a, b| a.name.cmp(&b.name));
            for b in local {
                if let Some(s) = b.subjects.iter().find(|s| applies(s, user, namespace)) {
                    out.push((b, s, self.resolve(&b.role_ref, namespace)));
                }
            }
        }
        out
    }

    /// `RBACAuthorizer.Authorize`.
    pub fn authorize(&self, attrs: &Attributes) -> Decision {
        let mut errors: Vec<String> = Vec::new();
        for (binding, subject, rules) in self.visit(&attrs.user, &attrs.namespace) {
            match rules {
                Err(e) => errors.push(e),
                Ok(rules) => {
                    if rules.iter().any(|r| rule_allows(attrs, r)) {
                        let source = match &binding.namespace {
                            None => format!("ClusterRoleBinding \"{}\"", binding.name),
                            Some(ns) => format!("RoleBinding \"{}/{ns}\"", binding.name),
                        };
                        let reason = format!(
                            "RBAC: allowed by {source} of {} \"{}\" to {}",
                            kind(binding.role_ref.kind),
                            binding.role_ref.name,
                            describe(subject, binding.namespace.as_deref().unwrap_or(""))
                        );
                        return Decision::Allow { reason };
                    }
                }
            }
        }
        let reason = if errors.is_empty() {
            String::new()
        } else {
            let mut unique: Vec<String> = Vec::new();
            for e in errors.iter() {
                if !unique.contains(e) {
                    unique.push(e.clone());
                }
            }
            if errors.len() == 1 || unique.len() == 1 {
                format!("RBAC: {}", unique[0])
            } else {
                format!("RBAC: [{}]", unique.join(", "))
            }
        };
        Decision::NoOpinion { reason }
    }

    /// `RulesFor`.
    pub fn rules_for(&self, user: &UserInfo, namespace: &str) -> (Vec<PolicyRule>, Vec<String>) {
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        for (_, _, r) in self.visit(user, namespace) {
            match r {
                Ok(r) => rules.extend(r),
                Err(e) => errors.push(e),
            }
        }
        (rules, errors)
    }

    /// Every subject of every binding (cluster ones, then the namespace's, by name) whose role
    /// allows the request.
    pub fn who_can(&self, attrs: &Attributes) -> Vec<Grant> {
        let mut scoped: Vec<&Binding> = self
            .bindings
            .iter()
            .filter(|b| {
                b.namespace.is_none()
                    || (!attrs.namespace.is_empty()
                        && b.namespace.as_deref() == Some(attrs.namespace.as_str()))
            })
            .collect();
        scoped.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        let mut grants = Vec::new();
        for b in scoped {
            let ns = b.namespace.as_deref().unwrap_or("");
            let Ok(rules) = self.resolve(&b.role_ref, ns) else {
                continue;
            };
            if !rules.iter().any(|r| rule_allows(attrs, r)) {
                continue;
            }
            for s in &b.subjects {
                let subject = match s {
                    Subject::ServiceAccount { namespace, name } => {
                        let n = if namespace.is_empty() { ns } else { namespace };
                        if n.is_empty() {
                            continue;
                        }
                        Subject::ServiceAccount {
                            namespace: n.to_string(),
                            name: name.clone(),
                        }
                    }
                    other => other.clone(),
                };
                grants.push(Grant {
                    subject,
                    binding_namespace: b.namespace.clone(),
                    binding_name: b.name.clone(),
                    role_ref: b.role_ref.clone(),
                });
            }
        }
        grants
    }
}
