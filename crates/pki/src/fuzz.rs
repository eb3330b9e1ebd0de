//! Fuzz targets of the certificate parsers that read untrusted bytes: the PEM certificate
//! signing requests of CertificateSigningRequest objects through create-time validation, and
//! CA files (`docs/fuzzing.md`).
//!
//! Each target is a bolero harness that runs as an ordinary test on the stable toolchain: it
//! replays its corpus (`src/__fuzz__/<target>/corpus`), then generates random inputs for a
//! bounded time; `cargo bolero test` runs it under libFuzzer or AFL for as long as one wants.

use std::time::Duration;

use crate::validation::{CsrSpec, validate_csr_create};
use crate::{CertificateAuthority, parse_csr_pem, parse_csr_pem_unverified};

/// How long a target generates random inputs in a normal test run, after its corpus
/// (`BOLERO_RANDOM_TEST_TIME_MS` overrides it for a longer run).
const RANDOM_TIME: Duration = Duration::from_millis(1500);

/// The signer names a CSR is checked under.
const SIGNERS: &[&str] = &[
    "kubernetes.io/kube-apiserver-client",
    "kubernetes.io/kube-apiserver-client-kubelet",
    "kubernetes.io/kubelet-serving",
    "example.com/x",
    "",
];

/// Any `spec.request` bytes parse as a CSR or are refused, never a panic; a request whose
/// self-signature verifies also parses without the check, to the same subject; create-time
/// validation answers field errors for every signer.
#[test]
fn certificate_request() {
    bolero::check!(name = "certificate_request")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            let unverified = parse_csr_pem_unverified(input);
            if let Ok(parsed) = parse_csr_pem(input) {
                let again = unverified.expect("a verified request parses unverified");
                assert_eq!(parsed.common_name(), again.common_name());
                assert_eq!(parsed.organizations(), again.organizations());
                parsed.public_key_algorithm();
                parsed.has_no_sans();
            }
            let usages = vec!["client auth".to_string(), "digital signature".to_string()];
            for signer in SIGNERS {
                validate_csr_create(&CsrSpec {
                    request: input,
                    signer_name: signer,
                    usages: &usages,
                    expiration_seconds: Some(600),
                });
            }
        });
}

/// Any certificate and key text read as a CA (`--client-ca-file` with its key, or a data
/// directory's `pki/`) loads or is refused, never a panic. The input holds both, split at the
/// first NUL byte.
#[test]
fn certificate_authority() {
    bolero::check!(name = "certificate_authority")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            let text = String::from_utf8_lossy(input);
            let (cert, key) = text.split_once('\0').unwrap_or((&text, ""));
            let _ = CertificateAuthority::from_pem(cert, key);
        });
}
