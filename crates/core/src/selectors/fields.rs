//! `k8s.io/apimachinery/pkg/fields`: `ParseSelector` (terms split at unescaped commas and
//! sorted, `!=`, `==`, `=` operators, `\,` `\=` `\\` escapes in values) and matching.

/// One term: `field=value`, `field==value` or `field!=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The field path, e.g. `metadata.name`.
    pub field: String,
    /// The value, unescaped.
    pub value: String,
    /// `true` for `=`/`==`, `false` for `!=`.
    pub equal: bool,
}

/// A parsed field selector (an empty one selects everything).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// The terms, sorted as Go sorts them (by their text).
    pub requirements: Vec<Requirement>,
}

impl Selector {
    /// Whether every term holds for the field values `field` looks up (a missing field is the
    /// empty string).
    pub fn matches<'a>(&self, field: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.requirements
            .iter()
            .all(|r| (field(&r.field).unwrap_or("") == r.value) == r.equal)
    }

    /// The value the selector requires `field` to equal exactly, if it does.
    pub fn exact_match(&self, field: &str) -> Option<&str> {
        self.requirements
            .iter()
            .find(|r| r.equal && r.field == field)
            .map(|r| r.value.as_str())
    }
}

/// Parses a field selector as `fields.ParseSelector` does; the error is Go's message.
pub fn parse(selector: &str) -> Result<Selector, String> {
    let mut terms = split_terms(selector);
    terms.sort_unstable();
    let mut requirements = Vec::new();
    for term in terms.into_iter().filter(|t| !t.is_empty()) {
        let Some((field, operator, value)) = split_term(term) else {
            return Err(format!(
                "invalid selector: '{selector}'; can't understand '{term}'"
            ));
        };
        requirements.push(Requirement {
            field: field.to_string(),
            value: unescape_value(value)?,
            equal: operator != "!=",
        });
    }
    Ok(Selector { requirements })
}

/// Splits on commas that are not escaped by a backslash.
fn split_terms(selector: &str) -> Vec<&str> {
    if selector.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut start = 0;
    let mut in_slash = false;
    for (i, c) in selector.char_indices() {
        if in_slash {
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' {
            terms.push(&selector[start..i]);
            start = i + 1;
        }
    }
    terms.push(&selector[start..]);
    terms
}

/// Splits at the first operator (`!=`, `==`, `=`, tried in that order at each position).
fn split_term(term: &str) -> Option<(&str, &'static str, &str)> {
    for (i, _) in term.char_indices() {
        let rest = &term[i..];
        for operator in ["!=", "==", "="] {
            if let Some(value) = rest.strip_prefix(operator) {
                return Some((&term[..i], operator, value));
            }
        }
    }
    None
}

/// `UnescapeValue`: `\\`, `\,`, `\=` are the only escapes; an unescaped `,` or `=` is an error.
pub fn unescape_value(value: &str) -> Result<String, String> {
    let mut out = String::with_capacity(value.len());
    let mut in_slash = false;
    for c in value.chars() {
        if in_slash {
            if !matches!(c, '\\' | ',' | '=') {
                return Err(format!(
                    "invalid field selector: invalid escape sequence: \\{c}"
                ));
            }
            out.push(c);
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            ',' | '=' => {
                return Err(format!(
                    "invalid field selector: unescaped character in value: {c}"
                ));
            }
            c => out.push(c),
        }
    }
    if in_slash {
        return Err("invalid field selector: invalid escape sequence: \\".to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
