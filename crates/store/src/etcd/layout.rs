//! Where objects live in etcd: kube-apiserver's key layout,
//! `<prefix>/<resource prefix>/<namespace>/<name>` (cluster-scoped objects without the
//! namespace segment).
//!
//! The resource prefix is the one kube-apiserver's storage factory gives
//! (`pkg/kubeapiserver/default_storage_factory_builder.go`, `ResourcePrefix`): its special
//! prefixes (`services/specs`, `services/endpoints`, `minions`, `controllers`, `ingress`), the
//! bare resource for the resources kube-apiserver serves itself (`pods`, `clusterroles`,
//! `certificatesigningrequests`, …), and `<group>/<resource>` for the API groups of its
//! extension and aggregation servers and for every other resource, as it stores custom
//! resources. A resource that kube-apiserver serves in two groups (`events` in the core group
//! and in `events.k8s.io`) gets the bare prefix in the core group only, so the two stay apart.
//!
//! Namespaces and names are path segments: kube-apiserver never lets `/`, `%`, `.` or `..` be
//! one, so such a segment (which other callers of the store may use) is escaped (`%2F`, `%25`,
//! `%2E`) and every valid Kubernetes name is stored as it is. Keys sort as etcd sorts them, by
//! bytes: in one namespace by name, and across namespaces by `namespace/name`.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::model::{ListScope, ObjectKey, StoreError};

/// kube-apiserver's `SpecialDefaultResourcePrefixes` for the groups it still serves.
const SPECIAL_PREFIXES: [(&str, &str, &str); 5] = [
    ("", "replicationcontrollers", "controllers"),
    ("", "endpoints", "services/endpoints"),
    ("", "nodes", "minions"),
    ("", "services", "services/specs"),
    ("networking.k8s.io", "ingresses", "ingress"),
];

/// The groups served by kube-apiserver's extension and aggregation servers, whose storage
/// prefixes are `<group>/<resource>` (their `SimpleRestOptionsFactory`).
const GROUP_PREFIXED: [&str; 2] = ["apiextensions.k8s.io", "apiregistration.k8s.io"];

/// The group a bare resource prefix belongs to: every resource kube-apiserver serves itself,
/// the core group's first when two groups serve one name.
static BARE_RESOURCES: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    let mut bare: HashMap<&'static str, &'static str> = HashMap::new();
    for resource in kubeward_core::discovery::builtin().iter() {
        if GROUP_PREFIXED.contains(&resource.group.as_str()) {
            continue;
        }
        let preferred = bare
            .entry(resource.resource.as_str())
            .or_insert(resource.group.as_str());
        if resource.group.is_empty() {
            *preferred = "";
        }
    }
    bare
});

/// The etcd key layout under one prefix (`--etcd-prefix`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The prefix with a leading and a trailing `/`, e.g. `/registry/`.
    root: String,
}

impl Layout {
    /// The layout under `prefix`, normalized as kube-apiserver does (`path.Join("/", prefix)`
    /// with a trailing `/`): `registry`, `/registry` and `/registry/` are one prefix.
    pub fn new(prefix: &str) -> Self {
        let trimmed: Vec<&str> = prefix.split('/').filter(|s| !s.is_empty()).collect();
        let mut root = String::from("/");
        for segment in trimmed {
            root.push_str(segment);
            root.push('/');
        }
        Self { root }
    }

    /// The prefix every key of this layout starts with (`/registry/`).
    pub fn root(&self) -> &str {
        &self.root
    }

    /// The etcd key of an object; [`StoreError::Invalid`] when the key cannot be told apart
    /// from another one's (a group or resource containing `/`, an unnamed object).
    pub fn object_key(&self, key: &ObjectKey) -> Result<String, StoreError> {
        let mut encoded = self.resource_root(&key.group, &key.resource)?;
        if let Some(namespace) = key.namespace.as_deref().filter(|ns| !ns.is_empty()) {
            encoded.push_str(&escape(namespace));
            encoded.push('/');
        }
        encoded.push_str(&escape(&key.name));
        let normalized = crate::keys::normalize(key);
        if key.name.is_empty() || self.decode(&encoded).as_ref() != Some(&normalized) {
            return Err(StoreError::Invalid(format!(
                "the resource {:?} of the group {:?} has no etcd key of its own in kube-apiserver's layout",
                key.resource, key.group
            )));
        }
        Ok(encoded)
    }

