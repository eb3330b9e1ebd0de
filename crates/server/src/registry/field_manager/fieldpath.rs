//! Field paths and sets of them, as structured-merge-diff's `fieldpath` package has them: a path
//! element is a field name (`f:`), the key of an associative list item (`k:`), the value of a set
//! item (`v:`) or an index into an atomic-less list without keys (`i:`); a [`Set`] holds member
//! paths as a tree, and is written and read as `FieldsV1` (`managedFields[].fieldsV1`), where
//! `".": {}` marks a path that is a member and has children too.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Map, Value};

/// One step of a path. The order (field names, then keys, then values, then indexes) is
/// structured-merge-diff's.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathElement {
    /// A field of a struct or a key of a map: `f:name`.
    Field(String),
    /// The item of an associative list with these key fields, as canonical JSON with the
    /// fields sorted: `k:{"name":"web"}`.
    Key(String),
    /// The item of a set, as canonical JSON: `v:"a"`.
    Value(String),
    /// The item at an index: `i:0`.
    Index(i64),
}

/// Canonical JSON of a value: object fields sorted by name, at every depth.
pub fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut fields: Vec<(&String, &Value)> = map.iter().collect();
            fields.sort_by(|a, b| a.0.cmp(b.0));
            let parts: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{}:{}", Value::String((*k).clone()), canonical(v)))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", parts.join(","))
        }
        other => other.to_string(),
    }
}

/// The `k:` element of an associative list item with `keys` (absent key fields left out).
pub fn key_element(item: &Value, keys: &[String]) -> PathElement {
    let mut fields = Map::new();
    for key in keys {
        if let Some(value) = item.get(key) {
            fields.insert(key.clone(), value.clone());
        }
    }
    PathElement::Key(canonical(&Value::Object(fields)))
}

/// Go's `%v` of a value as structured-merge-diff's `value.ToString` writes it (strings quoted).
fn value_string(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::String(text) => kubeward_core::go::quote(text),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(value_string).collect();
            format!("[{}]", parts.join(","))
        }
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}={}", value_string(v)))
                .collect();
            format!("{{{}}}", parts.join(";"))
        }
        other => other.to_string(),
    }
}

impl fmt::Display for PathElement {
    /// As in conflict messages: `.spec`, `[name="web"]`, `[="a"]`, `[0]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Field(name) => write!(f, ".{name}"),
            Self::Key(json) => {
                let fields: Map<String, Value> = serde_json::from_str(json).unwrap_or_default();
                let mut fields: Vec<(&String, &Value)> = fields.iter().collect();
                fields.sort_by(|a, b| a.0.cmp(b.0));
                let parts: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{k}={}", value_string(v)))
                    .collect();
                write!(f, "[{}]", parts.join(","))
            }
            Self::Value(json) => {
                let value: Value = serde_json::from_str(json).unwrap_or(Value::Null);
                write!(f, "[={}]", value_string(&value))
            }
            Self::Index(index) => write!(f, "[{index}]"),
        }
    }
}

impl PathElement {
    /// The `FieldsV1` key of the element.
    fn fields_v1_key(&self) -> String {
        match self {
            Self::Field(name) => format!("f:{name}"),
            Self::Key(json) => format!("k:{json}"),
            Self::Value(json) => format!("v:{json}"),
            Self::Index(index) => format!("i:{index}"),
        }
    }

    /// The element of a `FieldsV1` key.
    fn from_fields_v1_key(key: &str) -> Result<Self, String> {
        let (prefix, rest) = key
            .split_once(':')
            .ok_or_else(|| format!("unexpected key {key:?}"))?;
        match prefix {
            "f" => Ok(Self::Field(rest.to_string())),
            "k" => {
                let fields: Map<String, Value> =
                    serde_json::from_str(rest).map_err(|e| format!("parsing JSON: {e}"))?;
                Ok(Self::Key(canonical(&Value::Object(fields))))
            }
            "v" => {
                let value: Value =
                    serde_json::from_str(rest).map_err(|e| format!("parsing JSON: {e}"))?;
                Ok(Self::Value(canonical(&value)))
            }
            "i" => rest
                .parse()
                .map(Self::Index)
                .map_err(|e| format!("parsing index: {e}")),
            _ => Err(format!("unknown PathElementType: {prefix}")),
        }
    }
}

/// A path from the object's root.
pub type Path = Vec<PathElement>;

/// Writes a path as structured-merge-diff does: `.spec.containers[name="web"].image`.
pub fn path_string(path: &[PathElement]) -> String {
    path.iter().map(ToString::to_string).collect()
}

/// A set of paths, as a tree: the members at this level and the sets below each element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Set {
    members: BTreeSet<PathElement>,
    children: BTreeMap<PathElement, Set>,
}

