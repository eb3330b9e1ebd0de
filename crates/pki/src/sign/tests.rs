use std::net::{IpAddr, Ipv4Addr};

use rcgen::{KeyPair, SanType};
use x509_parser::extensions::{GeneralName, ParsedExtension};

use super::*;
use crate::csr::parse_csr_pem;
use crate::test_support::{
    now, openssl_csr, pair, parse_cert, pem_der, rcgen_csr, strings, subject_pairs,
};

const DAY: Duration = Duration::from_secs(24 * 3600);

fn ca() -> CertificateAuthority {
    CertificateAuthority::generate("anchor-kubernetes-ca", now()).expect("CA")
}

fn rcgen_parsed(cn: &str, o: Option<&str>, sans: Vec<SanType>) -> ParsedCsr {
    let pem = rcgen_csr(cn, o, sans, &KeyPair::generate().expect("key"));
    parse_csr_pem(pem.as_bytes()).expect("CSR")
}

fn validity(cert_pem: &str) -> (OffsetDateTime, OffsetDateTime) {
    let der = pem_der(cert_pem);
    let cert = parse_cert(&der);
    (
        cert.validity().not_before.to_datetime(),
        cert.validity().not_after.to_datetime(),
    )
}

#[test]
fn signs_an_openssl_request_like_the_golden() {
    let request =
        openssl_csr("/CN=minjun/O=dev-team").expect("openssl is installed (.ci/run installs it)");
    let ca = ca();
    let csr = parse_csr_pem(request.as_bytes()).expect("CSR");
    let cert_pem = ca
        .sign_csr(&csr, &strings(&["client auth"]), Some(DAY), now())
        .expect("signed");
    let der = pem_der(&cert_pem);
    let cert = parse_cert(&der);
    // a-x509-csr/09-extract-cert: subject=O = dev-team, CN = minjun.
    assert_eq!(
        subject_pairs(&cert),
        vec![pair("2.5.4.10", "dev-team"), pair("2.5.4.3", "minjun")]
    );
    // notBefore = approval − 5 min, notAfter = notBefore + 24 h (10:18:24 → 10:18:24).
    assert_eq!(
        validity(&cert_pem),
        (
            now() - time::Duration::minutes(5),
            now() + time::Duration::hours(24) - time::Duration::minutes(5)
        )
    );
    let eku = cert
        .extended_key_usage()
        .expect("eku")
        .expect("present")
        .value;
    assert!(eku.client_auth && !eku.server_auth && !eku.any);
    assert!(cert.key_usage().expect("ku").is_none());
    let bc = cert.basic_constraints().expect("bc").expect("present");
    assert!(bc.critical && !bc.value.ca);
    assert!(cert.subject_alternative_name().expect("san").is_none());
    assert_eq!(cert.public_key().raw, csr.public_key_der());

    let ca_der = pem_der(ca.cert_pem());
    let ca_cert = parse_cert(&ca_der);
    assert_eq!(cert.issuer().as_raw(), ca_cert.subject().as_raw());
    cert.verify_signature(Some(ca_cert.public_key()))
        .expect("verifies against the CA");
    let aki = cert
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                a.key_identifier.as_ref().map(|k| k.0.to_vec())
            }
            _ => None,
        });
    let ski = ca_cert
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
            _ => None,
        });
    assert!(aki.is_some());
    assert_eq!(aki, ski);
}

