use kubeward_core::status;
use rcgen::KeyPair;

use super::*;
use crate::test_support::{openssl_csr, rcgen_csr};

#[test]
fn system_masters_is_forbidden_for_the_client_signer() {
    let pem = rcgen_csr(
        "root",
        Some("system:masters"),
        vec![],
        &KeyPair::generate().expect("key"),
    );
    let err =
        check_subject_restriction(KUBE_APISERVER_CLIENT_SIGNER_NAME, pem.as_bytes()).unwrap_err();
    assert_eq!(err, SubjectRestrictionError::SystemMasters);
    // a-x509-csr/50-system-masters-csr.err (kubectl prefixes `Error from server (Forbidden): error
    // when creating "…": `).
    let st = status::forbidden_with_message(
        "certificates.k8s.io",
        "certificatesigningrequests",
        "masters",
        &err.to_string(),
    );
    assert_eq!(
        st.message,
        r#"certificatesigningrequests.certificates.k8s.io "masters" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed"#
    );
    assert_eq!(st.code, 403);
    // Other signers may carry it.
    assert_eq!(
        check_subject_restriction("example.com/signer", pem.as_bytes()),
        Ok(())
    );
}

#[test]
fn system_masters_among_several_organizations() {
    let pem = openssl_csr("/CN=eve/O=dev-team/O=system:masters")
        .expect("openssl is installed (.ci/run installs it)");
    assert_eq!(
        check_subject_restriction(KUBE_APISERVER_CLIENT_SIGNER_NAME, pem.as_bytes()),
        Err(SubjectRestrictionError::SystemMasters)
    );
}

#[test]
fn other_groups_and_unparsable_requests() {
    let pem = rcgen_csr(
        "minjun",
        Some("dev-team"),
        vec![],
        &KeyPair::generate().expect("key"),
    );
    assert_eq!(
        check_subject_restriction(KUBE_APISERVER_CLIENT_SIGNER_NAME, pem.as_bytes()),
        Ok(())
    );
    assert_eq!(
        check_subject_restriction(KUBE_APISERVER_CLIENT_SIGNER_NAME, b"not a csr\n")
            .unwrap_err()
            .to_string(),
        "failed to parse CSR: PEM block type must be CERTIFICATE REQUEST"
    );
}
