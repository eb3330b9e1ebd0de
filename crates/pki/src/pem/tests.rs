use super::*;

#[test]
fn decodes_first_block_after_leading_text() {
    let pem = encode("CERTIFICATE REQUEST", b"hello");
    let input = format!("garbage\n{pem}{}", encode("CERTIFICATE", b"x"));
    let block = decode_first(input.as_bytes()).expect("block");
    assert_eq!(block.label, "CERTIFICATE REQUEST");
    assert_eq!(block.contents, b"hello");
}

#[test]
fn rejects_garbage_and_mismatched_end() {
    assert_eq!(decode_first(b"not a csr\n"), None);
    assert_eq!(
        decode_first(b"-----BEGIN A-----\naGVsbG8=\n-----END B-----\n"),
        None
    );
    assert_eq!(
        decode_first(b"-----BEGIN A-----\n!!!!\n-----END A-----\n"),
        None
    );
}

#[test]
fn headers_and_crlf_are_tolerated() {
    let input =
        b"-----BEGIN A-----\r\nProc-Type: 4,ENCRYPTED\r\n\r\naGVs\r\nbG8=\r\n-----END A-----\r\n";
    let block = decode_first(input).expect("block");
    assert_eq!(block.contents, b"hello");
}

#[test]
fn encode_wraps_at_64_columns() {
    let pem = encode("X", &[0u8; 100]);
    let lines: Vec<&str> = pem.lines().collect();
    assert_eq!(lines[0], "-----BEGIN X-----");
    assert_eq!(lines[1].len(), 64);
    assert_eq!(lines.last(), Some(&"-----END X-----"));
    assert!(pem.ends_with('\n'));
}
