//! `k8s.io/apimachinery/pkg/labels`: `Parse` (lexer and recursive-descent parser, requirements
//! checked as `NewRequirement` checks them) and `Matches`.

use crate::validation::content;

/// A requirement's operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `in (…)`.
    In,
    /// `notin (…)`.
    NotIn,
    /// `=`.
    Equals,
    /// `==`.
    DoubleEquals,
    /// `!=`.
    NotEquals,
    /// A bare key.
    Exists,
    /// `!key`.
    DoesNotExist,
    /// `>`.
    GreaterThan,
    /// `<`.
    LessThan,
}

/// One requirement: a key, an operator, values (sorted, without duplicates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The label key.
    pub key: String,
    /// The operator.
    pub operator: Operator,
    /// The values.
    pub values: Vec<String>,
}

impl Requirement {
    /// Whether a label set (looked up with `label`) satisfies the requirement.
    pub fn matches<'a>(&self, label: impl Fn(&str) -> Option<&'a str>) -> bool {
        let has = |value: &str| self.values.iter().any(|v| v == value);
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => {
                label(&self.key).is_some_and(has)
            }
            Operator::NotIn | Operator::NotEquals => !label(&self.key).is_some_and(has),
            Operator::Exists => label(&self.key).is_some(),
            Operator::DoesNotExist => label(&self.key).is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let (Some(actual), Some(wanted)) = (
                    label(&self.key).and_then(|v| v.parse::<i64>().ok()),
                    self.values.first().and_then(|v| v.parse::<i64>().ok()),
                ) else {
                    return false;
                };
                if self.operator == Operator::GreaterThan {
                    actual > wanted
                } else {
                    actual < wanted
                }
            }
        }
    }
}

/// A parsed label selector: requirements sorted by key (an empty selector selects everything).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// The requirements, all of which must hold.
    pub requirements: Vec<Requirement>,
}

impl Selector {
    /// Whether every requirement holds for the labels `label` looks up.
    pub fn matches<'a>(&self, label: impl Fn(&str) -> Option<&'a str> + Copy) -> bool {
        self.requirements.iter().all(|r| r.matches(label))
    }

    /// Whether it selects everything.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }
}

/// Parses a label selector as `labels.Parse` does; the error is Go's message.
pub fn parse(selector: &str) -> Result<Selector, String> {
    let tokens = lex(selector);
    let mut parser = Parser { tokens, pos: 0 };
    let mut requirements = parser.parse()?;
    requirements.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(Selector { requirements })
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Identifier(String),
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
    End,
    Error(String),
}

impl Tok {
    /// The literal Go prints in its errors.
    fn literal(&self) -> &str {
        match self {
            Self::Identifier(s) | Self::Error(s) => s,
            Self::ClosedPar => ")",
            Self::Comma => ",",
            Self::DoesNotExist => "!",
            Self::DoubleEquals => "==",
            Self::Equals => "=",
            Self::GreaterThan => ">",
            Self::In => "in",
            Self::LessThan => "<",
            Self::NotEquals => "!=",
            Self::NotIn => "notin",
            Self::OpenPar => "(",
            Self::End => "",
        }
    }
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

fn special_token(s: &[u8]) -> Option<Tok> {
    Some(match s {
        b")" => Tok::ClosedPar,
        b"," => Tok::Comma,
        b"!" => Tok::DoesNotExist,
        b"==" => Tok::DoubleEquals,
        b"=" => Tok::Equals,
        b">" => Tok::GreaterThan,
        b"<" => Tok::LessThan,
        b"!=" => Tok::NotEquals,
        b"(" => Tok::OpenPar,
        _ => return None,
    })
}

/// The Go lexer: bytes, a NUL ends the input, special symbols greedily as long as they form a
/// known token, identifiers up to a special symbol or whitespace.
fn lex(input: &str) -> Vec<Tok> {
    let bytes = input.as_bytes();
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    let bytes = &bytes[..end];
    let mut tokens = Vec::new();
    let mut pos = 0;
    loop {
        while pos < bytes.len() && is_whitespace(bytes[pos]) {
            pos += 1;
        }
        if pos >= bytes.len() {
            tokens.push(Tok::End);
            return tokens;
        }
        if is_special(bytes[pos]) {
            let start = pos;
            let mut last: Option<(Tok, usize)> = None;
            while pos < bytes.len() && is_special(bytes[pos]) {
                pos += 1;
                match special_token(&bytes[start..pos]) {
                    Some(tok) => last = Some((tok, pos)),
                    None if last.is_some() => {
                        pos -= 1;
                        break;
                    }
                    None => {}
                }
            }
            match last {
                Some((tok, at)) => {
                    pos = at;
                    tokens.push(tok);
                }
                None => {
                    let found = String::from_utf8_lossy(&bytes[start..pos]);
                    tokens.push(Tok::Error(format!(
                        "error expected: keyword found '{found}'"
                    )));
                }
            }
        } else {
            let start = pos;
            while pos < bytes.len() && !is_special(bytes[pos]) && !is_whitespace(bytes[pos]) {
                pos += 1;
            }
            let word = String::from_utf8_lossy(&bytes[start..pos]).into_owned();
            tokens.push(match word.as_str() {
                "in" => Tok::In,
                "notin" => Tok::NotIn,
                _ => Tok::Identifier(word),
            });
        }
    }
}

struct Parser {
    tokens: Vec<Tok>,
    pos: usize,
}

/// In the "values" context, `in` and `notin` are identifiers.
fn as_value(tok: Tok) -> Tok {
    match tok {
        Tok::In => Tok::Identifier("in".into()),
        Tok::NotIn => Tok::Identifier("notin".into()),
        other => other,
    }
}

const BINARY_OPERATORS: &str = "in, notin, =, ==, !=, gt, lt";

impl Parser {
    fn lookahead(&self) -> Tok {
        as_value(self.tokens.get(self.pos).cloned().unwrap_or(Tok::End))
    }

