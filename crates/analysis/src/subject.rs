//! Subjects as the RBAC tools name them: `-k User|Group|ServiceAccount NAME`, and which bindings
//! name a subject.

use std::fmt;
use std::str::FromStr;

use kubeward_rbac::{Binding, Subject};

/// The kind of a binding subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum SubjectKind {
    /// A user name.
    User,
    /// A group name.
    Group,
    /// A ServiceAccount.
    ServiceAccount,
}

/// Why a subject kind or reference could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubjectError {
    /// The kind is none of User, Group, ServiceAccount.
    #[error("\"{0}\" is unknown SubjectKind (use User, Group or ServiceAccount)")]
    UnknownKind(String),
    /// A ServiceAccount reference without a namespace.
    #[error("ServiceAccount {0:?} needs a namespace (NAMESPACE:NAME, or -n)")]
    NoNamespace(String),
}

impl FromStr for SubjectKind {
    type Err = SubjectError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "user" | "u" => Ok(Self::User),
            "group" | "g" => Ok(Self::Group),
            "serviceaccount" | "sa" => Ok(Self::ServiceAccount),
            _ => Err(SubjectError::UnknownKind(s.to_string())),
        }
    }
}

impl fmt::Display for SubjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::User => "User",
            Self::Group => "Group",
            Self::ServiceAccount => "ServiceAccount",
        })
    }
}

/// The kind of `subject`.
pub fn kind_of(subject: &Subject) -> SubjectKind {
    match subject {
        Subject::User(_) => SubjectKind::User,
        Subject::Group(_) => SubjectKind::Group,
        Subject::ServiceAccount { .. } => SubjectKind::ServiceAccount,
    }
}

/// The name of `subject` without its namespace.
pub fn name_of(subject: &Subject) -> &str {
    match subject {
        Subject::User(name) | Subject::Group(name) => name,
        Subject::ServiceAccount { name, .. } => name,
    }
}

/// The namespace of a ServiceAccount subject; empty for others.
pub fn namespace_of(subject: &Subject) -> &str {
    match subject {
        Subject::ServiceAccount { namespace, .. } => namespace,
        _ => "",
    }
}

/// A subject as one string: `User/alice`, `Group/dev`, `ServiceAccount/ns/name`.
pub fn display(subject: &Subject) -> String {
    match subject {
        Subject::ServiceAccount { namespace, name } => format!("ServiceAccount/{namespace}/{name}"),
        other => format!("{}/{}", kind_of(other), name_of(other)),
    }
}

/// The subject with a RoleBinding's ServiceAccount namespace defaulted to the binding's, as the
/// authorizer reads it.
pub fn effective(subject: &Subject, binding: &Binding) -> Subject {
    match subject {
        Subject::ServiceAccount { namespace, name } if namespace.is_empty() => {
            Subject::ServiceAccount {
                namespace: binding.namespace.clone().unwrap_or_default(),
                name: name.clone(),
            }
        }
        other => other.clone(),
    }
}

/// Builds a subject of `kind` named `name`; a ServiceAccount takes `namespace` (or a
/// `NAMESPACE:NAME` / `system:serviceaccount:NAMESPACE:NAME` name).
pub fn parse(
    kind: SubjectKind,
    name: &str,
    namespace: Option<&str>,
) -> Result<Subject, SubjectError> {
    Ok(match kind {
        SubjectKind::User => Subject::User(name.to_string()),
        SubjectKind::Group => Subject::Group(name.to_string()),
        SubjectKind::ServiceAccount => {
            let bare = name.strip_prefix("system:serviceaccount:").unwrap_or(name);
            match (bare.split_once(':'), namespace) {
                (Some((ns, n)), _) => Subject::ServiceAccount {
                    namespace: ns.to_string(),
                    name: n.to_string(),
                },
                (None, Some(ns)) => Subject::ServiceAccount {
                    namespace: ns.to_string(),
                    name: bare.to_string(),
                },
                (None, None) => return Err(SubjectError::NoNamespace(name.to_string())),
            }
        }
    })
}

/// Whether `binding` names `subject` (ServiceAccounts compared with their effective namespace).
pub fn binding_names(binding: &Binding, subject: &Subject) -> bool {
    binding
        .subjects
        .iter()
        .any(|s| &effective(s, binding) == subject)
}

#[cfg(test)]
mod tests;
