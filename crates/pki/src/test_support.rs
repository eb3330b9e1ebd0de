//! Fixtures shared by the unit tests: a fixed `now`, CSRs made with rcgen or openssl, and
//! parsing helpers.

use std::process::Command;

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, SanType};
use time::OffsetDateTime;
use time::macros::datetime;
use x509_parser::prelude::{FromDer as _, X509Certificate};

/// The moment the golden run signed minjun's certificate.
pub(crate) fn now() -> OffsetDateTime {
    datetime!(2026-11-22 10:23:24 UTC)
}

/// A CSR PEM made with rcgen (ECDSA P-256 unless `key` says otherwise).
pub(crate) fn rcgen_csr(
    common_name: &str,
    organization: Option<&str>,
    sans: Vec<SanType>,
    key: &KeyPair,
) -> String {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    if let Some(o) = organization {
        dn.push(DnType::OrganizationName, o);
    }
    params.distinguished_name = dn;
    params.subject_alt_names = sans;
    params
        .serialize_request(key)
        .expect("serialize CSR")
        .pem()
        .expect("CSR PEM")
}

/// A CSR PEM made by `openssl req` with a fresh RSA 2048 key, as the golden's `mkcsr` does;
/// `None` when openssl is not installed.
pub(crate) fn openssl_csr(subject: &str) -> Option<String> {
    let output = Command::new("openssl")
        .args([
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "/dev/null",
            "-subj",
            subject,
        ])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8(output.stdout).ok()
}

/// The DER of the first PEM block.
pub(crate) fn pem_der(pem: &str) -> Vec<u8> {
    crate::pem::decode_first(pem.as_bytes())
        .expect("PEM block")
        .contents
}

/// Parses a certificate DER (the DER must outlive the result).
pub(crate) fn parse_cert(der: &[u8]) -> X509Certificate<'_> {
    X509Certificate::from_der(der)
        .expect("certificate parses")
        .1
}

/// The subject as `(type OID, value)` pairs in encoding order.
pub(crate) fn subject_pairs(cert: &X509Certificate<'_>) -> Vec<(String, String)> {
    cert.subject()
        .iter()
        .flat_map(|rdn| rdn.iter())
        .map(|attr| {
            (
                attr.attr_type().to_id_string(),
                attr.as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// `(OID, value)` helper.
pub(crate) fn pair(oid: &str, value: &str) -> (String, String) {
    (oid.to_string(), value.to_string())
}

/// Owned strings.
pub(crate) fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|s| s.to_string()).collect()
}
