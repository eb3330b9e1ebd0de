//! The CSR decisions of `kubeward-pki`, in the shapes the handlers use: field errors for
//! create, the `system:masters` restriction, and the signing controller's outcome.

use std::time::Duration;

use kubeward_core::status::FieldError;
use kubeward_pki::{
    CertificateAuthority, CsrSpec, SignerDecision, check_signer_policy, check_subject_restriction,
    parse_csr_pem, validate_csr_create,
};
use time::OffsetDateTime;

/// The create-time field errors of a CSR spec (empty when valid).
pub fn validate_spec(
    request: Option<&[u8]>,
    signer_name: &str,
    usages: &[String],
    expiration_seconds: Option<i64>,
) -> Vec<FieldError> {
    let expiration_seconds = expiration_seconds
        .map(|s| i32::try_from(s).unwrap_or(if s < 0 { i32::MIN } else { i32::MAX }));
    validate_csr_create(&CsrSpec {
        request: request.unwrap_or_default(),
        signer_name,
        usages,
        expiration_seconds,
    })
}

/// The CertificateSubjectRestriction admission message, when the request is refused.
pub fn subject_restriction(request: &[u8], signer_name: &str) -> Option<String> {
    check_subject_restriction(signer_name, request)
        .err()
        .map(|e| e.to_string())
}

/// What the signing controller does with an approved request: `None` for a signer it does not
/// run, `Some(Ok(pem))` for the certificate, `Some(Err(message))` for a `Failed` condition.
pub fn sign(
    ca: &CertificateAuthority,
    request: &[u8],
    signer_name: &str,
    usages: &[String],
    expiration_seconds: Option<i64>,
    now: OffsetDateTime,
) -> Option<Result<String, String>> {
    let csr = match parse_csr_pem(request) {
        Ok(csr) => csr,
        Err(error) => return Some(Err(error.to_string())),
    };
    match check_signer_policy(signer_name, &csr, usages) {
        SignerDecision::Ignore => return None,
        SignerDecision::Fail(error) => return Some(Err(error.to_string())),
        SignerDecision::Sign => {}
        _ => return None,
    }
    let expiration = expiration_seconds
        .and_then(|s| u64::try_from(s).ok())
        .map(Duration::from_secs);
    Some(
        ca.sign_csr(&csr, usages, expiration, now)
            .map_err(|e| e.to_string()),
    )
}