#[test]
fn copies_sans_and_maps_usages() {
    let ca = ca();
    let csr = rcgen_parsed(
        "system:node:n1",
        Some("system:nodes"),
        vec![
            SanType::DnsName("n1.example.com".try_into().expect("dns")),
            SanType::IpAddress(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))),
        ],
    );
    let cert_pem = ca
        .sign_csr(
            &csr,
            &strings(&[
                "server auth",
                "digital signature",
                "key encipherment",
                "client auth",
            ]),
            None,
            now(),
        )
        .expect("signed");
    let der = pem_der(&cert_pem);
    let cert = parse_cert(&der);
    let ku = cert.key_usage().expect("ku").expect("present");
    assert!(ku.critical);
    assert!(ku.value.digital_signature() && ku.value.key_encipherment());
    assert!(!ku.value.key_cert_sign());
    let eku = cert
        .extended_key_usage()
        .expect("eku")
        .expect("present")
        .value;
    assert!(eku.server_auth && eku.client_auth);
    let san = cert
        .subject_alternative_name()
        .expect("san")
        .expect("present");
    assert!(!san.critical);
    let names: Vec<String> = san
        .value
        .general_names
        .iter()
        .map(|n| match n {
            GeneralName::DNSName(d) => format!("dns:{d}"),
            GeneralName::IPAddress(ip) => format!("ip:{ip:?}"),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(names, vec!["dns:n1.example.com", "ip:[10, 0, 0, 1]"]);
    let ca_der = pem_der(ca.cert_pem());
    cert.verify_signature(Some(parse_cert(&ca_der).public_key()))
        .expect("verifies");
}

#[test]
fn ttl_clamping_follows_the_signer() {
    let policy = SigningPolicy::default();
    assert_eq!(policy.ttl(None), DEFAULT_CLUSTER_SIGNING_DURATION);
    assert_eq!(
        policy.ttl(Some(Duration::from_secs(100))),
        MIN_SIGNING_DURATION
    );
    assert_eq!(policy.ttl(Some(DAY)), DAY);
    assert_eq!(
        policy.ttl(Some(DAY * 800)),
        DEFAULT_CLUSTER_SIGNING_DURATION
    );
}

#[test]
fn expiration_clamping_in_certificates() {
    let ca = ca();
    let csr = rcgen_parsed("u", None, vec![]);
    let usages = strings(&["client auth"]);
    let five = time::Duration::minutes(5);
    // Default: one year, backdated at both ends.
    let (nb, na) = validity(&ca.sign_csr(&csr, &usages, None, now()).expect("signed"));
    assert_eq!(nb, now() - five);
    assert_eq!(na, now() + time::Duration::days(365) - five);
    // Below the minimum: 10 minutes, short so not shortened by the backdate.
    let (_, na) = validity(
        &ca.sign_csr(&csr, &usages, Some(Duration::from_secs(100)), now())
            .expect("signed"),
    );
    assert_eq!(na, now() + time::Duration::minutes(10));
    // Short (< 8 h): now + ttl.
    let (_, na) = validity(
        &ca.sign_csr(&csr, &usages, Some(Duration::from_secs(4 * 3600)), now())
            .expect("signed"),
    );
    assert_eq!(na, now() + time::Duration::hours(4));
    // Above the maximum: one year.
    let (_, na) = validity(
        &ca.sign_csr(&csr, &usages, Some(DAY * 1000), now())
            .expect("signed"),
    );
    assert_eq!(na, now() + time::Duration::days(365) - five);
    // A custom cluster-signing-duration.
    let policy = SigningPolicy {
        max_ttl: DAY,
        ..SigningPolicy::default()
    };
    let (_, na) = validity(
        &ca.sign_csr_with_policy(&csr, &usages, None, &policy, now())
            .expect("signed"),
    );
    assert_eq!(na, now() + time::Duration::hours(24) - five);
}

#[test]
fn never_outlives_the_ca_and_refuses_an_expired_one() {
    let ca = ca();
    let csr = rcgen_parsed("u", None, vec![]);
    let usages = strings(&["client auth"]);
    let near_end = ca.not_after() - time::Duration::days(10);
    let (_, na) = validity(&ca.sign_csr(&csr, &usages, None, near_end).expect("signed"));
    assert_eq!(na, ca.not_after());

    let just_after = ca.not_after() + time::Duration::minutes(1);
    let err = ca.sign_csr(&csr, &usages, None, just_after).unwrap_err();
    assert_eq!(err, SignError::ExpiredInThePast(ca.not_after()));
    assert!(
        err.to_string()
            .starts_with("refusing to sign a certificate that expired in the past: NotAfter=")
    );

    let long_after = ca.not_after() + time::Duration::hours(1);
    assert_eq!(
        ca.sign_csr(&csr, &usages, None, long_after).unwrap_err(),
        SignError::SignerExpired(ca.not_after())
    );
}

#[test]
fn unknown_usages_are_refused() {
    let ca = ca();
    let csr = rcgen_parsed("u", None, vec![]);
    let err = ca
        .sign_csr(&csr, &strings(&["client auth", "bogus"]), None, now())
        .unwrap_err();
    assert_eq!(err.to_string(), r#"unrecognized usage values: ["bogus"]"#);
}

#[test]
fn a_reloaded_rsa_ca_signs_too() {
    // A kubeadm-style CA with an RSA key loaded from PEM.
    let key = KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("key");
    let mut params = rcgen::CertificateParams::default();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign];
    params.not_before = now() - time::Duration::days(1);
    params.not_after = now() + time::Duration::days(3650);
    let cert = params.self_signed(&key).expect("self-signed");
    let ca = CertificateAuthority::from_pem(&cert.pem(), &key.serialize_pem()).expect("loads");
    let csr = rcgen_parsed("u", Some("g"), vec![]);
    let cert_pem = ca
        .sign_csr(&csr, &strings(&["client auth"]), None, now())
        .expect("signed");
    let der = pem_der(&cert_pem);
    let ca_der = pem_der(ca.cert_pem());
    parse_cert(&der)
        .verify_signature(Some(parse_cert(&ca_der).public_key()))
        .expect("RSA signature verifies");
}
