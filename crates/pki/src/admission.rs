//! The `CertificateSubjectRestriction` admission plugin of kube-apiserver: a CSR for the
//! `kubernetes.io/kube-apiserver-client` signer may not ask for the `system:masters` group.
//! kube-apiserver answers 403 `certificatesigningrequests.certificates.k8s.io "<name>" is
//! forbidden: <this error>` (golden `a-x509-csr/50-system-masters-csr`); build it with
//! `kubeward_core::status::forbidden_with_message`. It runs after validation, so a request
//! that does not parse has already been refused with 422.

use thiserror::Error;

use crate::csr::{self, CsrError};
use crate::signer_policy::KUBE_APISERVER_CLIENT_SIGNER_NAME;

/// The group the plugin protects.
pub const SYSTEM_MASTERS: &str = "system:masters";

/// The plugin's refusal; `Display` is the Forbidden message after `is forbidden: `.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SubjectRestrictionError {
    /// The request asks for `O=system:masters`.
    #[error(
        "use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed"
    )]
    SystemMasters,
    /// The request does not parse.
    #[error("failed to parse CSR: {0}")]
    Parse(CsrError),
}

/// Checks a CSR about to be created: `Ok` unless the signer is kube-apiserver-client and the
/// request's organizations include `system:masters`.
pub fn check_subject_restriction(
    signer_name: &str,
    request: &[u8],
) -> Result<(), SubjectRestrictionError> {
    if signer_name != KUBE_APISERVER_CLIENT_SIGNER_NAME {
        return Ok(());
    }
    let parsed = csr::parse_csr_pem_unverified(request).map_err(SubjectRestrictionError::Parse)?;
    if parsed.organizations().iter().any(|o| o == SYSTEM_MASTERS) {
        return Err(SubjectRestrictionError::SystemMasters);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
