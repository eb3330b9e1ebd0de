use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::X509Certificate;

use super::*;
use crate::test_support::{now, pair, parse_cert, pem_der, strings, subject_pairs};

fn ca() -> CertificateAuthority {
    CertificateAuthority::generate("kubernetes", now()).expect("CA")
}

fn authority_key_id(cert: &X509Certificate<'_>) -> Option<Vec<u8>> {
    cert.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                aki.key_identifier.as_ref().map(|k| k.0.to_vec())
            }
            _ => None,
        })
}

fn subject_key_id(cert: &X509Certificate<'_>) -> Option<Vec<u8>> {
    cert.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
            _ => None,
        })
}

#[test]
fn generated_ca_is_a_ten_year_self_signed_ca() {
    let ca = ca();
    let der = pem_der(ca.cert_pem());
    let cert = parse_cert(&der);
    assert_eq!(subject_pairs(&cert), vec![pair("2.5.4.3", "kubernetes")]);
    assert_eq!(cert.subject().as_raw(), cert.issuer().as_raw());
    let bc = cert.basic_constraints().expect("bc").expect("present");
    assert!(bc.value.ca && bc.critical);
    let ku = cert.key_usage().expect("ku").expect("present").value;
    assert!(ku.key_cert_sign() && ku.crl_sign() && ku.digital_signature());
    assert!(subject_key_id(&cert).is_some());
    assert_eq!(cert.validity().not_before.to_datetime(), now());
    assert_eq!(
        cert.validity().not_after.to_datetime(),
        now() + time::Duration::days(3650)
    );
    cert.verify_signature(None).expect("self-signed");
    assert!(ca.key_pem().starts_with("-----BEGIN PRIVATE KEY-----"));
    assert_eq!(ca.cert_der(), der.as_slice());
}

#[test]
fn ca_round_trips_through_pem() {
    let ca = ca();
    let reloaded = CertificateAuthority::from_pem(ca.cert_pem(), ca.key_pem()).expect("reload");
    assert_eq!(reloaded.cert_der(), ca.cert_der());
    assert_eq!(reloaded.not_after(), ca.not_after());
    assert_eq!(reloaded.not_before(), ca.not_before());
    // The reloaded CA still signs certificates that chain to the original.
    let issued = reloaded
        .issue_client("alice", &[], now(), Duration::from_secs(3600))
        .expect("issue");
    let der = pem_der(&issued.cert_pem);
    let ca_der = pem_der(ca.cert_pem());
    let ca_cert = parse_cert(&ca_der);
    parse_cert(&der)
        .verify_signature(Some(ca_cert.public_key()))
        .expect("chains");
}

#[test]
fn from_pem_rejects_mismatched_key_leaf_and_garbage() {
    let a = ca();
    let b = ca();
    assert_eq!(
        CertificateAuthority::from_pem(a.cert_pem(), b.key_pem()).unwrap_err(),
        CaError::KeyMismatch
    );
    let leaf = a
        .issue_client("bob", &[], now(), Duration::from_secs(3600))
        .expect("leaf");
    assert_eq!(
        CertificateAuthority::from_pem(&leaf.cert_pem, &leaf.key_pem).unwrap_err(),
        CaError::NotCa
    );
    assert_eq!(
        CertificateAuthority::from_pem("garbage", a.key_pem()).unwrap_err(),
        CaError::NoCertificatePem
    );
    assert!(matches!(
        CertificateAuthority::from_pem(a.cert_pem(), "garbage").unwrap_err(),
        CaError::ParseKey(_)
    ));
}

