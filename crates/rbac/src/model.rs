//! Domain types of RBAC policy, free of wire concerns.
//!
//! A [`Role`] is either a namespaced Role (`namespace: Some`) or a ClusterRole (`namespace: None`);
//! a [`Binding`] is either a RoleBinding (`namespace: Some`) or a ClusterRoleBinding.

use std::collections::BTreeMap;

/// One rule of a role, as `rbac.authorization.k8s.io/v1` PolicyRule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PolicyRule {
    /// Verbs, or `*`.
    pub verbs: Vec<String>,
    /// API groups (`""` is the core group), or `*`.
    pub api_groups: Vec<String>,
    /// Resources: `pods`, `pods/log`, `*`, `*/scale`, `pods/*`.
    pub resources: Vec<String>,
    /// Object names the rule is limited to; empty means all.
    pub resource_names: Vec<String>,
    /// Non-resource URLs: exact paths or `prefix*`; only meaningful in ClusterRoles.
    pub non_resource_urls: Vec<String>,
}

/// A label selector as used by ClusterRole aggregation rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    /// Labels that must be present with exactly these values.
    pub match_labels: BTreeMap<String, String>,
    /// Set-based requirements.
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

/// One set-based requirement of a [`LabelSelector`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelSelectorRequirement {
    /// The label key.
    pub key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    pub operator: String,
    /// Values for `In` and `NotIn`.
    pub values: Vec<String>,
}

/// A Role (`namespace: Some`) or ClusterRole (`namespace: None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Role {
    /// The namespace of a Role; `None` for a ClusterRole.
    pub namespace: Option<String>,
    /// The role's name.
    pub name: String,
    /// The role's labels (aggregation selects ClusterRoles by them).
    pub labels: BTreeMap<String, String>,
    /// The rules as written (for an aggregated ClusterRole, what the controller last wrote).
    pub rules: Vec<PolicyRule>,
    /// For an aggregated ClusterRole, the selectors of the ClusterRoles whose rules it gathers.
    pub aggregation_rule: Option<Vec<LabelSelector>>,
}

/// What a binding's `roleRef` points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoleRefKind {
    /// A Role in the binding's namespace.
    Role,
    /// A ClusterRole.
    ClusterRole,
}

/// A binding's `roleRef`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoleRef {
    /// Role or ClusterRole.
    pub kind: RoleRefKind,
    /// The role's name.
    pub name: String,
}

/// A subject of a binding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    /// A user name.
    User(String),
    /// A group name.
    Group(String),
    /// A ServiceAccount, i.e. the user `system:serviceaccount:<namespace>:<name>`.
    ServiceAccount {
        /// The ServiceAccount's namespace (for a RoleBinding, defaults to the binding's).
        namespace: String,
        /// The ServiceAccount's name.
        name: String,
    },
}

/// A RoleBinding (`namespace: Some`) or ClusterRoleBinding (`namespace: None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The namespace of a RoleBinding; `None` for a ClusterRoleBinding.
    pub namespace: Option<String>,
    /// The binding's name.
    pub name: String,
    /// The role it grants.
    pub role_ref: RoleRef,
    /// Who it grants the role to.
    pub subjects: Vec<Subject>,
}
