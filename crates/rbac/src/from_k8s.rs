//! Conversions from the wire types of `k8s-openapi` (`rbac.authorization.k8s.io/v1`) to the
//! domain types of [`crate::model`].
//!
//! Input Kubernetes' validation would reject is refused with a [`FromK8sError`]; the one
//! defaulting Kubernetes applies at evaluation time is applied here: a ServiceAccount subject
//! without a namespace in a RoleBinding stands for the binding's namespace (`appliesTo`).

use k8s_openapi::api::rbac::v1 as wire;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;

use crate::model::{
    Binding, LabelSelector, LabelSelectorRequirement, PolicyRule, Role, RoleRef, RoleRefKind,
    Subject,
};

/// The API group of RBAC objects.
pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// Why an object cannot be converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FromK8sError {
    /// `metadata.name` is missing or empty.
    #[error("{kind} has no metadata.name")]
    MissingName {
        /// The object kind.
        kind: &'static str,
    },
    /// A Role or RoleBinding without `metadata.namespace`.
    #[error("{kind} {name:?} has no metadata.namespace")]
    MissingNamespace {
        /// The object kind.
        kind: &'static str,
        /// The object name.
        name: String,
    },
    /// `roleRef.kind` is empty.
    #[error("{binding}: roleRef.kind is required")]
    MissingRoleRefKind {
        /// `RoleBinding "ns/name"` or `ClusterRoleBinding "name"`.
        binding: String,
    },
    /// `roleRef.kind` is neither `Role` nor `ClusterRole`, or `Role` in a ClusterRoleBinding.
    #[error("{binding}: roleRef.kind: Unsupported value: {kind:?}")]
    UnsupportedRoleRefKind {
        /// `RoleBinding "ns/name"` or `ClusterRoleBinding "name"`.
        binding: String,
        /// The kind found.
        kind: String,
    },
    /// `roleRef.name` is empty.
    #[error("{binding}: roleRef.name is required")]
    MissingRoleRefName {
        /// `RoleBinding "ns/name"` or `ClusterRoleBinding "name"`.
        binding: String,
    },
    /// `roleRef.apiGroup` is set to a group other than `rbac.authorization.k8s.io`.
    #[error("{binding}: roleRef.apiGroup: Unsupported value: {group:?}")]
    UnsupportedRoleRefGroup {
        /// `RoleBinding "ns/name"` or `ClusterRoleBinding "name"`.
        binding: String,
        /// The group found.
        group: String,
    },
    /// A subject kind other than `User`, `Group` or `ServiceAccount`.
    #[error("{binding}: subjects[{index}].kind: Unsupported value: {kind:?}")]
    UnknownSubjectKind {
        /// `RoleBinding "ns/name"` or `ClusterRoleBinding "name"`.
        binding: String,
        /// The subject's position.
        index: usize,
        /// The kind found.
        kind: String,
    },
    /// A subject without a name.
    #[error("{binding}: subjects[{index}].name is required")]
    MissingSubjectName {
        /// `RoleBinding "ns/name"` or `ClusterRoleBinding "name"`.
        binding: String,
        /// The subject's position.
        index: usize,
    },
    /// A ServiceAccount subject without a namespace in a ClusterRoleBinding.
    #[error("{binding}: subjects[{index}].namespace is required for ServiceAccount {name:?}")]
    ServiceAccountWithoutNamespace {
        /// `ClusterRoleBinding "name"`.
        binding: String,
        /// The subject's position.
        index: usize,
        /// The ServiceAccount name.
        name: String,
    },
}

fn name_of(meta: &meta::ObjectMeta, kind: &'static str) -> Result<String, FromK8sError> {
    match meta.name.as_deref() {
        Some(name) if !name.is_empty() => Ok(name.to_string()),
        _ => Err(FromK8sError::MissingName { kind }),
    }
}

