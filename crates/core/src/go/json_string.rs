//! A JSON string as Go's `encoding/json` writes it (HTML-safe, its default), eight bytes at a
//! time: each eight-byte word is tested at once for every byte that needs a look (SWAR), and
//! runs of plain bytes are copied whole.

/// What each byte that needs a look becomes: a letter is the escape after the backslash (`\n`,
/// `\"`); [`HEX`] writes `\u00XX`; [`LEAD_E2`] starts U+2028 or U+2029 (escaped) or another
/// character (copied); [`PLAIN`] is copied.
static JSON_ESCAPES: [u8; 256] = {
    let mut table = [PLAIN; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = HEX;
        b += 1;
    }
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table[b'\n' as usize] = b'n';
    table[b'\r' as usize] = b'r';
    table[b'\t' as usize] = b't';
    table[0x08] = b'b';
    table[0x0c] = b'f';
    table[b'<' as usize] = HEX;
    table[b'>' as usize] = HEX;
    table[b'&' as usize] = HEX;
    table[0xe2] = LEAD_E2;
    table
};
const PLAIN: u8 = 0;
const HEX: u8 = 1;
const LEAD_E2: u8 = 2;

/// `0x01` in every byte of a word.
const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte of a word.
const HIGHS: u64 = ONES * 0x80;

/// The zero bytes of `v`, flagged by their high bit. The lowest flag is always a zero byte (a
/// byte above one may be flagged wrongly by the borrow), which is all the search needs.
fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(ONES) & !v & HIGHS
}

/// The bytes of the little-endian `word` that need a look, flagged by their high bit (the
/// lowest flag exact): controls (`< 0x20`), `"` and `&` (0x22 and 0x26, one bit apart), `<`
/// and `>` (0x3c and 0x3e), `\`, and 0xE2 (U+2028 and U+2029 start with it); bytes of other
/// multi-byte characters are plain.
fn needs_look(word: u64) -> u64 {
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    let quote_or_amp = zero_bytes((word ^ (ONES * b'"' as u64)) & (ONES * 0xfb));
    let angle = zero_bytes((word ^ (ONES * b'<' as u64)) & (ONES * 0xfd));
    let backslash = zero_bytes(word ^ (ONES * b'\\' as u64));
    let lead_e2 = zero_bytes(word ^ (ONES * 0xe2));
    control | quote_or_amp | angle | backslash | lead_e2
}

/// The eight bytes of `bytes` from `at` as a little-endian word; past the end, plain bytes.
fn word_at(bytes: &[u8], at: usize) -> u64 {
    match bytes[at..].first_chunk::<8>() {
        Some(chunk) => u64::from_le_bytes(*chunk),
        None => {
            let mut chunk = [b'a'; 8];
            let rest = &bytes[at..];
            chunk[..rest.len()].copy_from_slice(rest);
            u64::from_le_bytes(chunk)
        }
    }
}

/// A JSON string as Go's `encoding/json` writes it (HTML-safe, its default): `"` and `\\`
/// escaped, `\n \r \t \b \f` by name, other controls and `<`, `>`, `&`, U+2028, U+2029 as
/// `\u00XX`/`\u20XX`. Appended to `out`; eight bytes are tested at once and runs of plain
/// characters copied whole.
pub fn write_json_string(out: &mut String, s: &str) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let flags = needs_look(word_at(bytes, i));
        if flags == 0 {
            i += 8;
            continue;
        }
        i += (flags.trailing_zeros() / 8) as usize;
        let b = bytes[i];
        let width = match JSON_ESCAPES[usize::from(b)] {
            // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
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
            PLAIN => {
                i += 1;
                continue;
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
}

#[cfg(test)]
mod tests;