impl Set {
    /// The empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the set holds no path.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty() && self.children.values().all(Set::is_empty)
    }

    /// Adds `path` (the empty path is not a member of anything and is ignored).
    pub fn insert(&mut self, path: &[PathElement]) {
        match path {
            [] => {}
            [last] => {
                self.members.insert(last.clone());
            }
            [first, rest @ ..] => self.children.entry(first.clone()).or_default().insert(rest),
        }
    }

    /// Whether `path` is a member.
    pub fn has(&self, path: &[PathElement]) -> bool {
        match path {
            [] => false,
            [last] => self.members.contains(last),
            [first, rest @ ..] => self.children.get(first).is_some_and(|c| c.has(rest)),
        }
    }

    /// The set below `element`, if any.
    pub fn child(&self, element: &PathElement) -> Option<&Set> {
        self.children.get(element)
    }

    /// The set below `element`, to change in place, if any.
    pub fn child_mut(&mut self, element: &PathElement) -> Option<&mut Set> {
        self.children.get_mut(element)
    }

    /// Removes `element` as a member (the path of one element), keeping what is below it.
    pub fn remove_member(&mut self, element: &PathElement) {
        self.members.remove(element);
    }

    /// Removes `element` and everything below it.
    pub fn remove_subtree(&mut self, element: &PathElement) {
        self.members.remove(element);
        self.children.remove(element);
    }

    /// Drops the child set below `element` when it holds no path.
    pub fn prune_child(&mut self, element: &PathElement) {
        if self.children.get(element).is_some_and(Set::is_empty) {
            self.children.remove(element);
        }
    }

    /// Every path of either set.
    pub fn union(&self, other: &Set) -> Set {
        let mut out = self.clone();
        out.members.extend(other.members.iter().cloned());
        for (element, child) in &other.children {
            let merged = match out.children.get(element) {
                Some(mine) => mine.union(child),
                None => child.clone(),
            };
            out.children.insert(element.clone(), merged);
        }
        out
    }

    /// The paths of this set that `other` does not hold.
    pub fn difference(&self, other: &Set) -> Set {
        let mut out = Set::new();
        out.members = self.members.difference(&other.members).cloned().collect();
        for (element, child) in &self.children {
            let rest = match other.children.get(element) {
                Some(theirs) => child.difference(theirs),
                None => child.clone(),
            };
            if !rest.is_empty() {
                out.children.insert(element.clone(), rest);
            }
        }
        out
    }

    /// The paths both sets hold.
    pub fn intersection(&self, other: &Set) -> Set {
        let mut out = Set::new();
        out.members = self.members.intersection(&other.members).cloned().collect();
        for (element, child) in &self.children {
            if let Some(theirs) = other.children.get(element) {
                let both = child.intersection(theirs);
                if !both.is_empty() {
                    out.children.insert(element.clone(), both);
                }
            }
        }
        out
    }

    /// The paths of this set that are neither in `other` nor below a member of `other`
    /// (structured-merge-diff's `RecursiveDifference`).
    pub fn recursive_difference(&self, other: &Set) -> Set {
        let mut out = Set::new();
        out.members = self.members.difference(&other.members).cloned().collect();
        for (element, child) in &self.children {
            if other.members.contains(element) {
                continue;
            }
            let rest = match other.children.get(element) {
                Some(theirs) => child.recursive_difference(theirs),
                None => child.clone(),
            };
            if !rest.is_empty() {
                out.children.insert(element.clone(), rest);
            }
        }
        out
    }

    /// Every member path, members of a level before those below it, each level in order.
    pub fn paths(&self) -> Vec<Path> {
        let mut out = Vec::new();
        self.collect(&mut Vec::new(), &mut out);
        out
    }

    fn collect(&self, prefix: &mut Path, out: &mut Vec<Path>) {
        for member in &self.members {
            let mut path = prefix.clone();
            path.push(member.clone());
            out.push(path);
        }
        for (element, child) in &self.children {
            prefix.push(element.clone());
            child.collect(prefix, out);
            prefix.pop();
        }
    }

    /// The set as `FieldsV1`: `{"f:spec": {"f:replicas": {}}, "k:{…}": {".": {}, …}}`.
    pub fn to_fields_v1(&self) -> Value {
        let mut out = Map::new();
        for member in &self.members {
            if !self.children.contains_key(member) {
                out.insert(member.fields_v1_key(), Value::Object(Map::new()));
            }
        }
        for (element, child) in &self.children {
            let mut inner = match child.to_fields_v1() {
                Value::Object(map) => map,
                _ => Map::new(),
            };
            if self.members.contains(element) {
                inner.insert(".".to_string(), Value::Object(Map::new()));
            }
            if !inner.is_empty() {
                out.insert(element.fields_v1_key(), Value::Object(inner));
            }
        }
        Value::Object(out)
    }

    /// Reads `FieldsV1`; the error says what does not parse.
    pub fn from_fields_v1(fields: &Value) -> Result<Set, String> {
        let Value::Object(map) = fields else {
            return Err("expected an object".to_string());
        };
        let mut set = Set::new();
        for (key, value) in map {
            if key == "." {
                continue;
            }
            let element = PathElement::from_fields_v1_key(key)?;
            let Value::Object(inner) = value else {
                return Err(format!("expected an object at {key:?}"));
            };
            if inner.is_empty() || inner.contains_key(".") {
                set.members.insert(element.clone());
            }
            let child = Set::from_fields_v1(value)?;
            if !child.is_empty() {
                set.children.insert(element, child);
            }
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests;
