//! What structured-merge-diff learns from a type's schema, by the field names on the way to a
//! value (list items are not named): how a list merges (atomic, a set, or a map keyed by some of
//! its items' fields), which objects are atomic, which keys are a map's entries rather than a
//! struct's declared fields, and which structs Go always writes (value-typed fields, present in
//! every typed object). Built-in kinds use a table of the Go struct tags (`+listType`,
//! `+listMapKey`, `patchMergeKey`, `+structType=atomic`, `+mapType=atomic`) of the kinds served;
//! custom resources read `x-kubernetes-list-type`, `x-kubernetes-list-map-keys` and
//! `x-kubernetes-map-type` of their CRD's schema. An unknown list is atomic, as
//! structured-merge-diff has it.

use serde_json::Value;

/// How a list merges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListType {
    /// Replaced whole, owned as one field.
    Atomic,
    /// A set of scalars: items are `v:` elements.
    Set,
    /// A map keyed by these fields of its items: items are `k:` elements.
    Map(Vec<String>),
}

/// Where the merge rules come from.
#[derive(Debug, Clone, Copy)]
pub enum Shape<'a> {
    /// A built-in kind: the table of the Go types' tags.
    Builtin,
    /// A custom resource: its version's `openAPIV3Schema` (metadata is still built-in).
    Custom(&'a Value),
}

/// Maps of arbitrary keys among the built-in types' fields (the keys are entries, not fields).
const MAP_FIELDS: &[&str] = &[
    "labels",
    "annotations",
    "data",
    "binaryData",
    "stringData",
    "limits",
    "requests",
    "hard",
    "used",
    "capacity",
    "allocatable",
    "matchLabels",
    "nodeSelector",
    "parameters",
    "overhead",
];

/// Atomic structs and maps of the built-in types.
const ATOMIC_OBJECTS: &[&str] = &[
    "selector",
    "nodeSelector",
    "fieldRef",
    "resourceFieldRef",
    "configMapKeyRef",
    "secretKeyRef",
    "scaleTargetRef",
    "targetRef",
];

/// Struct fields that Go writes even when empty (value-typed fields of the built-in types).
const VALUE_STRUCTS: &[&str] = &[
    "metadata",
    "spec",
    "status",
    "template",
    "strategy",
    "updateStrategy",
    "jobTemplate",
    "roleRef",
];

fn builtin_list_type(path: &[&str]) -> ListType {
    let last = path.last().copied().unwrap_or("");
    let parent = path.len().checked_sub(2).map_or("", |i| path[i]);
    let keys = |keys: &[&str]| ListType::Map(keys.iter().map(|k| (*k).to_string()).collect());
    match (parent, last) {
        (_, "containers" | "initContainers" | "ephemeralContainers") => keys(&["name"]),
        ("containers" | "initContainers" | "ephemeralContainers", "ports") => {
            keys(&["containerPort", "protocol"])
        }
        ("spec", "ports") => keys(&["port", "protocol"]),
        (_, "env" | "volumes" | "imagePullSecrets" | "secrets" | "resourceClaims") => {
            keys(&["name"])
        }
        (_, "volumeMounts") => keys(&["mountPath"]),
        (_, "volumeDevices") => keys(&["devicePath"]),
        (_, "conditions") => keys(&["type"]),
        ("metadata", "ownerReferences") => keys(&["uid"]),
        ("metadata", "finalizers") => ListType::Set,
        (_, "hostAliases" | "podIPs" | "hostIPs") => keys(&["ip"]),
        (_, "topologySpreadConstraints") => keys(&["topologyKey", "whenUnsatisfiable"]),
        _ => ListType::Atomic,
    }
}

/// The schema of the value at `path` of a structural schema (`None`: not described).
fn custom_schema<'a>(schema: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut at = schema;
    for name in path {
        while at.get("type").and_then(Value::as_str) == Some("array") {
            at = at.get("items")?;
        }
        at = match at.pointer("/properties").and_then(|p| p.get(*name)) {
            Some(field) => field,
            None => at.get("additionalProperties").filter(|a| a.is_object())?,
        };
    }
    Some(at)
}

impl Shape<'_> {
    fn custom(&self, path: &[&str]) -> Option<&Value> {
        match self {
            Self::Custom(schema) if path.first() != Some(&"metadata") => {
                custom_schema(schema, path)
            }
            _ => None,
        }
    }

    fn is_custom(&self, path: &[&str]) -> bool {
        matches!(self, Self::Custom(_)) && path.first() != Some(&"metadata")
    }

    /// How the list at `path` merges.
    pub fn list_type(&self, path: &[&str]) -> ListType {
        if !self.is_custom(path) {
            return builtin_list_type(path);
        }
        let Some(schema) = self.custom(path) else {
            return ListType::Atomic;
        };
        match schema.get("x-kubernetes-list-type").and_then(Value::as_str) {
            Some("set") => ListType::Set,
            Some("map") => ListType::Map(
                schema
                    .get("x-kubernetes-list-map-keys")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|k| k.as_str().map(str::to_string))
                    .collect(),
            ),
            _ => ListType::Atomic,
        }
    }

    /// Whether the object at `path` is atomic (replaced and owned whole).
    pub fn is_atomic_object(&self, path: &[&str]) -> bool {
        if !self.is_custom(path) {
            // Under an atomic object everything is part of it; the first atomic name decides.
            return path
                .last()
                .is_some_and(|last| ATOMIC_OBJECTS.contains(last))
                && !self.is_map_entry(path);
        }
        self.custom(path).is_some_and(|schema| {
            schema.get("x-kubernetes-map-type").and_then(Value::as_str) == Some("atomic")
        })
    }

    /// Whether the last name of `path` is an entry of a map rather than a declared field.
    pub fn is_map_entry(&self, path: &[&str]) -> bool {
        let parent = &path[..path.len().saturating_sub(1)];
        if path.is_empty() {
            return false;
        }
        if !self.is_custom(path) {
            return parent.last().is_some_and(|p| MAP_FIELDS.contains(p))
                && !(parent.len() >= 2 && MAP_FIELDS.contains(&parent[parent.len() - 2]));
        }
        let name = path[path.len() - 1];
        self.custom(parent).is_some_and(|schema| {
            schema
                .pointer("/properties")
                .and_then(|p| p.get(name))
                .is_none()
                && schema
                    .get("additionalProperties")
                    .is_some_and(Value::is_object)
        })
    }

    /// Whether the field at `path` is a struct that Go writes even when empty.
    pub fn is_value_struct(&self, path: &[&str]) -> bool {
        !self.is_custom(path)
            && !self.is_map_entry(path)
            && path.last().is_some_and(|last| VALUE_STRUCTS.contains(last))
    }
}

#[cfg(test)]
mod tests;