    fn consume(&mut self) -> Tok {
        let tok = self.lookahead();
        self.pos += 1;
        tok
    }

    fn consume_raw(&mut self) -> Tok {
        let tok = self.tokens.get(self.pos).cloned().unwrap_or(Tok::End);
        self.pos += 1;
        tok
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, String> {
        let mut requirements = Vec::new();
        loop {
            match self.lookahead() {
                Tok::Identifier(_) | Tok::DoesNotExist => {
                    let requirement = self
                        .requirement()
                        .map_err(|e| format!("unable to parse requirement: {e}"))?;
                    requirements.push(requirement);
                    match self.consume() {
                        Tok::End => return Ok(requirements),
                        Tok::Comma => {
                            let next = self.lookahead();
                            if !matches!(next, Tok::Identifier(_) | Tok::DoesNotExist) {
                                return Err(format!(
                                    "found '{}', expected: identifier after ','",
                                    next.literal()
                                ));
                            }
                        }
                        other => {
                            return Err(format!(
                                "found '{}', expected: ',' or 'end of string'",
                                other.literal()
                            ));
                        }
                    }
                }
                Tok::End => return Ok(requirements),
                other => {
                    return Err(format!(
                        "found '{}', expected: !, identifier, or 'end of string'",
                        other.literal()
                    ));
                }
            }
        }
    }

    fn requirement(&mut self) -> Result<Requirement, String> {
        let (key, inferred) = self.key_and_inferred_operator()?;
        if let Some(operator) = inferred {
            return new_requirement(key, operator, Vec::new());
        }
        let operator = self.operator()?;
        let values = match operator {
            Operator::In | Operator::NotIn => self.values()?,
            _ => self.exact_value()?,
        };
        new_requirement(key, operator, values)
    }

    fn key_and_inferred_operator(&mut self) -> Result<(String, Option<Operator>), String> {
        let mut tok = self.consume();
        let mut operator = None;
        if tok == Tok::DoesNotExist {
            operator = Some(Operator::DoesNotExist);
            tok = self.consume();
        }
        let Tok::Identifier(key) = tok else {
            return Err(format!("found '{}', expected: identifier", tok.literal()));
        };
        let errors = content::label_key(&key);
        if !errors.is_empty() {
            return Err(invalid_error(None, &key, &errors.join("; ")));
        }
        if matches!(self.lookahead(), Tok::End | Tok::Comma) && operator.is_none() {
            operator = Some(Operator::Exists);
        }
        Ok((key, operator))
    }

    fn operator(&mut self) -> Result<Operator, String> {
        Ok(match self.consume_raw() {
            Tok::In => Operator::In,
            Tok::Equals => Operator::Equals,
            Tok::DoubleEquals => Operator::DoubleEquals,
            Tok::GreaterThan => Operator::GreaterThan,
            Tok::LessThan => Operator::LessThan,
            Tok::NotIn => Operator::NotIn,
            Tok::NotEquals => Operator::NotEquals,
            other => {
                return Err(format!(
                    "found '{}', expected: {BINARY_OPERATORS}",
                    other.literal()
                ));
            }
        })
    }

    fn values(&mut self) -> Result<Vec<String>, String> {
        let tok = self.consume();
        if tok != Tok::OpenPar {
            return Err(format!("found '{}' expected: '('", tok.literal()));
        }
        let next = self.lookahead();
        match next {
            Tok::Identifier(_) | Tok::Comma => {
                let values = self.identifiers()?;
                if self.consume() != Tok::ClosedPar {
                    return Err(format!("found '{}', expected: ')'", next.literal()));
                }
                Ok(values)
            }
            Tok::ClosedPar => {
                self.consume();
                Ok(vec![String::new()])
            }
            other => Err(format!(
                "found '{}', expected: ',', ')' or identifier",
                other.literal()
            )),
        }
    }

    fn identifiers(&mut self) -> Result<Vec<String>, String> {
        let mut values: Vec<String> = Vec::new();
        let insert = |values: &mut Vec<String>, value: String| {
            if !values.contains(&value) {
                values.push(value);
            }
        };
        loop {
            match self.consume() {
                Tok::Identifier(value) => {
                    insert(&mut values, value);
                    match self.lookahead() {
                        Tok::Comma => continue,
                        Tok::ClosedPar => break,
                        other => {
                            return Err(format!(
                                "found '{}', expected: ',' or ')'",
                                other.literal()
                            ));
                        }
                    }
                }
                Tok::Comma => {
                    if values.is_empty() {
                        insert(&mut values, String::new());
                    }
                    match self.lookahead() {
                        Tok::ClosedPar => {
                            insert(&mut values, String::new());
                            break;
                        }
                        Tok::Comma => insert(&mut values, String::new()),
                        _ => {}
                    }
                }
                other => {
                    return Err(format!(
                        "found '{}', expected: ',', or identifier",
                        other.literal()
                    ));
                }
            }
        }
        values.sort();
        Ok(values)
    }

    fn exact_value(&mut self) -> Result<Vec<String>, String> {
        if matches!(self.lookahead(), Tok::End | Tok::Comma) {
            return Ok(vec![String::new()]);
        }
        match self.consume() {
            Tok::Identifier(value) => Ok(vec![value]),
            other => Err(format!("found '{}', expected: identifier", other.literal())),
        }
    }
}

/// `field.Invalid(path, value, detail).Error()` with a nil path (Go prints `<nil>`) or a path.
fn invalid_error(path: Option<&str>, value: &str, detail: &str) -> String {
    format!(
        "{}: Invalid value: {}: {detail}",
        path.unwrap_or("<nil>"),
        crate::go::quote(value)
    )
}

/// `NewRequirement`: the checks of the values for the operator; errors aggregated as Go does.
fn new_requirement(
    key: String,
    operator: Operator,
    values: Vec<String>,
) -> Result<Requirement, String> {
    let mut errors: Vec<String> = Vec::new();
    let quoted_values = || {
        let quoted: Vec<String> = values.iter().map(|v| crate::go::quote(v)).collect();
        format!("[]string{{{}}}", quoted.join(", "))
    };
    match operator {
        Operator::In | Operator::NotIn if values.is_empty() => errors.push(format!(
            "values: Invalid value: {}: for 'in', 'notin' operators, values set can't be empty",
            quoted_values()
        )),
        Operator::GreaterThan | Operator::LessThan => {
            if values.len() != 1 {
                errors.push(format!(
                    "values: Invalid value: {}: for 'Gt', 'Lt' operators, exactly one value is required",
                    quoted_values()
                ));
            }
            for (i, value) in values.iter().enumerate() {
                if value.parse::<i64>().is_err() {
                    errors.push(invalid_error(
                        Some(&format!("values[{i}]")),
                        value,
                        "for 'Gt', 'Lt' operators, the value must be an integer",
                    ));
                }
            }
        }
        _ => {}
    }
    for (i, value) in values.iter().enumerate() {
        let problems = content::label_value(value);
        if !problems.is_empty() {
            errors.push(invalid_error(
                Some(&format!("values[{i}][{key}]")),
                value,
                &problems.join("; "),
            ));
        }
    }
    match errors.len() {
        0 => Ok(Requirement {
            key,
            operator,
            values,
        }),
        1 => Err(errors.remove(0)),
        _ => Err(format!("[{}]", errors.join(", "))),
    }
}

#[cfg(test)]
mod tests;
