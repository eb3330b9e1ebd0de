//! EKS access entries (`aws eks create-access-entry`, `associate-access-policy`): an IAM
//! principal's Kubernetes user name and groups, and the EKS access policies associated with it
//! at cluster or namespace scope.
//!
//! EKS documents the access policies as "similar to the Kubernetes user-facing cluster roles":
//! kubeward grants them through RBAC. A principal with a policy gets the group
//! `eks:access-policy:<Policy>` (cluster scope) or `eks:access-policy:<Policy>:<namespace>`,
//! and [`rbac_bindings`] lists the bindings of those groups to `cluster-admin`, `admin`,
//! `edit` and `view` that must exist.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::arn;
use super::matched::{EntryKind, Matched, Source};

/// The ConfigMap in `kube-system` that holds kubeward's access entries.
pub const CONFIG_MAP_NAME: &str = "kubeward-eks-access-entries";
/// Its data key: a JSON array of [`AccessEntry`].
pub const DATA_KEY: &str = "accessEntries";
/// The ARN prefix of EKS access policies.
pub const POLICY_ARN_PREFIX: &str = "arn:aws:eks::aws:cluster-access-policy/";
/// The prefix of the groups that carry access policies.
pub const POLICY_GROUP_PREFIX: &str = "eks:access-policy:";
/// Prefixes EKS reserves in user names and group names.
const RESERVED_PREFIXES: &[&str] = &["system:", "eks:", "aws:", "amazon:", "iam:"];

/// One access entry, in the fields of the EKS API (`DescribeAccessEntry`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessEntry {
    /// The IAM user or role.
    pub principal_arn: String,
    /// Kubernetes groups, bound by the cluster's own RBAC.
    #[serde(default)]
    pub kubernetes_groups: Vec<String>,
    /// The user name; empty for EKS's default.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub username: String,
    /// `STANDARD`, `EC2_LINUX`, `EC2_WINDOWS` or `FARGATE_LINUX`.
    #[serde(rename = "type", default = "standard")]
    pub entry_type: String,
    /// Associated access policies.
    #[serde(default)]
    pub access_policies: Vec<PolicyAssociation>,
}

fn standard() -> String {
    "STANDARD".into()
}

/// An access policy associated with an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyAssociation {
    /// `arn:aws:eks::aws:cluster-access-policy/AmazonEKS…Policy`.
    pub policy_arn: String,
    /// Where it applies.
    pub access_scope: AccessScope,
}

/// `cluster`, or `namespace` with the namespaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessScope {
    /// `cluster` or `namespace`.
    #[serde(rename = "type")]
    pub scope_type: String,
    /// The namespaces of a `namespace` scope.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
}

/// The access policies kubeward grants, and the cluster role each is similar to.
pub const POLICIES: &[(&str, &str)] = &[
    ("AmazonEKSClusterAdminPolicy", "cluster-admin"),
    ("AmazonEKSAdminPolicy", "admin"),
    ("AmazonEKSEditPolicy", "edit"),
    ("AmazonEKSViewPolicy", "view"),
];

/// Why an access entry is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccessEntryError {
    /// Not the ARN of an IAM user or role.
    #[error("The specified principalArn is invalid: {0:?} is not the ARN of an IAM user or role")]
    Principal(String),
    /// An unknown type.
    #[error(
        "The specified type is invalid: {0:?} (STANDARD, EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX)"
    )]
    Type(String),
    /// A user name or group with a reserved prefix.
    #[error(
        "The {what} {value:?} is invalid: it cannot start with system:, eks:, aws:, amazon: or iam:"
    )]
    Reserved {
        /// `username` or `kubernetes group`.
        what: &'static str,
        /// The value.
        value: String,
    },
    /// A policy kubeward does not grant.
    #[error("The specified policyArn is invalid: {0:?}")]
    Policy(String),
    /// A scope that is neither `cluster` nor `namespace` with namespaces.
    #[error("The specified accessScope is invalid: {0}")]
    Scope(String),
}

