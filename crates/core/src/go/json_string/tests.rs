use proptest::prelude::*;

use super::*;

fn json(s: &str) -> String {
    let mut out = String::new();
    write_json_string(&mut out, s);
    out
}

/// The escaper this one replaced: one table lookup a byte.
fn one_byte_at_a_time(s: &str) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::from('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let width = match JSON_ESCAPES[usize::from(b)] {
            PLAIN => {
                i += 1;
                continue;
            }
            LEAD_E2 => match (bytes.get(i + 1), bytes.get(i + 2)) {
                (Some(0x80), Some(last @ (0xa8 | 0xa9))) => {
                    out.push_str(&s[start..i]);
                    out.push_str(if *last == 0xa8 { "\\u2028" } else { "\\u2029" });
                    3
                }
                _ => {
                    i += 1;
                    continue;
                }
            },
            HEX => {
                out.push_str(&s[start..i]);
                out.push_str("\\u00");
                out.push(char::from(DIGITS[usize::from(b >> 4)]));
                out.push(char::from(DIGITS[usize::from(b & 0xf)]));
                1
            }
            name => {
                out.push_str(&s[start..i]);
                out.push('\\');
                out.push(char::from(name));
                1
            }
        };
        i += width;
        start = i;
    }
    out.push_str(&s[start..]);
    out.push('"');
    out
}

/// serde_json's string with Go's HTML escaping on top (`<`, `>`, `&`, U+2028, U+2029), which
/// is what Go's `encoding/json` writes.
fn go_encoding_json(s: &str) -> String {
    serde_json::to_string(s)
        .expect("a string encodes")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

#[test]
fn writes_json_strings_as_encoding_json() {
    assert_eq!(json("pods"), r#""pods""#);
    assert_eq!(json("a\"b\\c"), r#""a\"b\\c""#);
    assert_eq!(json("<a&b>"), r#""\u003ca\u0026b\u003e""#);
    assert_eq!(
        json("\n\r\t\u{8}\u{c}\u{1}\u{1f}"),
        r#""\n\r\t\b\f\u0001\u001f""#
    );
    assert_eq!(json("\u{2028}x\u{2029}"), r#""\u2028x\u2029""#);
    assert_eq!(json("민준 é \u{2027}"), "\"민준 é \u{2027}\"");
    assert_eq!(json(""), r#""""#);
    assert_eq!(
        json("system:serviceaccount:kube-system:replicaset-controller"),
        r#""system:serviceaccount:kube-system:replicaset-controller""#
    );
}

/// Every byte value, as a character of its own (0x80 and up as U+0080..U+00FF and as the lead
/// byte of a multi-byte character), at every position of an eight-byte word and in the tail.
#[test]
fn every_byte_at_every_position_is_written_as_before() {
    let mut characters: Vec<char> = (0..=255u8).map(char::from).collect();
    // Characters whose UTF-8 starts with each lead byte 0xC2..=0xF4, and U+2028/U+2029's
    // neighbours (E2 80 A7..AA) and other E2 characters.
    for lead in 0xc2..=0xf4u32 {
        let c = match lead {
            0xc2..=0xdf => (lead - 0xc0) << 6 | 0x05,
            0xe0..=0xef => ((lead - 0xe0) << 12 | 0x0825).max(0x0800),
            _ => ((lead - 0xf0) << 18 | 0x0425).max(0x1_0000),
        };
        characters.extend(char::from_u32(c));
    }
    characters.extend([
        '\u{2027}', '\u{2028}', '\u{2029}', '\u{202a}', '\u{2000}', '\u{20ac}',
    ]);
    for c in characters {
        for before in 0..=17 {
            for after in [0, 1, 7, 8, 9] {
                let s = format!("{}{c}{}", "p".repeat(before), "q".repeat(after));
                assert_eq!(json(&s), one_byte_at_a_time(&s), "{s:?}");
                assert_eq!(json(&s), go_encoding_json(&s), "{s:?}");
            }
        }
    }
}

/// Every character (U+0000..U+10FFFF) in a word of its own and across a word's end.
#[test]
fn every_character_is_written_as_encoding_json() {
    for c in (0..=0x10_ffffu32).filter_map(char::from_u32) {
        for s in [format!("{c}"), format!("abcdef{c}xyz")] {
            assert_eq!(json(&s), one_byte_at_a_time(&s), "{s:?}");
        }
    }
}

/// Runs of characters that need escaping next to each other, and U+2028 cut by a word's end.
#[test]
fn neighbouring_escapes_are_all_written() {
    for s in [
        "\"\"\"\"\"\"\"\"\"\"",
        "<<>>&&\\\\\u{0}\u{1f}",
        "abcdefg\u{2028}",
        "abcdef\u{2029}h",
        "abcde\u{2028}\u{2029}",
        "\u{e2}\u{80}\u{a8}",
        "\u{7f}\u{80}\u{ff}",
        "a\u{1f}b \u{20}c!#$%'()*+,-./0123456789:;=?@[]^_`{|}~",
    ] {
        assert_eq!(json(s), one_byte_at_a_time(s), "{s:?}");
        assert_eq!(json(s), go_encoding_json(s), "{s:?}");
    }
}

proptest! {
    #[test]
    fn any_text_is_written_as_encoding_json(s in "\\PC*|[\"\\\\<>&\\x00-\\x1f\u{2027}-\u{2029}a-z]{0,40}") {
        prop_assert_eq!(json(&s), one_byte_at_a_time(&s));
        prop_assert_eq!(json(&s), go_encoding_json(&s));
    }
}
