//! Go's formatting of strings, as Kubernetes' messages print them: `%q` (`strconv.Quote`) of a
//! string and of a `[]string`, and a JSON string as `encoding/json` writes it; and Go's
//! `time.ParseDuration`, which reads the duration flags of kube-apiserver
//! (`--etcd-compaction-interval=5m0s`).

use std::fmt::Write as _;

mod json_string;

pub use json_string::write_json_string;

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

/// Go's `time.ParseDuration`: a signed sequence of decimal numbers, each with an optional
/// fraction and a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`), e.g. `300ms`, `-1.5h`, `2h45m`;
/// `0` alone needs no unit. The nanoseconds, or Go's error message.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", quote(text));
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (whole, after) = rest.split_at(digits);
        let (fraction, after) = match after.strip_prefix('.') {
            Some(after) => {
                let digits = after
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(after.len());
                after.split_at(digits)
            }
            None => ("", after),
        };
        if whole.is_empty() && fraction.is_empty() {
            return Err(invalid());
        }
        let unit_length = after
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(after.len());
        if unit_length == 0 {
            return Err(format!("time: missing unit in duration {}", quote(text)));
        }
        let (unit, next) = after.split_at(unit_length);
        let nanos: u128 = match unit {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    quote(unit),
                    quote(text)
                ));
            }
        };
        let whole: u128 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| invalid())?
        };
        // The fraction's first 18 digits are exact to the nanosecond for every unit.
        let kept = &fraction[..fraction.len().min(18)];
        let fraction_nanos = if kept.is_empty() {
            0
        } else {
            let numerator: u128 = kept.parse().map_err(|_| invalid())?;
            numerator * nanos / 10u128.pow(kept.len() as u32)
        };
        total = whole
            .checked_mul(nanos)
            .and_then(|v| v.checked_add(fraction_nanos))
            .and_then(|v| v.checked_add(total))
            .filter(|v| *v <= 1 << 63)
            .ok_or_else(invalid)?;
        rest = next;
    }
    if negative {
        return Ok(i64::try_from(total).map_or(i64::MIN, |v| -v));
    }
    i64::try_from(total).map_err(|_| invalid())
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

/// Go's `strconv.ParseUint(text, 10, 64)`, with its error text (`strconv.ParseUint: parsing
/// "x": invalid syntax`, or `value out of range`).
pub fn parse_uint(text: &str) -> Result<u64, String> {
    let digits = text.bytes().all(|b| b.is_ascii_digit()) && !text.is_empty();
    match text.parse::<u64>() {
        Ok(value) if digits => Ok(value),
        Ok(_) => Err(strconv_error("ParseUint", text, "invalid syntax")),
        Err(_) if digits => Err(strconv_error("ParseUint", text, "value out of range")),
        Err(_) => Err(strconv_error("ParseUint", text, "invalid syntax")),
    }
}

/// Go's `strconv.ParseInt(text, 10, 64)`, with its error text.
pub fn parse_int(text: &str) -> Result<i64, String> {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let digits = unsigned.bytes().all(|b| b.is_ascii_digit()) && !unsigned.is_empty();
    match text.parse::<i64>() {
        Ok(value) if digits => Ok(value),
        Err(_) if digits => Err(strconv_error("ParseInt", text, "value out of range")),
        _ => Err(strconv_error("ParseInt", text, "invalid syntax")),
    }
}

fn strconv_error(function: &str, text: &str, reason: &str) -> String {
    format!("strconv.{function}: parsing {}: {reason}", quote(text))
}

/// `value` as Go's `json.Marshal` writes a `map[string]interface{}`: compact, object keys
/// sorted, strings HTML-safe (what json-patch's `MergePatch` returns).
pub fn marshal_sorted(value: &serde_json::Value) -> String {
    let mut out = String::new();
    marshal_sorted_into(&mut out, value);
    out
}

fn marshal_sorted_into(out: &mut String, value: &serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(fields) => {
            let mut keys: Vec<&String> = fields.keys().collect();
            keys.sort();
            out.push('{');
            for (index, key) in keys.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_json_string(out, key);
                out.push(':');
                marshal_sorted_into(out, &fields[key]);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                marshal_sorted_into(out, item);
            }
            out.push(']');
        }
        Value::String(text) => write_json_string(out, text),
        other => out.push_str(&other.to_string()),
    }
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

/// Go's `fmt.Sprintf("%+v", v)` of a decoded JSON value (`map[string]interface{}` and its
/// contents): `map[a:1 b:[x y]]` with the keys sorted, strings bare, numbers as `%v` prints a
/// float64 (`1`, `1.5`, `1e+06`), `<nil>` for null.
pub fn sprint_value(value: &serde_json::Value) -> String {
    let mut out = String::new();
    sprint_into(&mut out, value);
    out
}

