//! CEL source text as kube-apiserver's cel-go shows it: expressions parsed with the optional
//! syntax (`oldSelf.?field`, `optional.of`) kube enables, and issues written as cel-go's
//! `Errors.ToDisplayString` writes them — `ERROR: <input>:line:column: message`, the line, and a
//! caret under the column. Pure: no I/O.

use kube_cel::cel::parser::{Expression, Parser};

/// `source` parsed (with the optional syntax), or cel-go's text of its syntax errors.
pub fn parse(source: &str) -> Result<Expression, String> {
    Parser::new()
        .enable_optional_syntax(true)
        .parse(source)
        .map_err(|errors| {
            // The `cel` crate writes cel-go's layout but without the space before `|`.
            errors.to_string().replace("\n| ", "\n | ")
        })
}

/// One issue at byte `offset` of `source`, as cel-go displays it.
pub fn issue(source: &str, offset: usize, message: &str) -> String {
    let offset = offset.min(source.len());
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let column = source[line_start..offset].chars().count();
    let snippet: String = source[line_start..]
        .split('\n')
        .next()
        .unwrap_or("")
        .replace('\t', " ");
    let dots: String = snippet
        .chars()
        .take(column)
        .map(|c| if c.len_utf8() > 1 { '．' } else { '.' })
        .collect();
    let hat = if snippet
        .chars()
        .nth(column)
        .is_some_and(|c| c.len_utf8() > 1)
    {
        '＾'
    } else {
        '^'
    };
    format!(
        "ERROR: <input>:{line}:{}: {message}\n | {snippet}\n | {dots}{hat}",
        column + 1
    )
}

/// The byte offsets of `source` outside its string and bytes literals, with the character there.
fn code(source: &str) -> Vec<(usize, char)> {
    let mut out = Vec::new();
    let mut chars = source.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c == '"' || c == '\'' {
            let triple = source[at..].starts_with(&c.to_string().repeat(3));
            let raw = at > 0 && matches!(source[..at].chars().next_back(), Some('r' | 'R'));
            if triple {
                chars.next();
                chars.next();
            }
            let closing = if triple {
                c.to_string().repeat(3)
            } else {
                c.to_string()
            };
            while let Some((inner, d)) = chars.next() {
                if d == '\\' && !raw {
                    chars.next();
                } else if source[inner..].starts_with(&closing) {
                    for _ in 1..closing.len() {
                        chars.next();
                    }
                    break;
                }
            }
            continue;
        }
        out.push((at, c));
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Where the identifier `name` first stands on its own (not after a `.`), outside literals.
pub fn find_ident(source: &str, name: &str) -> Option<usize> {
    let code = code(source);
    code.iter().enumerate().find_map(|(index, &(at, _))| {
        if !source[at..].starts_with(name) {
            return None;
        }
        let before = index
            .checked_sub(1)
            .map(|i| code[i].1)
            .filter(|&c| is_ident(c) || c == '.');
        let after = source[at + name.len()..]
            .chars()
            .next()
            .filter(|&c| is_ident(c));
        (before.is_none() && after.is_none()).then_some(at)
    })
}

/// Where the `.` that selects `field` first stands, outside literals.
pub fn find_select(source: &str, field: &str) -> Option<usize> {
    let code = code(source);
    code.iter().find_map(|&(at, c)| {
        if c != '.' {
            return None;
        }
        let rest = &source[at + 1..];
        let name = rest.trim_start();
        let name = name.strip_prefix('?').unwrap_or(name);
        let after = name.get(field.len()..)?.chars().next();
        (name.starts_with(field) && !after.is_some_and(is_ident)).then_some(at)
    })
}

/// Where the `(` of the first call of the function `name` stands (where cel-go places a call),
/// outside literals.
pub fn find_call(source: &str, name: &str) -> Option<usize> {
    let code = code(source);
    code.iter().enumerate().find_map(|(index, &(at, _))| {
        if !source[at..].starts_with(name) {
            return None;
        }
        let before = index
            .checked_sub(1)
            .map(|i| code[i].1)
            .filter(|&c| is_ident(c));
        let rest = &source[at + name.len()..];
        let open = rest.len() - rest.trim_start().len();
        (before.is_none() && rest.trim_start().starts_with('(')).then_some(at + name.len() + open)
    })
}

/// Where the binary operator `symbol` (`+`, `<`, `&&`, ...) first stands, outside literals: a
/// `<` or `>` not followed by `=`, an `=` not part of another operator.
pub fn find_operator(source: &str, symbol: &str) -> Option<usize> {
    code(source).iter().find_map(|&(at, _)| {
        let rest = &source[at..];
        if !rest.starts_with(symbol) {
            return None;
        }
        let next = rest[symbol.len()..].chars().next();
        let longer = matches!(symbol, "<" | ">" | "!") && next == Some('=');
        (!longer).then_some(at)
    })
}

#[cfg(test)]
mod tests;
