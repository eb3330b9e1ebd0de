//! Group-qualified resource and kind names, as `k8s.io/apimachinery/pkg/runtime/schema` prints
//! them in error messages: `pods`, `deployments.apps`, `Role.rbac.authorization.k8s.io`.

use std::fmt;

/// A resource in an API group (`schema.GroupResource`); the core group is the empty string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupResource {
    /// The API group; empty for the core group.
    pub group: String,
    /// The plural resource name, e.g. `pods`.
    pub resource: String,
}

impl GroupResource {
    /// A group-qualified resource.
    pub fn new(group: &str, resource: &str) -> Self {
        Self {
            group: group.to_string(),
            resource: resource.to_string(),
        }
    }

    /// Whether both the group and the resource are empty.
    pub fn is_empty(&self) -> bool {
        self.group.is_empty() && self.resource.is_empty()
    }
}

impl fmt::Display for GroupResource {
    /// `resource` for the core group, `resource.group` otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&qualified(&self.resource, &self.group))
    }
}

/// A kind in an API group (`schema.GroupKind`); the core group is the empty string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupKind {
    /// The API group; empty for the core group.
    pub group: String,
    /// The kind, e.g. `Role`.
    pub kind: String,
}

impl GroupKind {
    /// A group-qualified kind.
    pub fn new(group: &str, kind: &str) -> Self {
        Self {
            group: group.to_string(),
            kind: kind.to_string(),
        }
    }
}

impl fmt::Display for GroupKind {
    /// `Kind` for the core group, `Kind.group` otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&qualified(&self.kind, &self.group))
    }
}

/// `name` for the core group (empty `group`), `name.group` otherwise: `pods`, `deployments.apps`.
pub fn qualified(name: &str, group: &str) -> String {
    if group.is_empty() {
        name.to_string()
    } else {
        format!("{name}.{group}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_names() {
        assert_eq!(GroupResource::new("", "pods").to_string(), "pods");
        assert_eq!(
            GroupResource::new("apps", "deployments").to_string(),
            "deployments.apps"
        );
        assert_eq!(
            GroupKind::new("rbac.authorization.k8s.io", "Role").to_string(),
            "Role.rbac.authorization.k8s.io"
        );
        assert_eq!(GroupKind::new("", "Namespace").to_string(), "Namespace");
        assert!(GroupResource::default().is_empty());
        assert!(!GroupResource::new("apps", "").is_empty());
    }
}
