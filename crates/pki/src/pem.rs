//! PEM as Go's `encoding/pem` reads and writes it. Kubernetes takes the *first* block it can
//! decode anywhere in the input (text before it is skipped), so a request with a different first
//! block type fails even if a `CERTIFICATE REQUEST` block follows.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Go's `base64.StdEncoding`: padding required, trailing bits tolerated.
const GO_STD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

/// One decoded PEM block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    /// The type line, e.g. `CERTIFICATE REQUEST`.
    pub(crate) label: String,
    /// The decoded body.
    pub(crate) contents: Vec<u8>,
}

const BEGIN: &[u8] = b"\n-----BEGIN ";
const END: &[u8] = b"\n-----END ";
const DASHES: &[u8] = b"-----";

/// Go's `pem.Decode`: the first well-formed block, or `None`.
pub(crate) fn decode_first(data: &[u8]) -> Option<Block> {
    let mut rest = data;
    loop {
        if let Some(after) = rest.strip_prefix(&BEGIN[1..]) {
            rest = after;
        } else if let Some(pos) = find(rest, BEGIN) {
            rest = &rest[pos + BEGIN.len()..];
        } else {
            return None;
        }

        let (type_line, after_type) = get_line(rest);
        rest = after_type;
        let Some(label) = type_line.strip_suffix(DASHES) else {
            continue;
        };

        // Headers ("Key: value" lines) are read and dropped; Kubernetes ignores them.
        let mut has_headers = false;
        let mut body = rest;
        loop {
            if body.is_empty() {
                return None;
            }
            let (line, next) = get_line(body);
            if !line.contains(&b':') {
                break;
            }
            has_headers = true;
            body = next;
        }

        let (end_index, trailer_index) = if !has_headers && body.starts_with(&END[1..]) {
            (0, END.len() - 1)
        } else {
            match find(body, END) {
                Some(i) => (i, i + END.len()),
                None => continue,
            }
        };

        let trailer = &body[trailer_index..];
        let trailer_len = label.len() + DASHES.len();
        if trailer.len() < trailer_len {
            continue;
        }
        let (end_line, rest_of_end_line) = trailer.split_at(trailer_len);
        if !end_line.starts_with(label) || !end_line.ends_with(DASHES) {
            continue;
        }
        if !get_line(rest_of_end_line).0.is_empty() {
            continue;
        }

        let b64: Vec<u8> = body[..end_index]
            .iter()
            .copied()
            .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            .collect();
        let Ok(contents) = GO_STD.decode(&b64) else {
            continue;
        };
        return Some(Block {
            label: String::from_utf8_lossy(label).into_owned(),
            contents,
        });
    }
}

/// Go's `pem.EncodeToMemory`: 64-column base64 lines, `\n` line endings.
pub(crate) fn encode(label: &str, contents: &[u8]) -> String {
    let b64 = GO_STD.encode(contents);
    let mut out = format!("-----BEGIN {label}-----\n");
    let mut rest = b64.as_str();
    while !rest.is_empty() {
        let (line, tail) = rest.split_at(rest.len().min(64));
        out.push_str(line);
        out.push('\n');
        rest = tail;
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Go's `getLine`: the line without its terminator and trailing spaces/tabs/CRs, and the rest.
fn get_line(data: &[u8]) -> (&[u8], &[u8]) {
    let (line, rest) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[data.len()..]),
    };
    let trimmed_len = line.len()
        - line
            .iter()
            .rev()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'\r'))
            .count();
    (&line[..trimmed_len], rest)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests;
