//! Parsing Kubernetes manifests (YAML or JSON, multi-document, `List` kinds) into RBAC objects.
//!
//! Pure: text in, roles and bindings out. Objects of other kinds are skipped; a malformed
//! document or RBAC object is an error naming the file, and the line where YAML gives one.

use k8s_openapi::api::rbac::v1 as rbac;
use kubeward_rbac::{Binding, Role};
use serde_json::Value;

/// The namespace `kubectl apply -f` uses for namespaced objects without one (the default
/// context's namespace).
pub const DEFAULT_NAMESPACE: &str = "default";

/// The RBAC objects found in one or more manifests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Manifests {
    /// Roles and ClusterRoles, in file order.
    pub roles: Vec<Role>,
    /// RoleBindings and ClusterRoleBindings, in file order.
    pub bindings: Vec<Binding>,
    /// How many objects of other kinds were skipped.
    pub skipped: usize,
    /// Where each object came from (`file` for manifests, `namespace/name` for a live cluster),
    /// by [`object_key`].
    pub origins: std::collections::BTreeMap<String, String>,
    /// The `rbac lint` checks an object's owners accepted, with their reasons, by
    /// [`object_key`] (see [`accepted_checks`]).
    pub accepted: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
}

/// The prefix of the annotations that accept an `rbac lint` check for one object, as
/// kube-linter's `ignore-check.kube-linter.io/<check>`: `lint.kubeward.io/accept-<check>:
/// "<why>"`.
pub const ACCEPT_ANNOTATION: &str = "lint.kubeward.io/accept-";

/// The checks `annotations` accept (check → reason).
pub fn accepted_checks<'a>(
    annotations: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> std::collections::BTreeMap<String, String> {
    annotations
        .into_iter()
        .filter_map(|(key, reason)| {
            let check = key.strip_prefix(ACCEPT_ANNOTATION)?;
            Some((check.to_string(), reason.to_string()))
        })
        .collect()
}

/// The key of an RBAC object: `ClusterRole/name`, `Role/namespace/name`,
/// `ClusterRoleBinding/name` or `RoleBinding/namespace/name`.
pub fn object_key(binding: bool, namespace: Option<&str>, name: &str) -> String {
    match (binding, namespace) {
        (false, None) => format!("ClusterRole/{name}"),
        (false, Some(ns)) => format!("Role/{ns}/{name}"),
        (true, None) => format!("ClusterRoleBinding/{name}"),
        (true, Some(ns)) => format!("RoleBinding/{ns}/{name}"),
    }
}

impl Manifests {
    /// Appends the objects of `other`.
    pub fn extend(&mut self, other: Manifests) {
        self.roles.extend(other.roles);
        self.bindings.extend(other.bindings);
        self.skipped += other.skipped;
        self.origins.extend(other.origins);
        self.accepted.extend(other.accepted);
    }
}

/// Why manifests could not be loaded.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum LoadError {
    /// A file or directory could not be read.
    #[error("{path}: {message}")]
    Read {
        /// The path.
        path: String,
        /// The operating system's reason.
        message: String,
    },
    /// A document is not valid YAML or JSON.
    #[error("{origin}:{line}:{column}: {message}")]
    Syntax {
        /// The file.
        origin: String,
        /// 1-based line, 0 when unknown.
        line: u64,
        /// 1-based column, 0 when unknown.
        column: u64,
        /// The parser's message.
        message: String,
    },
    /// A document parses but is not a valid object of its kind.
    #[error("{origin}: document {document}: {message}")]
    Object {
        /// The file.
        origin: String,
        /// 1-based index of the YAML document in the file.
        document: usize,
        /// What is wrong, naming the object's kind and name.
        message: String,
    },
}

/// Parses the text of one manifest file; `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<Manifests, LoadError> {
    let documents: Vec<Value> =
        serde_saphyr::from_multiple(text).map_err(|error| syntax_error(origin, &error))?;
    let mut manifests = Manifests::default();
    for (index, document) in documents.into_iter().enumerate() {
        collect(document, &mut manifests).map_err(|message| LoadError::Object {
            origin: origin.to_string(),
            document: index + 1,
            message,
        })?;
    }
    let keys = manifests
        .roles
        .iter()
        .map(|r| object_key(false, r.namespace.as_deref(), &r.name))
        .chain(
            manifests
                .bindings
                .iter()
                .map(|b| object_key(true, b.namespace.as_deref(), &b.name)),
        );
    manifests.origins = keys.map(|key| (key, origin.to_string())).collect();
    Ok(manifests)
}

