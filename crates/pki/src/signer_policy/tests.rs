use std::net::{IpAddr, Ipv4Addr};

use rcgen::{KeyPair, SanType};

use super::*;
use crate::csr::parse_csr_pem;
use crate::test_support::{rcgen_csr, strings};

fn csr(cn: &str, o: Option<&str>, sans: Vec<SanType>) -> ParsedCsr {
    let pem = rcgen_csr(cn, o, sans, &KeyPair::generate().expect("key"));
    parse_csr_pem(pem.as_bytes()).expect("CSR")
}

#[test]
fn kube_apiserver_client_usages() {
    assert_eq!(kube_apiserver_client(&strings(&["client auth"])), Ok(()));
    // a-x509-csr/47-usage-with-digsig: issued.
    assert_eq!(
        kube_apiserver_client(&strings(&[
            "digital signature",
            "key encipherment",
            "client auth"
        ])),
        Ok(())
    );
    // a-x509-csr/48-bad-usage-approve: the Failed condition's message.
    let err = kube_apiserver_client(&strings(&["server auth"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid usage for client certificate: server auth"
    );
    let err = kube_apiserver_client(&strings(&["digital signature"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "missing required usage for client certificate: client auth"
    );
    assert_eq!(
        kube_apiserver_client(&[]),
        Err(SignerPolicyError::MissingClientAuth)
    );
}

#[test]
fn decisions_by_signer_name() {
    let minjun = csr("minjun", Some("dev-team"), vec![]);
    assert_eq!(
        check_signer_policy(
            KUBE_APISERVER_CLIENT_SIGNER_NAME,
            &minjun,
            &strings(&["client auth"])
        ),
        SignerDecision::Sign
    );
    assert_eq!(
        check_signer_policy(
            KUBE_APISERVER_CLIENT_SIGNER_NAME,
            &minjun,
            &strings(&["server auth"])
        ),
        SignerDecision::Fail(SignerPolicyError::InvalidClientUsage(
            "server auth".to_string()
        ))
    );
    // a-x509-csr/52-kubelet-serving-signer-usage.
    match check_signer_policy(
        KUBELET_SERVING_SIGNER_NAME,
        &minjun,
        &strings(&["server auth", "digital signature", "key encipherment"]),
    ) {
        SignerDecision::Fail(e) => {
            assert_eq!(e.to_string(), "subject organization is not system:nodes")
        }
        other => panic!("expected Fail, got {other:?}"),
    }
    // a-x509-csr/40 and 41: unknown signers are left alone.
    for signer in [
        "example.com/unknown-signer",
        "kubernetes.io/not-a-real-signer",
    ] {
        assert_eq!(
            check_signer_policy(signer, &minjun, &strings(&["client auth"])),
            SignerDecision::Ignore
        );
    }
    assert_eq!(
        check_signer_policy(LEGACY_UNKNOWN_SIGNER_NAME, &minjun, &strings(&["any"])),
        SignerDecision::Sign
    );
}

#[test]
fn kubelet_client_policy() {
    let node = csr("system:node:n1", Some("system:nodes"), vec![]);
    assert_eq!(
        kubelet_client(&node, &strings(&["digital signature", "client auth"])),
        Ok(())
    );
    assert_eq!(
        kubelet_client(
            &node,
            &strings(&["key encipherment", "digital signature", "client auth"])
        ),
        Ok(())
    );
    assert_eq!(
        kubelet_client(&node, &strings(&["client auth"]))
            .unwrap_err()
            .to_string(),
        "usages did not match [client auth digital signature key encipherment]"
    );
    let wrong_cn = csr("n1", Some("system:nodes"), vec![]);
    assert_eq!(
        kubelet_client(&wrong_cn, &strings(&["digital signature", "client auth"]))
            .unwrap_err()
            .to_string(),
        "subject common name does not begin with system:node:"
    );
    let with_dns = csr(
        "system:node:n1",
        Some("system:nodes"),
        vec![SanType::DnsName("n1".try_into().expect("dns"))],
    );
    assert_eq!(
        kubelet_client(&with_dns, &strings(&["digital signature", "client auth"])),
        Err(SignerPolicyError::DnsSanNotAllowed)
    );
    let with_ip = csr(
        "system:node:n1",
        Some("system:nodes"),
        vec![SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST))],
    );
    assert_eq!(
        kubelet_client(&with_ip, &strings(&["digital signature", "client auth"]))
            .unwrap_err()
            .to_string(),
        "IP subjectAltNames are not allowed"
    );
    let other_org = csr("system:node:n1", Some("dev-team"), vec![]);
    assert_eq!(
        kubelet_client(&other_org, &strings(&["digital signature", "client auth"])),
        Err(SignerPolicyError::OrganizationNotSystemNodes)
    );
}

#[test]
fn kubelet_serving_policy() {
    let node = csr(
        "system:node:n1",
        Some("system:nodes"),
        vec![SanType::DnsName("n1.example.com".try_into().expect("dns"))],
    );
    assert_eq!(
        kubelet_serving(&node, &strings(&["digital signature", "server auth"])),
        Ok(())
    );
    assert_eq!(
        kubelet_serving(&node, &strings(&["server auth"]))
            .unwrap_err()
            .to_string(),
        "usages did not match [digital signature key encipherment server auth]"
    );
    let no_san = csr("system:node:n1", Some("system:nodes"), vec![]);
    assert_eq!(
        kubelet_serving(&no_san, &strings(&["digital signature", "server auth"]))
            .unwrap_err()
            .to_string(),
        "DNS or IP subjectAltName is required"
    );
}