impl AccessEntry {
    /// Checks the entry as the EKS API would.
    pub fn validate(&self) -> Result<(), AccessEntryError> {
        let principal = || AccessEntryError::Principal(self.principal_arn.clone());
        let arn = arn::Arn::parse(&self.principal_arn).map_err(|_| principal())?;
        if arn.service != "iam" || !matches!(arn.resource_type(), "user" | "role") {
            return Err(principal());
        }
        if !["STANDARD", "EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX"]
            .contains(&self.entry_type.as_str())
        {
            return Err(AccessEntryError::Type(self.entry_type.clone()));
        }
        let reserved = |v: &str| RESERVED_PREFIXES.iter().any(|p| v.starts_with(p));
        if reserved(&self.username) {
            return Err(AccessEntryError::Reserved {
                what: "username",
                value: self.username.clone(),
            });
        }
        if let Some(group) = self.kubernetes_groups.iter().find(|g| reserved(g)) {
            return Err(AccessEntryError::Reserved {
                what: "kubernetes group",
                value: group.clone(),
            });
        }
        for association in &self.access_policies {
            policy_role(&association.policy_arn)?;
            match association.access_scope.scope_type.as_str() {
                "cluster" if association.access_scope.namespaces.is_empty() => {}
                "namespace" if !association.access_scope.namespaces.is_empty() => {}
                other => {
                    return Err(AccessEntryError::Scope(format!(
                        "type {other:?} with namespaces {:?}",
                        association.access_scope.namespaces
                    )));
                }
            }
        }
        Ok(())
    }

    /// The user name template: the given one, else EKS's default (an IAM user's ARN; for a
    /// role, its session ARN with `{{SessionName}}`; for nodes, `system:node:…`).
    pub fn username_template(&self) -> String {
        if !self.username.is_empty() {
            return self.username.clone();
        }
        match self.entry_type.as_str() {
            "EC2_LINUX" | "EC2_WINDOWS" => "system:node:{{EC2PrivateDNSName}}".into(),
            "FARGATE_LINUX" => "system:node:{{SessionName}}".into(),
            _ => match arn::Arn::parse(&self.principal_arn) {
                Ok(a) if a.resource_type() == "role" => format!(
                    "arn:{}:sts::{}:assumed-role/{}/{{{{SessionName}}}}",
                    a.partition,
                    a.account,
                    a.resource.rsplit('/').next().unwrap_or_default()
                ),
                _ => self.principal_arn.clone(),
            },
        }
    }

    /// The groups: the Kubernetes groups, the node group of node types, and one group per
    /// access policy and scope.
    pub fn groups(&self) -> Vec<String> {
        let mut groups = self.kubernetes_groups.clone();
        if matches!(
            self.entry_type.as_str(),
            "EC2_LINUX" | "EC2_WINDOWS" | "FARGATE_LINUX"
        ) {
            groups.push("system:nodes".into());
        }
        for association in &self.access_policies {
            let name = association
                .policy_arn
                .strip_prefix(POLICY_ARN_PREFIX)
                .unwrap_or(&association.policy_arn);
            if association.access_scope.scope_type == "cluster" {
                groups.push(policy_group(name, None));
            } else {
                for ns in &association.access_scope.namespaces {
                    groups.push(policy_group(name, Some(ns)));
                }
            }
        }
        groups
    }
}

/// The cluster role of a policy ARN.
pub fn policy_role(policy_arn: &str) -> Result<&'static str, AccessEntryError> {
    let name = policy_arn
        .strip_prefix(POLICY_ARN_PREFIX)
        .ok_or_else(|| AccessEntryError::Policy(policy_arn.to_string()))?;
    POLICIES
        .iter()
        .find(|(p, _)| *p == name)
        .map(|(_, role)| *role)
        .ok_or_else(|| AccessEntryError::Policy(policy_arn.to_string()))
}

