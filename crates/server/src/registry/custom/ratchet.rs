//! Validation ratcheting (kube-apiserver's `CRDValidationRatcheting`, on by default since 1.30):
//! on an update, a schema error at a value that is unchanged from the stored object is not an
//! error, so an object made invalid by a stricter schema can still be changed elsewhere. A value
//! is unchanged when it, or one of the nodes above it, equals the old object's node at the same
//! path: properties and map values by name, the items of a `listType: map` list by their map
//! keys (kube's `CorrelatedObject`); the items of other lists only as part of their whole list.
//! Pure.

use serde_json::Value;

/// The segments of a field path as errors print it: `spec.items[0].name`, `spec.labels[a.b]`.
fn segments(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_brackets = false;
    for (index, c) in path.char_indices() {
        match c {
            '[' if !in_brackets => {
                if index > start {
                    out.push(&path[start..index]);
                }
                in_brackets = true;
                start = index + 1;
            }
            ']' if in_brackets => {
                out.push(&path[start..index]);
                in_brackets = false;
                start = index + 1;
            }
            '.' if !in_brackets => {
                if index > start {
                    out.push(&path[start..index]);
                }
                start = index + 1;
            }
            _ => {}
        }
    }
    if start < path.len() {
        out.push(&path[start..]);
    }
    out
}

/// The schema of the child `segment` of a node of `schema`.
fn child_schema<'a>(schema: Option<&'a Value>, segment: &str) -> Option<&'a Value> {
    let schema = schema?;
    schema
        .pointer(&format!(
            "/properties/{}",
            segment.replace('~', "~0").replace('/', "~1")
        ))
        .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()))
        .or_else(|| schema.get("items").filter(|i| i.is_object()))
}

/// The child `segment` of `next` and the old value it is correlated with: a property or map
/// value by its name, an item of a `listType: map` list by its map keys
/// (`correlateOldValueForChildAtNewIndex`). Items of other lists have no old value.
fn step<'a>(
    next: &'a Value,
    old: &'a Value,
    schema: Option<&Value>,
    segment: &str,
) -> Option<(&'a Value, Option<&'a Value>)> {
    match (next, old) {
        (Value::Object(map), _) => Some((map.get(segment)?, old.get(segment))),
        (Value::Array(items), Value::Array(old_items)) => {
            let item = items.get(segment.parse::<usize>().ok()?)?;
            Some((item, schema.and_then(|s| map_list_item(s, old_items, item))))
        }
        _ => None,
    }
}

/// The first item of `old` with the same values of the list's map keys as `item`, when `schema`
/// is a `listType: map` list: every key set and a scalar in both, as apiserver's `MapList`
/// keys items.
pub fn map_list_item<'o>(schema: &Value, old: &'o [Value], item: &Value) -> Option<&'o Value> {
    if schema.get("x-kubernetes-list-type").and_then(Value::as_str) != Some("map") {
        return None;
    }
    let keys: Vec<&str> = schema
        .get("x-kubernetes-list-map-keys")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    if keys.is_empty() {
        return None;
    }
    let key_of = |value: &Value| -> Option<Vec<Value>> {
        keys.iter()
            .map(|key| {
                value
                    .as_object()?
                    .get(*key)
                    .filter(|v| !v.is_object() && !v.is_array() && !v.is_null())
                    .cloned()
            })
            .collect()
    };
    let wanted = key_of(item)?;
    old.iter()
        .find(|candidate| key_of(candidate).as_ref() == Some(&wanted))
}

/// Whether the error at `path` is ratcheted away: some node on the way to it (the root
/// excepted) is the same in `next` and the old value it is correlated with — `schema` (the
/// root's) tells which lists correlate their items by key.
pub fn unchanged(path: &str, schema: &Value, next: &Value, old: &Value) -> bool {
    let (mut next, mut old, mut schema) = (next, old, Some(schema));
    for segment in segments(path) {
        let child = child_schema(schema, segment);
        match step(next, old, schema, segment) {
            Some((a, Some(b))) if a == b => return true,
            Some((a, Some(b))) => (next, old, schema) = (a, b, child),
            _ => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests;
