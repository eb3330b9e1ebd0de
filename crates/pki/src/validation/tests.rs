use kubeward_core::status;
use rcgen::KeyPair;

use super::*;
use crate::test_support::{rcgen_csr, strings};

fn request() -> String {
    rcgen_csr(
        "minjun",
        Some("dev-team"),
        vec![],
        &KeyPair::generate().expect("key"),
    )
}

fn validate(request: &[u8], signer: &str, usages: &[&str], exp: Option<i32>) -> Vec<String> {
    let usages = strings(usages);
    validate_csr_create(&CsrSpec {
        request,
        signer_name: signer,
        usages: &usages,
        expiration_seconds: exp,
    })
    .iter()
    .map(ToString::to_string)
    .collect()
}

const CLIENT: &str = "kubernetes.io/kube-apiserver-client";

#[test]
fn a_valid_spec_has_no_errors() {
    let req = request();
    assert!(validate(req.as_bytes(), CLIENT, &["client auth"], Some(86400)).is_empty());
    assert!(
        validate(
            req.as_bytes(),
            "example.com/unknown-signer",
            &["server auth"],
            None
        )
        .is_empty()
    );
    assert!(
        validate(
            req.as_bytes(),
            "kubernetes.io/not-a-real-signer",
            &["client auth"],
            Some(600)
        )
        .is_empty()
    );
}

#[test]
fn garbage_request_message_matches_the_golden() {
    // a-x509-csr/51-garbage-request.err
    let usages = strings(&["client auth"]);
    let errs = validate_csr_create(&CsrSpec {
        request: b"not a csr\n",
        signer_name: CLIENT,
        usages: &usages,
        expiration_seconds: None,
    });
    assert_eq!(
        errs.iter().map(ToString::to_string).collect::<Vec<_>>(),
        vec![
            r#"spec.request: Invalid value: "bm90IGEgY3NyCg==": PEM block type must be CERTIFICATE REQUEST"#
        ]
    );
    let st = status::invalid(
        "certificates.k8s.io",
        "CertificateSigningRequest",
        "garbage",
        errs,
    );
    assert_eq!(
        st.message,
        r#"CertificateSigningRequest.certificates.k8s.io "garbage" is invalid: spec.request: Invalid value: "bm90IGEgY3NyCg==": PEM block type must be CERTIFICATE REQUEST"#
    );
}

#[test]
fn missing_signer_body_matches_the_golden() {
    // a-x509-csr/44-missing-signer-raw.out (pretty JSON, as curl gets it)
    let req = request();
    let usages = strings(&["client auth"]);
    let errs = validate_csr_create(&CsrSpec {
        request: req.as_bytes(),
        signer_name: "",
        usages: &usages,
        expiration_seconds: None,
    });
    let st = status::invalid(
        "certificates.k8s.io",
        "CertificateSigningRequest",
        "nosigner",
        errs,
    );
    let expected = r#"{
  "kind": "Status",
  "apiVersion": "v1",
  "metadata": {},
  "status": "Failure",
  "message": "CertificateSigningRequest.certificates.k8s.io \"nosigner\" is invalid: spec.signerName: Required value",
  "reason": "Invalid",
  "details": {
    "name": "nosigner",
    "group": "certificates.k8s.io",
    "kind": "CertificateSigningRequest",
    "causes": [
      {
        "reason": "FieldValueRequired",
        "message": "Required value",
        "field": "spec.signerName"
      }
    ]
  },
  "code": 422
}"#;
    assert_eq!(st.body(true), expected);
}

#[test]
fn signer_name_format_matches_the_golden() {
    // a-x509-csr/42-bad-signer-format.err
    let req = request();
    assert_eq!(
        validate(
            req.as_bytes(),
            "not_a_valid_signer_name",
            &["client auth"],
            None
        ),
        vec![
            r#"spec.signerName: Invalid value: "not_a_valid_signer_name": must be a fully qualified domain and path of the form 'example.com/signer-name'"#
        ]
    );
}

#[test]
fn signer_name_labels_are_checked() {
    let req = request();
    assert_eq!(
        validate(req.as_bytes(), "example/signer", &["client auth"], None),
        vec![
            r#"spec.signerName: Invalid value: "example": should be a domain with at least two segments separated by dots"#
        ]
    );
    assert_eq!(
        validate(req.as_bytes(), "Example.com/signer", &["client auth"], None),
        vec![format!(
            r#"spec.signerName: Invalid value: "Example.com": validating label "Example": {DNS1123_LABEL_ERROR}"#
        )]
    );
    assert_eq!(
        validate(req.as_bytes(), "example.com/Signer", &["client auth"], None),
        vec![format!(
            r#"spec.signerName: Invalid value: "Signer": validating label "Signer": {DNS1123_SUBDOMAIN_ERROR}"#
        )]
    );
    assert_eq!(
        validate(
            req.as_bytes(),
            "kubernetes.io/legacy-unknown",
            &["client auth"],
            None
        ),
        vec![
            r#"spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version"#
        ]
    );
    let long = format!("{}.com/x", "a".repeat(300));
    let errs = validate(req.as_bytes(), &long, &["client auth"], None);
    assert_eq!(
        errs[0],
        "spec.signerName: Too long: may not be more than 253 bytes"
    );
}

#[test]
fn unknown_usage_matches_the_golden() {
    // a-x509-csr/46-bad-usage-unknown.err
    let req = request();
    assert_eq!(
        validate(req.as_bytes(), CLIENT, &["not-a-usage"], None),
        vec![
            r#"spec.usages[0]: Unsupported value: "not-a-usage": supported values: "any", "cert sign", "client auth", "code signing", "content commitment", "crl sign", "data encipherment", "decipher only", "digital signature", "email protection", "encipher only", "ipsec end system", "ipsec tunnel", "ipsec user", "key agreement", "key encipherment", "microsoft sgc", "netscape sgc", "ocsp signing", "s/mime", "server auth", "signing", "timestamping""#
        ]
    );
}

#[test]
fn empty_and_duplicate_usages() {
    let req = request();
    assert_eq!(
        validate(req.as_bytes(), CLIENT, &[], None),
        vec!["spec.usages: Required value"]
    );
    assert_eq!(
        validate(
            req.as_bytes(),
            CLIENT,
            &["client auth", "client auth"],
            None
        ),
        vec![r#"spec.usages[1]: Duplicate value: "client auth""#]
    );
}

#[test]
fn short_expiration_matches_the_golden() {
    // a-x509-csr/49-expiration-too-short.err
    let req = request();
    assert_eq!(
        validate(req.as_bytes(), CLIENT, &["client auth"], Some(100)),
        vec![
            "spec.expirationSeconds: Invalid value: 100: may not specify a duration less than 600 seconds (10 minutes)"
        ]
    );
    assert!(validate(req.as_bytes(), CLIENT, &["client auth"], Some(600)).is_empty());
}

#[test]
fn errors_come_in_kubernetes_order() {
    let errs = validate(b"x", "", &["bogus"], Some(1));
    assert_eq!(errs.len(), 4);
    assert!(errs[0].starts_with("spec.request: "));
    assert!(errs[1].starts_with("spec.usages[0]: Unsupported value"));
    assert_eq!(errs[2], "spec.signerName: Required value");
    assert!(errs[3].starts_with("spec.expirationSeconds: "));
}
