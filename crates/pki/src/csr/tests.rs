use std::net::{IpAddr, Ipv4Addr};

use rcgen::{KeyPair, PublicKeyData as _, SanType};

use super::*;
use crate::test_support::{openssl_csr, rcgen_csr};

fn tamper_last_byte(pem_text: &str) -> String {
    let mut der = crate::test_support::pem_der(pem_text);
    if let Some(last) = der.last_mut() {
        *last ^= 0x01;
    }
    pem::encode(CERTIFICATE_REQUEST_PEM_TYPE, &der)
}

#[test]
fn parses_an_rcgen_request_with_sans() {
    let key = KeyPair::generate().expect("key");
    let pem_text = rcgen_csr(
        "system:node:n1",
        Some("system:nodes"),
        vec![
            SanType::DnsName("n1.example.com".try_into().expect("dns")),
            SanType::IpAddress(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))),
            SanType::Rfc822Name("n1@example.com".try_into().expect("email")),
            SanType::URI("spiffe://cluster/n1".try_into().expect("uri")),
        ],
        &key,
    );
    let csr = parse_csr_pem(pem_text.as_bytes()).expect("valid CSR");
    assert_eq!(csr.common_name(), "system:node:n1");
    assert_eq!(csr.organizations(), ["system:nodes"]);
    assert_eq!(csr.dns_names(), ["n1.example.com"]);
    assert_eq!(csr.ip_addresses(), [IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))]);
    assert_eq!(csr.email_addresses(), ["n1@example.com"]);
    assert_eq!(csr.uris(), ["spiffe://cluster/n1"]);
    assert!(!csr.has_no_sans());
    assert_eq!(csr.public_key_algorithm(), PublicKeyAlgorithm::EcdsaP256);
    assert_eq!(
        csr.public_key_der(),
        key.subject_public_key_info().as_slice()
    );
}

#[test]
fn parses_an_openssl_request_like_the_golden_one() {
    let pem_text = openssl_csr("/CN=minjun/O=dev-team/O=qa")
        .expect("openssl is installed (.ci/run installs it)");
    let csr = parse_csr_pem(pem_text.as_bytes()).expect("valid CSR");
    assert_eq!(csr.common_name(), "minjun");
    assert_eq!(csr.organizations(), ["dev-team", "qa"]);
    assert!(csr.has_no_sans());
    assert_eq!(csr.public_key_algorithm(), PublicKeyAlgorithm::Rsa);
}

#[test]
fn other_key_types_verify() {
    for alg in [
        &rcgen::PKCS_ECDSA_P384_SHA384,
        &rcgen::PKCS_ED25519,
        &rcgen::PKCS_RSA_SHA256,
    ] {
        let key = KeyPair::generate_for(alg).expect("key");
        let pem_text = rcgen_csr("x", None, vec![], &key);
        parse_csr_pem(pem_text.as_bytes()).expect("valid CSR");
    }
}

#[test]
fn garbage_is_not_a_certificate_request() {
    // Golden a-x509-csr/51-garbage-request: `echo "not a csr"`.
    let err = parse_csr_pem(b"not a csr\n").unwrap_err();
    assert_eq!(err, CsrError::NotCertificateRequest);
    assert_eq!(
        err.to_string(),
        "PEM block type must be CERTIFICATE REQUEST"
    );
    assert_eq!(
        parse_csr_pem(b"").unwrap_err(),
        CsrError::NotCertificateRequest
    );
}

#[test]
fn wrong_block_type_is_refused_even_if_a_request_follows() {
    let key = KeyPair::generate().expect("key");
    let request = rcgen_csr("x", None, vec![], &key);
    let input = format!("{}{request}", pem::encode("CERTIFICATE", b"\x30\x00"));
    assert_eq!(
        parse_csr_pem(input.as_bytes()).unwrap_err(),
        CsrError::NotCertificateRequest
    );
    let new_style = request.replace("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST");
    assert_eq!(
        parse_csr_pem(new_style.as_bytes()).unwrap_err(),
        CsrError::NotCertificateRequest
    );
}

#[test]
fn malformed_der_is_refused() {
    let input = pem::encode(CERTIFICATE_REQUEST_PEM_TYPE, b"hello");
    let err = parse_csr_pem(input.as_bytes()).unwrap_err();
    assert_eq!(err, CsrError::Malformed);
    assert_eq!(
        parse_csr_pem_unverified(input.as_bytes()).unwrap_err(),
        CsrError::Malformed
    );
}

#[test]
fn tampered_signatures_are_refused_with_go_messages() {
    let key = KeyPair::generate().expect("key");
    let tampered = tamper_last_byte(&rcgen_csr("x", Some("o"), vec![], &key));
    let err = parse_csr_pem(tampered.as_bytes()).unwrap_err();
    assert_eq!(err, CsrError::EcdsaVerification);
    assert_eq!(err.to_string(), "x509: ECDSA verification failure");
    // Without verification the request still parses.
    let csr = parse_csr_pem_unverified(tampered.as_bytes()).expect("parses");
    assert_eq!(csr.organizations(), ["o"]);

    let rsa = KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("key");
    let tampered = tamper_last_byte(&rcgen_csr("x", None, vec![], &rsa));
    let err = parse_csr_pem(tampered.as_bytes()).unwrap_err();
    assert_eq!(err.to_string(), "crypto/rsa: verification error");

    let ed = KeyPair::generate_for(&rcgen::PKCS_ED25519).expect("key");
    let tampered = tamper_last_byte(&rcgen_csr("x", None, vec![], &ed));
    let err = parse_csr_pem(tampered.as_bytes()).unwrap_err();
    assert_eq!(err.to_string(), "x509: Ed25519 verification failure");
}
