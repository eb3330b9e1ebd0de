//! Objects walked with their [`Shape`], as structured-merge-diff's `typed` package walks them:
//! the set of fields an object sets (`ToFieldSet`), what changed between two objects
//! (`Compare`), an applied configuration merged into an object (`Merge`), and fields taken out
//! of an object (`RemoveItems`). All pure.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::fieldpath::{self, Path, PathElement, Set};
use super::shape::{ListType, Shape};

/// An absent object, compared as empty.
static EMPTY_MAP: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

/// An absent list, compared as empty.
static NO_ITEMS: Vec<Value> = Vec::new();

/// The names on the way to a value (list items unnamed), as the shape reads them.
type Names<'a> = Vec<&'a str>;

/// The path element of a list item of a set or a map list.
fn item_element(list_type: &ListType, item: &Value) -> PathElement {
    match list_type {
        ListType::Map(keys) => fieldpath::key_element(item, keys),
        _ => PathElement::Value(fieldpath::canonical(item)),
    }
}

/// The items of a list with their elements; an element seen before is dropped (the last
/// duplicate is ignored, as `AllowDuplicates` reads live objects).
fn indexed<'v>(list_type: &ListType, items: &'v [Value]) -> Vec<(PathElement, &'v Value)> {
    let mut seen = std::collections::BTreeSet::new();
    items
        .iter()
        .map(|item| (item_element(list_type, item), item))
        .filter(|(element, _)| seen.insert(element.clone()))
        .collect()
}

/// The fields `value` sets: every leaf, list item and map entry, and every empty or null
/// object; atomic lists and objects as one field.
pub fn to_field_set(shape: Shape<'_>, value: &Value) -> Set {
    let mut set = Set::new();
    visit(shape, value, &mut Vec::new(), &mut Vec::new(), &mut set);
    set
}

fn visit<'v>(
    shape: Shape<'_>,
    value: &'v Value,
    names: &mut Names<'v>,
    path: &mut Path,
    set: &mut Set,
) {
    match value {
        Value::Object(map) if !shape.is_atomic_object(names) => {
            for (key, child) in map {
                names.push(key);
                path.push(PathElement::Field(key.clone()));
                visit(shape, child, names, path, set);
                let empty = child.is_null() || child.as_object().is_some_and(Map::is_empty);
                if empty || shape.is_map_entry(names) {
                    set.insert(path);
                }
                path.pop();
                names.pop();
            }
        }
        Value::Array(items) => match shape.list_type(names) {
            ListType::Atomic => set.insert(path),
            list_type => {
                for (element, item) in indexed(&list_type, items) {
                    path.push(element);
                    if matches!(list_type, ListType::Map(_)) {
                        visit(shape, item, names, path, set);
                    }
                    set.insert(path);
                    path.pop();
                }
            }
        },
        _ => set.insert(path),
    }
}

/// What changed from one object to another, as field sets.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// Fields only the new object has.
    pub added: Set,
    /// Fields both have with different values.
    pub modified: Set,
    /// Fields only the old object has.
    pub removed: Set,
}

/// Compares `old` with `new`.
pub fn compare(shape: Shape<'_>, old: &Value, new: &Value) -> Comparison {
    let mut comparison = Comparison::default();
    compare_at(
        shape,
        Some(old),
        Some(new),
        &mut Vec::new(),
        &mut Vec::new(),
        &mut comparison,
    );
    comparison
}

fn empty_or_absent(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::Object(map)) => map.is_empty(),
        Some(Value::Array(items)) => items.is_empty(),
        _ => false,
    }
}

fn leaf(old: Option<&Value>, new: Option<&Value>, path: &Path, comparison: &mut Comparison) {
    match (old, new) {
        (None, _) => comparison.added.insert(path),
        (_, None) => comparison.removed.insert(path),
        (Some(a), Some(b)) if a != b => comparison.modified.insert(path),
        _ => {}
    }
}

