//! PEM blocks, as Go's `encoding/pem` finds them: text around blocks is ignored.

/// The label and DER contents of every PEM block, in order; parsing stops at the first broken
/// block.
pub fn blocks(pem: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for block in x509_parser::pem::Pem::iter_from_buffer(pem.as_bytes()) {
        match block {
            Ok(block) => out.push((block.label, block.contents)),
            Err(_) => break,
        }
    }
    out
}

/// One PEM block with a label, base64 wrapped at 64 columns as Go's `pem.Encode` writes it.
pub fn encode(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