fn sprint_into(out: &mut String, value: &serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&format_float_v(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                sprint_into(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push_str("map[");
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(key);
                out.push(':');
                sprint_into(out, &map[key]);
            }
            out.push(']');
        }
    }
}

/// Go's `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)`): the shortest digits, in
/// exponent form (`1e+06`, `1.5e-05`) when the decimal exponent is below -4 or at least 6.
fn format_float_v(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    let exponent = f.abs().log10().floor() as i32;
    if (-4..6).contains(&exponent) {
        return format!("{f}");
    }
    let text = format!("{f:e}");
    match text.split_once('e') {
        Some((mantissa, exp)) => {
            let (sign, digits) = exp.strip_prefix('-').map_or(("+", exp), |d| ("-", d));
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_as_go_prints_them_with_plus_v() {
        let patch = serde_json::json!({"spec": {"replicas": 1, "bogus": 1.5, "big": 1000000,
            "small": 100000, "list": ["a", true, null]}, "kind": "Deployment"});
        assert_eq!(
            sprint_value(&patch),
            "map[kind:Deployment spec:map[big:1e+06 bogus:1.5 list:[a true <nil>] replicas:1 small:100000]]"
        );
        assert_eq!(sprint_value(&serde_json::json!(0.00001)), "1e-05");
    }

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
    fn marshals_as_go_marshals_a_map() {
        let value = serde_json::json!({"b": [1, "<x>"], "a": {"d": null, "c": true}});
        assert_eq!(
            marshal_sorted(&value),
            r#"{"a":{"c":true,"d":null},"b":[1,"\u003cx\u003e"]}"#
        );
    }

    #[test]
    fn parses_integers_as_strconv_does() {
        assert_eq!(parse_uint("42"), Ok(42));
        assert_eq!(
            parse_uint("abc"),
            Err(r#"strconv.ParseUint: parsing "abc": invalid syntax"#.to_string())
        );
        assert_eq!(
            parse_uint("+1"),
            Err(r#"strconv.ParseUint: parsing "+1": invalid syntax"#.to_string())
        );
        assert_eq!(
            parse_uint("-1"),
            Err(r#"strconv.ParseUint: parsing "-1": invalid syntax"#.to_string())
        );
        assert_eq!(
            parse_uint("99999999999999999999"),
            Err(
                r#"strconv.ParseUint: parsing "99999999999999999999": value out of range"#
                    .to_string()
            )
        );
        assert_eq!(parse_int("+5"), Ok(5));
        assert_eq!(parse_int("-5"), Ok(-5));
        assert_eq!(
            parse_int("x"),
            Err(r#"strconv.ParseInt: parsing "x": invalid syntax"#.to_string())
        );
        assert_eq!(
            parse_int("-99999999999999999999"),
            Err(
                r#"strconv.ParseInt: parsing "-99999999999999999999": value out of range"#
                    .to_string()
            )
        );
    }

    #[test]
    fn parses_durations_as_go_does() {
        let second = 1_000_000_000;
        for (text, nanos) in [
            ("5m0s", 300 * second),
            ("0", 0),
            ("-0", 0),
            ("300ms", 300_000_000),
            ("1.5h", 5_400 * second),
            ("2h45m", 9_900 * second),
            ("-1m", -60 * second),
            ("+10s", 10 * second),
            (".5s", 500_000_000),
            ("1.s", second),
            ("1us", 1_000),
            ("1\u{b5}s", 1_000),
            ("1\u{3bc}s", 1_000),
            ("3ns", 3),
            ("1.0000000001s", second),
            ("9223372036854775807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
        ] {
            assert_eq!(parse_duration(text), Ok(nanos), "{text}");
        }
        for (text, error) in [
            ("", r#"time: invalid duration """#),
            ("5", r#"time: missing unit in duration "5""#),
            ("5x", r#"time: unknown unit "x" in duration "5x""#),
            ("1d", r#"time: unknown unit "d" in duration "1d""#),
            (".s", r#"time: invalid duration ".s""#),
            ("-", r#"time: invalid duration "-""#),
            ("m", r#"time: invalid duration "m""#),
            (
                "9223372036854775808ns",
                r#"time: invalid duration "9223372036854775808ns""#,
            ),
            ("3000000h", r#"time: invalid duration "3000000h""#),
        ] {
            assert_eq!(parse_duration(text), Err(error.to_string()), "{text}");
        }
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