fn syntax_error(origin: &str, error: &serde_saphyr::Error) -> LoadError {
    let (line, column) = error
        .location()
        .map(|l| (l.line(), l.column()))
        .unwrap_or_default();
    // The parser's own text repeats the position (`error: line 5 column 8: reason`, then a
    // snippet); the reason alone follows the `file:line:column:` prefix.
    let text = error.to_string();
    let first_line = text.lines().next().unwrap_or_default();
    let position = format!("line {line} column {column}: ");
    let reason = first_line.strip_prefix("error: ").unwrap_or(first_line);
    let message = reason
        .strip_prefix(position.as_str())
        .unwrap_or(reason)
        .to_string();
    LoadError::Syntax {
        origin: origin.to_string(),
        line,
        column,
        message,
    }
}

/// Adds the RBAC objects of one document (an object or a `List`) to `manifests`.
fn collect(document: Value, manifests: &mut Manifests) -> Result<(), String> {
    let Value::Object(object) = document else {
        return match document {
            Value::Null => Ok(()),
            other => Err(format!(
                "expected a Kubernetes object (a mapping with apiVersion and kind), found {}",
                json_type(&other)
            )),
        };
    };
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if kind.is_empty() {
        return Err("object has no kind".to_string());
    }
    if kind == "List" || (kind.ends_with("List") && object.contains_key("items")) {
        let items = match object.get("items") {
            Some(Value::Array(items)) => items.clone(),
            Some(Value::Null) | None => Vec::new(),
            Some(other) => {
                return Err(format!(
                    "{kind}: items must be a list, found {}",
                    json_type(other)
                ));
            }
        };
        for item in items {
            collect(item, manifests)?;
        }
        return Ok(());
    }
    if api_version.split('/').next() != Some("rbac.authorization.k8s.io") {
        manifests.skipped += 1;
        return Ok(());
    }
    let name = object
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let document = Value::Object(object.clone());
    let described = |e: String| format!("{kind} {name:?}: {e}");
    let annotations = object
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(key, value)| Some((key.as_str(), value.as_str()?)));
    let accepted = accepted_checks(annotations);
    if !accepted.is_empty() {
        let namespace = object
            .get("metadata")
            .and_then(|m| m.get("namespace"))
            .and_then(Value::as_str);
        let binding = kind.ends_with("Binding");
        let namespace = match kind {
            "Role" | "RoleBinding" => Some(namespace.unwrap_or(DEFAULT_NAMESPACE)),
            _ => None,
        };
        manifests
            .accepted
            .insert(object_key(binding, namespace, &name), accepted);
    }
    match kind {
        "Role" => manifests.roles.push(
            convert_role(typed::<rbac::Role>(document).map_err(described)?).map_err(described)?,
        ),
        "ClusterRole" => manifests.roles.push(
            convert_cluster_role(typed::<rbac::ClusterRole>(document).map_err(described)?)
                .map_err(described)?,
        ),
        "RoleBinding" => manifests.bindings.push(
            convert_role_binding(typed::<rbac::RoleBinding>(document).map_err(described)?)
                .map_err(described)?,
        ),
        "ClusterRoleBinding" => manifests.bindings.push(
            convert_cluster_role_binding(
                typed::<rbac::ClusterRoleBinding>(document).map_err(described)?,
            )
            .map_err(described)?,
        ),
        _ => manifests.skipped += 1,
    }
    Ok(())
}

fn typed<T: serde::de::DeserializeOwned>(document: Value) -> Result<T, String> {
    serde_json::from_value(document).map_err(|e| e.to_string())
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn with_default_namespace<T>(
    mut object: T,
    metadata: impl FnOnce(&mut T) -> &mut Option<String>,
) -> T {
    let namespace = metadata(&mut object);
    if namespace.as_deref().is_none_or(str::is_empty) {
        *namespace = Some(DEFAULT_NAMESPACE.to_string());
    }
    object
}

fn convert_role(role: rbac::Role) -> Result<Role, String> {
    let role = with_default_namespace(role, |r| &mut r.metadata.namespace);
    kubeward_rbac::from_k8s::role(&role).map_err(|e| e.to_string())
}

fn convert_cluster_role(role: rbac::ClusterRole) -> Result<Role, String> {
    kubeward_rbac::from_k8s::cluster_role(&role).map_err(|e| e.to_string())
}

fn convert_role_binding(binding: rbac::RoleBinding) -> Result<Binding, String> {
    let binding = with_default_namespace(binding, |b| &mut b.metadata.namespace);
    kubeward_rbac::from_k8s::role_binding(&binding).map_err(|e| e.to_string())
}

fn convert_cluster_role_binding(binding: rbac::ClusterRoleBinding) -> Result<Binding, String> {
    kubeward_rbac::from_k8s::cluster_role_binding(&binding).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;
