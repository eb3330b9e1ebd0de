//! Go's formatting of strings, as Kubernetes' messages print them: `%q` (`strconv.Quote`) of a
//! string and of a `[]string`.

use std::fmt::Write as _;

/// Go's `%q` of a string (`strconv.Quote`): double quotes, `\"` and `\\`, C escapes for
/// `\a\b\f\n\r\t\v`, `\xNN` for other ASCII controls, `\uNNNN`/`\UNNNNNNNN` for other
/// characters Go does not consider printable.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    quote_into(&mut out, s);
    out
}

/// [`quote`], appended to `out` (no allocation of its own, for hot paths).
pub fn quote_into(out: &mut String, s: &str) {
    out.push('"');
    // Names are nearly always printable ASCII without quotes or backslashes: copy them whole.
    if s.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
    {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_print(c) => out.push(c),
            // Writing to a String cannot fail.
            c if u32::from(c) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if u32::from(c) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\U{:08x}", u32::from(c));
            }
        }
    }
    out.push('"');
}

/// Go's `%q` of a `[]string`: `["a" "b"]`, `[]` when empty.
pub fn quote_slice(values: &[String]) -> String {
    let mut out = String::from("[");
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        quote_into(&mut out, value);
    }
    out.push(']');
    out
}

/// An approximation of Go's `unicode.IsPrint`: everything but control, format, separator
/// (other than U+0020) and private-use characters. Unassigned code points count as printable.
fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    !(c.is_control()
        || c.is_whitespace()
        || matches!(
            c,
            '\u{ad}'
                | '\u{600}'..='\u{605}'
                | '\u{61c}'
                | '\u{6dd}'
                | '\u{70f}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206f}'
                | '\u{e000}'..='\u{f8ff}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{f0000}'..='\u{10ffff}'
        ))
}

/// An error and its causes on one line (`a: b: c`), as Go's wrapped errors print; a cause whose
/// text the message already holds is not repeated.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let next = cause.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_as_strconv_quote() {
        assert_eq!(quote("pods"), r#""pods""#);
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(quote("a\tb\n"), r#""a\tb\n""#);
        assert_eq!(quote("\u{1}\u{7f}"), r#""\x01\x7f""#);
        assert_eq!(quote("a\"b\\c\u{7f}é\u{200b}"), r#""a\"b\\c\x7fé\u200b""#);
        assert_eq!(quote("\u{200b}\u{feff}"), r#""\u200b\ufeff""#);
        assert_eq!(quote("\u{f0000}"), r#""\U000f0000""#);
        assert_eq!(quote("민준 ü"), "\"민준 ü\"");
    }

    #[test]
    fn quotes_slices_as_percent_q() {
        assert_eq!(quote_slice(&[]), "[]");
        let groups = ["system:authenticated".to_string(), "dev team".to_string()];
        assert_eq!(
            quote_slice(&groups),
            r#"["system:authenticated" "dev team"]"#
        );
    }
}
