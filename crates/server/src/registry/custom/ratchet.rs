//! Validation ratcheting (kube-apiserver's `CRDValidationRatcheting`, on by default since 1.30):
//! on an update, a schema error at a value that is unchanged from the stored object is not an
//! error, so an object made invalid by a stricter schema can still be changed elsewhere. A value
//! is unchanged when it, or one of the nodes above it, equals the old object's node at the same
//! path (the items of lists are compared by index only as part of their whole list). Pure.

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

fn step<'a>(value: &'a Value, segment: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => map.get(segment),
        Value::Array(items) => items.get(segment.parse::<usize>().ok()?),
        _ => None,
    }
}

/// Whether the error at `path` is ratcheted away: some node on the way to it (the root
/// excepted) is the same in `next` and `old`.
pub fn unchanged(path: &str, next: &Value, old: &Value) -> bool {
    let (mut next, mut old) = (next, old);
    for segment in segments(path) {
        match (step(next, segment), step(old, segment)) {
            (Some(a), Some(b)) if a == b => return true,
            (Some(a), Some(b)) if !a.is_array() => (next, old) = (a, b),
            _ => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests;
