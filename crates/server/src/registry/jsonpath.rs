//! The JSONPath of `additionalPrinterColumns` (`.status.replicas`,
//! `.spec.containers[0].image`, `.items[*].name`, `.status.conditions[?(@.type=="Ready")].status`),
//! the subset client-go's `util/jsonpath` evaluates for kube-apiserver's Table convertor of
//! custom resources: field names, indexes, `*` and equality filters.

use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// A field of an object.
    Field(String),
    /// An element of a list (negative: from the end).
    Index(i64),
    /// Every element of a list or value of an object.
    All,
    /// The list elements whose field path equals the value (`None`: that exists).
    Filter(Vec<String>, Option<Value>),
}

/// A parsed path.
#[derive(Debug, Clone, PartialEq)]
pub struct Path(Vec<Step>);

impl Path {
    /// Parses `text` (with or without the enclosing `{…}`); an error says why it does not parse.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let text = text
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(text);
        let text = text.strip_prefix('$').unwrap_or(text);
        let mut steps = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('.') {
                let end = after.find(['.', '[']).unwrap_or(after.len());
                let name = &after[..end];
                if name.is_empty() {
                    return Err(format!("unrecognized identifier in {text:?}"));
                }
                steps.push(if name == "*" {
                    Step::All
                } else {
                    Step::Field(name.to_string())
                });
                rest = &after[end..];
            } else if let Some(after) = rest.strip_prefix('[') {
                let end = closing_bracket(after)
                    .ok_or_else(|| format!("unclosed bracket in {text:?}"))?;
                steps.push(bracket(&after[..end])?);
                rest = &after[end + 1..];
            } else {
                return Err(format!("unrecognized character in action: {rest:?}"));
            }
        }
        Ok(Self(steps))
    }

    /// The values the path finds in `object`, in order.
    pub fn find<'a>(&self, object: &'a Value) -> Vec<&'a Value> {
        let mut current = vec![object];
        for step in &self.0 {
            let mut next = Vec::new();
            for value in current {
                apply(step, value, &mut next);
            }
            current = next;
        }
        current
    }
}

/// The index of the `]` closing a bracket, skipping quoted text.
fn closing_bracket(text: &str) -> Option<usize> {
    let mut quote = None;
    for (index, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, ']') => return Some(index),
            _ => {}
        }
    }
    None
}

fn bracket(inner: &str) -> Result<Step, String> {
    let inner = inner.trim();
    if inner == "*" {
        return Ok(Step::All);
    }
    if let Some(quoted) = unquote(inner) {
        return Ok(Step::Field(quoted));
    }
    if let Ok(index) = inner.parse::<i64>() {
        return Ok(Step::Index(index));
    }
    if let Some(filter) = inner.strip_prefix("?(").and_then(|f| f.strip_suffix(')')) {
        let (left, right) = match filter.split_once("==") {
            Some((left, right)) => (left.trim(), Some(right.trim())),
            None => (filter.trim(), None),
        };
        let field = left
            .strip_prefix("@.")
            .ok_or_else(|| format!("unsupported filter {filter:?}"))?;
        let fields = field.split('.').map(str::to_string).collect();
        let value = right
            .map(|r| {
                unquote(r)
                    .map(Value::String)
                    .or_else(|| serde_json::from_str(r).ok())
                    .ok_or_else(|| format!("unsupported filter value {r:?}"))
            })
            .transpose()?;
        return Ok(Step::Filter(fields, value));
    }
    Err(format!("unsupported bracket [{inner}]"))
}

fn unquote(text: &str) -> Option<String> {
    for q in ['"', '\''] {
        if let Some(inner) = text.strip_prefix(q).and_then(|t| t.strip_suffix(q)) {
            return Some(inner.to_string());
        }
    }
    None
}

fn apply<'a>(step: &Step, value: &'a Value, out: &mut Vec<&'a Value>) {
    match (step, value) {
        (Step::Field(name), Value::Object(map)) => out.extend(map.get(name)),
        (Step::Index(index), Value::Array(items)) => {
            let len = items.len() as i64;
            let at = if *index < 0 { len + index } else { *index };
            if (0..len).contains(&at) {
                out.extend(items.get(at as usize));
            }
        }
        (Step::All, Value::Array(items)) => out.extend(items.iter()),
        (Step::All, Value::Object(map)) => out.extend(map.values()),
        (Step::Filter(fields, wanted), Value::Array(items)) => {
            for item in items {
                let mut found = Some(item);
                for field in fields {
                    found = found.and_then(|v| v.get(field));
                }
                let keep = match (found, wanted) {
                    (Some(found), Some(wanted)) => found == wanted,
                    (Some(_), None) => true,
                    (None, _) => false,
                };
                if keep {
                    out.push(item);
                }
            }
        }
        _ => {}
    }
}

/// A value as the JSONPath printer prints it: strings bare, other values as JSON.
pub fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