fn namespace_of(
    meta: &meta::ObjectMeta,
    kind: &'static str,
    name: &str,
) -> Result<String, FromK8sError> {
    match meta.namespace.as_deref() {
        Some(ns) if !ns.is_empty() => Ok(ns.to_string()),
        _ => Err(FromK8sError::MissingNamespace {
            kind,
            name: name.to_string(),
        }),
    }
}

/// Converts one rule.
pub fn policy_rule(rule: &wire::PolicyRule) -> PolicyRule {
    PolicyRule {
        verbs: rule.verbs.clone(),
        api_groups: rule.api_groups.clone().unwrap_or_default(),
        resources: rule.resources.clone().unwrap_or_default(),
        resource_names: rule.resource_names.clone().unwrap_or_default(),
        non_resource_urls: rule.non_resource_urls.clone().unwrap_or_default(),
    }
}

fn rules(rules: Option<&Vec<wire::PolicyRule>>) -> Vec<PolicyRule> {
    rules.into_iter().flatten().map(policy_rule).collect()
}

/// Converts a label selector.
pub fn label_selector(selector: &meta::LabelSelector) -> LabelSelector {
    LabelSelector {
        match_labels: selector.match_labels.clone().unwrap_or_default(),
        match_expressions: selector
            .match_expressions
            .iter()
            .flatten()
            .map(|r| LabelSelectorRequirement {
                key: r.key.clone(),
                operator: r.operator.clone(),
                values: r.values.clone().unwrap_or_default(),
            })
            .collect(),
    }
}

/// Converts an aggregation rule to its selectors.
pub fn aggregation_rule(rule: &wire::AggregationRule) -> Vec<LabelSelector> {
    rule.cluster_role_selectors
        .iter()
        .flatten()
        .map(label_selector)
        .collect()
}

/// Converts a Role; it must have a name and a namespace.
pub fn role(role: &wire::Role) -> Result<Role, FromK8sError> {
    let name = name_of(&role.metadata, "Role")?;
    let namespace = namespace_of(&role.metadata, "Role", &name)?;
    Ok(Role {
        namespace: Some(namespace),
        name,
        labels: role.metadata.labels.clone().unwrap_or_default(),
        rules: rules(role.rules.as_ref()),
        aggregation_rule: None,
    })
}

/// Converts a ClusterRole (a namespace in its metadata is ignored, as for any cluster-scoped
/// object).
pub fn cluster_role(role: &wire::ClusterRole) -> Result<Role, FromK8sError> {
    let name = name_of(&role.metadata, "ClusterRole")?;
    Ok(Role {
        namespace: None,
        name,
        labels: role.metadata.labels.clone().unwrap_or_default(),
        rules: rules(role.rules.as_ref()),
        aggregation_rule: role.aggregation_rule.as_ref().map(aggregation_rule),
    })
}

fn role_ref(
    role_ref: &wire::RoleRef,
    binding: &str,
    cluster_binding: bool,
) -> Result<RoleRef, FromK8sError> {
    if !role_ref.api_group.is_empty() && role_ref.api_group != RBAC_GROUP {
        return Err(FromK8sError::UnsupportedRoleRefGroup {
            binding: binding.to_string(),
            group: role_ref.api_group.clone(),
        });
    }
    let kind = match role_ref.kind.as_str() {
        "" => {
            return Err(FromK8sError::MissingRoleRefKind {
                binding: binding.to_string(),
            });
        }
        "ClusterRole" => RoleRefKind::ClusterRole,
        "Role" if !cluster_binding => RoleRefKind::Role,
        other => {
            return Err(FromK8sError::UnsupportedRoleRefKind {
                binding: binding.to_string(),
                kind: other.to_string(),
            });
        }
    };
    if role_ref.name.is_empty() {
        return Err(FromK8sError::MissingRoleRefName {
            binding: binding.to_string(),
        });
    }
    Ok(RoleRef {
        kind,
        name: role_ref.name.clone(),
    })
}