fn compare_at<'v>(
    shape: Shape<'_>,
    old: Option<&'v Value>,
    new: Option<&'v Value>,
    names: &mut Names<'v>,
    path: &mut Path,
    comparison: &mut Comparison,
) {
    let is_object = |v: Option<&Value>| matches!(v, Some(Value::Object(_)));
    let is_array = |v: Option<&Value>| matches!(v, Some(Value::Array(_)));
    let object_like = (is_object(old) || is_object(new))
        && !matches!(old, Some(v) if !v.is_object() && !v.is_null())
        && !matches!(new, Some(v) if !v.is_object() && !v.is_null());
    let array_like = (is_array(old) || is_array(new))
        && !matches!(old, Some(v) if !v.is_array() && !v.is_null())
        && !matches!(new, Some(v) if !v.is_array() && !v.is_null());
    let promote = empty_or_absent(old) && empty_or_absent(new);
    if object_like && !promote && !shape.is_atomic_object(names) {
        let old_map = old.and_then(Value::as_object).unwrap_or(&EMPTY_MAP);
        let new_map = new.and_then(Value::as_object).unwrap_or(&EMPTY_MAP);
        let mut keys: Vec<&'v String> = Vec::new();
        for key in old_map.keys().chain(new_map.keys()) {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        for key in keys {
            names.push(key);
            path.push(PathElement::Field(key.clone()));
            compare_at(
                shape,
                old_map.get(key.as_str()),
                new_map.get(key.as_str()),
                names,
                path,
                comparison,
            );
            path.pop();
            names.pop();
        }
    } else if array_like && !promote {
        let list_type = shape.list_type(names);
        if list_type == ListType::Atomic {
            return leaf(old, new, path, comparison);
        }
        let old_items = indexed(
            &list_type,
            old.and_then(Value::as_array).unwrap_or(&NO_ITEMS),
        );
        let new_items = indexed(
            &list_type,
            new.and_then(Value::as_array).unwrap_or(&NO_ITEMS),
        );
        let find = |items: &[(PathElement, &'v Value)], element: &PathElement| {
            items.iter().find(|(e, _)| e == element).map(|(_, v)| *v)
        };
        let mut elements: Vec<PathElement> = Vec::new();
        for (element, _) in old_items.iter().chain(new_items.iter()) {
            if !elements.contains(element) {
                elements.push(element.clone());
            }
        }
        for element in elements {
            let (a, b) = (find(&old_items, &element), find(&new_items, &element));
            path.push(element);
            if matches!(list_type, ListType::Map(_)) {
                compare_at(shape, a, b, names, path, comparison);
            } else {
                leaf(a, b, path, comparison);
            }
            path.pop();
        }
    } else {
        return leaf(old, new, path, comparison);
    }
    if old.is_none() {
        comparison.added.insert(path);
    } else if new.is_none() {
        comparison.removed.insert(path);
    }
}

/// `config` merged into `live`: objects merged field by field, map and set lists item by item
/// (in structured-merge-diff's order), everything else taken from `config`. A field `config`
/// sets to null is left out.
pub fn merge(shape: Shape<'_>, live: &Value, config: &Value) -> Value {
    merge_at(shape, Some(live), Some(config), &mut Vec::new()).unwrap_or(Value::Null)
}

fn merge_at<'v>(
    shape: Shape<'_>,
    live: Option<&'v Value>,
    config: Option<&'v Value>,
    names: &mut Names<'v>,
) -> Option<Value> {
    match (live, config) {
        (_, None) => live.cloned(),
        (None, Some(config)) => Some(config.clone()),
        (Some(Value::Object(old)), Some(Value::Object(new))) if !shape.is_atomic_object(names) => {
            let mut out = old.clone();
            for (key, value) in new {
                names.push(key);
                match merge_at(shape, old.get(key.as_str()), Some(value), names) {
                    Some(Value::Null) | None => {
                        out.remove(key);
                    }
                    Some(merged) => {
                        out.insert(key.clone(), merged);
                    }
                }
                names.pop();
            }
            Some(Value::Object(out))
        }
        (Some(Value::Array(old)), Some(Value::Array(new))) => {
            let list_type = shape.list_type(names);
            if list_type == ListType::Atomic {
                return Some(Value::Array(new.clone()));
            }
            Some(Value::Array(merge_list(shape, &list_type, old, new, names)))
        }
        (_, Some(config)) => Some(config.clone()),
    }
}

/// structured-merge-diff's order of a merged list: live items in their order, a shared item
/// where the config puts it among the shared ones, new items where the config has them.
fn merge_list<'v>(
    shape: Shape<'_>,
    list_type: &ListType,
    live: &'v [Value],
    config: &'v [Value],
    names: &mut Names<'v>,
) -> Vec<Value> {
    let lhs = indexed(list_type, live);
    let rhs = indexed(list_type, config);
    let observed_lhs: BTreeMap<&PathElement, &Value> = lhs.iter().map(|(e, v)| (e, *v)).collect();
    let observed_rhs: BTreeMap<&PathElement, &Value> = rhs.iter().map(|(e, v)| (e, *v)).collect();
    let mut shared: std::collections::VecDeque<&PathElement> = rhs
        .iter()
        .map(|(e, _)| e)
        .filter(|e| observed_lhs.contains_key(e))
        .collect();
    let mut next_shared = shared.pop_front();
    let mut merged_rhs = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    let mut item = |names: &mut Names<'v>, a: Option<&'v Value>, b: Option<&'v Value>| {
        let merged = if matches!(list_type, ListType::Map(_)) {
            merge_at(shape, a, b, names)
        } else {
            b.or(a).cloned()
        };
        if let Some(merged) = merged {
            out.push(merged);
        }
    };
    let (mut l, mut r) = (0, 0);
    while l < lhs.len() || r < rhs.len() {
        if l < lhs.len() && r < rhs.len() {
            let element = &lhs[l].0;
            if *element == rhs[r].0 {
                merged_rhs.insert(element.clone());
                item(
                    names,
                    observed_lhs.get(element).copied(),
                    observed_rhs.get(element).copied(),
                );
                l += 1;
                r += 1;
                next_shared = shared.pop_front();
                continue;
            }
            if observed_rhs.contains_key(element) && next_shared.is_some_and(|next| next != element)
            {
                l += 1;
                continue;
            }
        }
        if l < lhs.len() {
            let element = &lhs[l].0;
            if !observed_rhs.contains_key(element) {
                item(names, Some(lhs[l].1), None);
                l += 1;
                continue;
            } else if merged_rhs.contains(element) {
                l += 1;
                continue;
            }
        }
        if r < rhs.len() {
            let element = &rhs[r].0;
            merged_rhs.insert(element.clone());
            item(
                names,
                observed_lhs.get(element).copied(),
                observed_rhs.get(element).copied(),
            );
            r += 1;
            if next_shared.is_some_and(|next| next == element) {
                next_shared = shared.pop_front();
            }
        }
    }
    out
}