#[test]
fn client_certificate_carries_cn_organizations_and_client_auth() {
    let ca = ca();
    let issued = ca
        .issue_client(
            "kubernetes-admin",
            &strings(&["system:masters", "ops", "dev team"]),
            now(),
            Duration::from_secs(365 * 24 * 3600),
        )
        .expect("issue");
    assert!(issued.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    let der = pem_der(&issued.cert_pem);
    let cert = parse_cert(&der);
    assert_eq!(
        subject_pairs(&cert),
        vec![
            pair("2.5.4.10", "system:masters"),
            pair("2.5.4.10", "ops"),
            pair("2.5.4.10", "dev team"),
            pair("2.5.4.3", "kubernetes-admin"),
        ]
    );
    let eku = cert
        .extended_key_usage()
        .expect("eku")
        .expect("present")
        .value;
    assert!(eku.client_auth && !eku.server_auth);
    let bc = cert.basic_constraints().expect("bc").expect("present");
    assert!(!bc.value.ca && bc.critical);
    let ca_der = pem_der(ca.cert_pem());
    let ca_cert = parse_cert(&ca_der);
    assert_eq!(cert.issuer().as_raw(), ca_cert.subject().as_raw());
    assert_eq!(authority_key_id(&cert), subject_key_id(&ca_cert));
    cert.verify_signature(Some(ca_cert.public_key()))
        .expect("signed by the CA");
    assert_eq!(
        cert.validity().not_before.to_datetime(),
        now() - time::Duration::minutes(5)
    );
    assert_eq!(
        cert.validity().not_after.to_datetime(),
        now() + time::Duration::days(365)
    );
    // The issued key matches the certificate.
    let key = KeyPair::from_pem(&issued.key_pem).expect("key");
    assert_eq!(builder::spki_of(&key).as_slice(), cert.public_key().raw);
}

#[test]
fn serving_certificate_has_sans_and_server_auth() {
    let ca = ca();
    let sans = strings(&[
        "kubernetes",
        "kubernetes.default.svc",
        "127.0.0.1",
        "::1",
        "localhost",
    ]);
    let issued = ca.issue_serving(&sans, now()).expect("issue");
    let der = pem_der(&issued.cert_pem);
    let cert = parse_cert(&der);
    assert_eq!(
        subject_pairs(&cert),
        vec![pair("2.5.4.3", "kube-apiserver")]
    );
    let eku = cert
        .extended_key_usage()
        .expect("eku")
        .expect("present")
        .value;
    assert!(eku.server_auth && !eku.client_auth);
    let san = cert
        .subject_alternative_name()
        .expect("san")
        .expect("present")
        .value;
    let mut dns = Vec::new();
    let mut ips = Vec::new();
    for name in &san.general_names {
        match name {
            GeneralName::DNSName(d) => dns.push(d.to_string()),
            GeneralName::IPAddress(octets) => ips.push(octets.to_vec()),
            other => panic!("unexpected SAN {other:?}"),
        }
    }
    assert_eq!(
        dns,
        strings(&["kubernetes", "kubernetes.default.svc", "localhost"])
    );
    assert_eq!(ips.len(), 2);
    assert_eq!(ips[0], vec![127, 0, 0, 1]);
    assert_eq!(
        cert.validity().not_after.to_datetime(),
        now() + time::Duration::days(365)
    );
}

#[test]
fn issued_validity_never_exceeds_the_ca() {
    let ca = ca();
    let issued = ca
        .issue_client(
            "carol",
            &[],
            now(),
            Duration::from_secs(20 * 365 * 24 * 3600),
        )
        .expect("issue");
    let der = pem_der(&issued.cert_pem);
    assert_eq!(
        parse_cert(&der).validity().not_after.to_datetime(),
        ca.not_after()
    );
}

#[test]
fn expired_ca_and_bad_sans_are_refused() {
    let ca = ca();
    let later = ca.not_after() + time::Duration::seconds(1);
    assert_eq!(
        ca.issue_client("dave", &[], later, Duration::from_secs(60))
            .unwrap_err(),
        CaError::Expired(ca.not_after())
    );
    assert_eq!(
        ca.issue_serving(&strings(&["not a name"]), now())
            .unwrap_err(),
        CaError::InvalidSan("not a name".to_string())
    );
}

#[test]
fn debug_output_hides_keys() {
    let ca = ca();
    assert!(!format!("{ca:?}").contains("PRIVATE"));
    let issued = ca
        .issue_client("erin", &[], now(), Duration::from_secs(60))
        .expect("issue");
    assert!(!format!("{issued:?}").contains("PRIVATE"));
}