    /// The key prefix of every object in `scope`, ending in `/` (kube-apiserver's list key).
    pub fn scope_prefix(&self, scope: &ListScope) -> Result<String, StoreError> {
        let mut prefix = self.resource_root(&scope.group, &scope.resource)?;
        if let Some(namespace) = scope.namespace.as_deref().filter(|ns| !ns.is_empty()) {
            prefix.push_str(&escape(namespace));
            prefix.push('/');
        }
        let probe = ObjectKey {
            group: scope.group.clone(),
            resource: scope.resource.clone(),
            namespace: None,
            name: "probe".to_string(),
        };
        self.object_key(&probe)?;
        Ok(prefix)
    }

    /// `<root><resource prefix>/`, refusing parts that would break the layout.
    fn resource_root(&self, group: &str, resource: &str) -> Result<String, StoreError> {
        for (what, part) in [("group", group), ("resource", resource)] {
            if part.contains('/') || part.contains('\u{0}') {
                return Err(StoreError::Invalid(format!(
                    "the {what} {part:?} contains a character an etcd key segment cannot hold"
                )));
            }
        }
        if resource.is_empty() {
            return Err(StoreError::Invalid("the resource is empty".to_string()));
        }
        Ok(format!(
            "{}{}/",
            self.root,
            resource_prefix(group, resource)
        ))
    }

    /// The object key of an etcd key of this layout; `None` for a key that is not one.
    pub fn decode(&self, key: &str) -> Option<ObjectKey> {
        let relative = key.strip_prefix(&self.root)?;
        let segments: Vec<&str> = relative.split('/').collect();
        let (group, resource, rest) = match segments.as_slice() {
            ["services", "specs", rest @ ..] => ("", "services", rest),
            ["services", "endpoints", rest @ ..] => ("", "endpoints", rest),
            [first, rest @ ..] if special_resource(first).is_some() => {
                let (group, resource) = special_resource(first)?;
                (group, resource, rest)
            }
            [group, resource, rest @ ..] if group.contains('.') => (*group, *resource, rest),
            [resource, rest @ ..] => (
                BARE_RESOURCES.get(resource).copied().unwrap_or(""),
                *resource,
                rest,
            ),
            [] => return None,
        };
        let (namespace, name) = match rest {
            [name] => (None, *name),
            [namespace, name] => (Some(unescape(namespace)), *name),
            _ => return None,
        };
        if resource.is_empty() || name.is_empty() || namespace.as_deref() == Some("") {
            return None;
        }
        Some(ObjectKey {
            group: group.to_string(),
            resource: resource.to_string(),
            namespace,
            name: unescape(name),
        })
    }
}

/// kube-apiserver's storage prefix of a resource (without the etcd prefix).
fn resource_prefix(group: &str, resource: &str) -> String {
    if let Some((_, _, prefix)) = SPECIAL_PREFIXES
        .iter()
        .find(|(g, r, _)| *g == group && *r == resource)
    {
        return (*prefix).to_string();
    }
    let bare = group.is_empty() || BARE_RESOURCES.get(resource) == Some(&group);
    if bare {
        resource.to_string()
    } else {
        format!("{group}/{resource}")
    }
}

/// The resource a one-segment special prefix stands for.
fn special_resource(segment: &str) -> Option<(&'static str, &'static str)> {
    SPECIAL_PREFIXES
        .iter()
        .find(|(_, _, prefix)| *prefix == segment)
        .map(|(group, resource, _)| (*group, *resource))
}

/// A namespace or name as a key segment: `%` and `/` percent-encoded, `.` and `..` spelled
/// `%2E` and `%2E%2E`; any valid Kubernetes name unchanged.
fn escape(segment: &str) -> String {
    match segment {
        "." => "%2E".to_string(),
        ".." => "%2E%2E".to_string(),
        _ if !segment.contains(['%', '/']) => segment.to_string(),
        _ => segment.replace('%', "%25").replace('/', "%2F"),
    }
}

/// The inverse of [`escape`].
fn unescape(segment: &str) -> String {
    if !segment.contains('%') {
        return segment.to_string();
    }
    let mut out = String::with_capacity(segment.len());
    let mut rest = segment;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let escaped = &rest[at..];
        let (decoded, length) = match escaped.get(..3) {
            Some("%25") => ('%', 3),
            Some("%2F") => ('/', 3),
            Some("%2E") => ('.', 3),
            _ => ('%', 1),
        };
        out.push(decoded);
        rest = &escaped[length..];
    }
    out.push_str(rest);
    out
}

/// The end of the key range of every key starting with `prefix` (etcd's `GetPrefixRangeEnd`).
pub fn range_end(prefix: &str) -> Vec<u8> {
    let mut end = prefix.as_bytes().to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    vec![0]
}

#[cfg(test)]
mod tests;