/// `value` without the fields of `remove` (an object or list left empty is dropped, as
/// structured-merge-diff leaves it null).
pub fn remove_items(shape: Shape<'_>, value: &Value, remove: &Set) -> Value {
    remove_at(shape, value, remove, &mut Vec::new()).unwrap_or(Value::Object(Map::new()))
}

fn remove_at<'v>(
    shape: Shape<'_>,
    value: &'v Value,
    remove: &Set,
    names: &mut Names<'v>,
) -> Option<Value> {
    match value {
        Value::Object(map) if !map.is_empty() && !shape.is_atomic_object(names) => {
            let mut out = Map::new();
            for (key, child) in map {
                let element = PathElement::Field(key.clone());
                if remove.has(std::slice::from_ref(&element)) {
                    continue;
                }
                names.push(key);
                let kept = match remove.child(&element) {
                    Some(below) if !below.is_empty() => remove_at(shape, child, below, names),
                    _ => Some(child.clone()),
                };
                names.pop();
                if let Some(kept) = kept {
                    out.insert(key.clone(), kept);
                }
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        Value::Array(items) if !items.is_empty() => {
            let list_type = shape.list_type(names);
            if list_type == ListType::Atomic {
                return Some(value.clone());
            }
            let mut out = Vec::new();
            for item in items {
                let element = item_element(&list_type, item);
                if remove.has(std::slice::from_ref(&element)) {
                    continue;
                }
                let kept = match remove.child(&element) {
                    Some(below) if !below.is_empty() => remove_at(shape, item, below, names),
                    _ => Some(item.clone()),
                };
                out.extend(kept);
            }
            (!out.is_empty()).then_some(Value::Array(out))
        }
        other => Some(other.clone()),
    }
}

#[cfg(test)]
mod tests;