/// The group that carries `policy` (its short name) at cluster scope or in `namespace`.
pub fn policy_group(policy: &str, namespace: Option<&str>) -> String {
    match namespace {
        None => format!("{POLICY_GROUP_PREFIX}{policy}"),
        Some(ns) => format!("{POLICY_GROUP_PREFIX}{policy}:{ns}"),
    }
}

/// A binding that grants an access policy's group its cluster role.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PolicyBinding {
    /// The namespace of a RoleBinding; `None` for a ClusterRoleBinding.
    pub namespace: Option<String>,
    /// The binding's name (`eks:access-policy:<Policy>`).
    pub name: String,
    /// The group subject.
    pub group: String,
    /// The ClusterRole it refers to.
    pub cluster_role: &'static str,
}

/// The bindings the access policies of `entries` need (sorted, without duplicates).
pub fn rbac_bindings(entries: &[AccessEntry]) -> Vec<PolicyBinding> {
    let mut out = Vec::new();
    for association in entries.iter().flat_map(|e| &e.access_policies) {
        let Ok(role) = policy_role(&association.policy_arn) else {
            continue;
        };
        let name = &association.policy_arn[POLICY_ARN_PREFIX.len()..];
        let binding_name = policy_group(name, None);
        if association.access_scope.scope_type == "cluster" {
            out.push(PolicyBinding {
                namespace: None,
                name: binding_name,
                group: policy_group(name, None),
                cluster_role: role,
            });
        } else {
            for ns in &association.access_scope.namespaces {
                out.push(PolicyBinding {
                    namespace: Some(ns.clone()),
                    name: binding_name.clone(),
                    group: policy_group(name, Some(ns)),
                    cluster_role: role,
                });
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Parses the ConfigMap's `accessEntries`; entries that fail validation are reported and left
/// out.
pub fn parse(data: &str) -> (Vec<AccessEntry>, Vec<String>) {
    if data.trim().is_empty() {
        return (Vec::new(), Vec::new());
    }
    let entries: Vec<AccessEntry> = match serde_json::from_str(data) {
        Ok(entries) => entries,
        Err(e) => return (Vec::new(), vec![format!("{DATA_KEY}: {e}")]),
    };
    let mut errors = Vec::new();
    let valid = entries
        .into_iter()
        .filter(|e| match e.validate() {
            Ok(()) => true,
            Err(err) => {
                errors.push(format!("{}: {err}", e.principal_arn));
                false
            }
        })
        .collect();
    (valid, errors)
}

/// Access entries indexed by principal.
#[derive(Debug, Clone, Default)]
pub struct AccessEntries {
    entries: Vec<AccessEntry>,
    usernames: Vec<String>,
    groups: Vec<Vec<String>>,
    index: HashMap<String, usize>,
}

impl AccessEntries {
    /// Indexes validated entries (a role's entry also matches without the role's path).
    pub fn new(entries: Vec<AccessEntry>) -> Self {
        let mut index = HashMap::new();
        for (i, entry) in entries.iter().enumerate() {
            if let Ok(stripped) = arn::strip_path(&entry.principal_arn) {
                index.insert(stripped.to_lowercase(), i);
            }
            index.insert(entry.principal_arn.to_lowercase(), i);
        }
        Self {
            usernames: entries.iter().map(AccessEntry::username_template).collect(),
            groups: entries.iter().map(AccessEntry::groups).collect(),
            entries,
            index,
        }
    }

    /// The entries.
    pub fn entries(&self) -> &[AccessEntry] {
        &self.entries
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(super) fn find(&self, canonical_lower: &str) -> Option<Matched<'_>> {
        let i = *self.index.get(canonical_lower)?;
        Some(Matched {
            source: Source::AccessEntries,
            kind: EntryKind::AccessEntry,
            key: &self.entries[i].principal_arn,
            username: &self.usernames[i],
            groups: &self.groups[i],
        })
    }

    pub(super) fn principals(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.principal_arn.as_str())
    }
}

#[cfg(test)]
mod tests;