/// Converts one subject of a binding; `binding_namespace` is `None` for a ClusterRoleBinding.
/// `binding` names the binding in errors.
pub fn subject(
    subject: &wire::Subject,
    index: usize,
    binding: &str,
    binding_namespace: Option<&str>,
) -> Result<Subject, FromK8sError> {
    if subject.name.is_empty() {
        return Err(FromK8sError::MissingSubjectName {
            binding: binding.to_string(),
            index,
        });
    }
    match subject.kind.as_str() {
        "User" => Ok(Subject::User(subject.name.clone())),
        "Group" => Ok(Subject::Group(subject.name.clone())),
        "ServiceAccount" => {
            let namespace = match (subject.namespace.as_deref(), binding_namespace) {
                (Some(ns), _) if !ns.is_empty() => ns,
                (_, Some(ns)) => ns,
                _ => {
                    return Err(FromK8sError::ServiceAccountWithoutNamespace {
                        binding: binding.to_string(),
                        index,
                        name: subject.name.clone(),
                    });
                }
            };
            Ok(Subject::ServiceAccount {
                namespace: namespace.to_string(),
                name: subject.name.clone(),
            })
        }
        other => Err(FromK8sError::UnknownSubjectKind {
            binding: binding.to_string(),
            index,
            kind: other.to_string(),
        }),
    }
}

fn subjects(
    subjects: Option<&Vec<wire::Subject>>,
    binding: &str,
    binding_namespace: Option<&str>,
) -> Result<Vec<Subject>, FromK8sError> {
    subjects
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, s)| subject(s, i, binding, binding_namespace))
        .collect()
}

/// Converts a RoleBinding; it must have a name and a namespace.
pub fn role_binding(binding: &wire::RoleBinding) -> Result<Binding, FromK8sError> {
    let name = name_of(&binding.metadata, "RoleBinding")?;
    let namespace = namespace_of(&binding.metadata, "RoleBinding", &name)?;
    let described = format!("RoleBinding \"{namespace}/{name}\"");
    Ok(Binding {
        role_ref: role_ref(&binding.role_ref, &described, false)?,
        subjects: subjects(binding.subjects.as_ref(), &described, Some(&namespace))?,
        namespace: Some(namespace),
        name,
    })
}

/// Converts a ClusterRoleBinding; its roleRef must be a ClusterRole.
pub fn cluster_role_binding(binding: &wire::ClusterRoleBinding) -> Result<Binding, FromK8sError> {
    let name = name_of(&binding.metadata, "ClusterRoleBinding")?;
    let described = format!("ClusterRoleBinding \"{name}\"");
    Ok(Binding {
        role_ref: role_ref(&binding.role_ref, &described, true)?,
        subjects: subjects(binding.subjects.as_ref(), &described, None)?,
        namespace: None,
        name,
    })
}

impl TryFrom<&wire::Role> for Role {
    type Error = FromK8sError;
    fn try_from(value: &wire::Role) -> Result<Self, Self::Error> {
        role(value)
    }
}

impl TryFrom<&wire::ClusterRole> for Role {
    type Error = FromK8sError;
    fn try_from(value: &wire::ClusterRole) -> Result<Self, Self::Error> {
        cluster_role(value)
    }
}

impl TryFrom<&wire::RoleBinding> for Binding {
    type Error = FromK8sError;
    fn try_from(value: &wire::RoleBinding) -> Result<Self, Self::Error> {
        role_binding(value)
    }
}

impl TryFrom<&wire::ClusterRoleBinding> for Binding {
    type Error = FromK8sError;
    fn try_from(value: &wire::ClusterRoleBinding) -> Result<Self, Self::Error> {
        cluster_role_binding(value)
    }
}

impl From<&wire::PolicyRule> for PolicyRule {
    fn from(value: &wire::PolicyRule) -> Self {
        policy_rule(value)
    }
}

#[cfg(test)]
mod tests;
