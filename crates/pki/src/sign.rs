//! Signing an approved CertificateSigningRequest as kube-controller-manager's CSR signer does
//! (`pkg/controller/certificates/signer` and `authority`): the request's subject, SANs and
//! public key are copied, keyUsage/extKeyUsage come from `spec.usages`, the request's own
//! extensions are dropped, basicConstraints is `CA:FALSE`, NotBefore is `now` − 5 minutes,
//! NotAfter is `now + ttl` (minus the backdate for certificates of 8 hours or more), never past
//! the CA's NotAfter. The TTL is `spec.expirationSeconds` clamped to
//! [10 minutes, `--cluster-signing-duration`] (default one year).

use std::time::Duration;

use thiserror::Error;
use time::OffsetDateTime;

use crate::builder::{self, BuildError, Leaf};
use crate::ca::{CertificateAuthority, add, sub, whole_seconds};
use crate::csr::ParsedCsr;
use crate::pem;
use crate::usage::{self, UsageError};

/// kube-controller-manager's default `--cluster-signing-duration`: one year.
pub const DEFAULT_CLUSTER_SIGNING_DURATION: Duration = Duration::from_secs(365 * 24 * 60 * 60);
/// The shortest certificate the signer issues (twice the backdate).
pub const MIN_SIGNING_DURATION: Duration = Duration::from_secs(10 * 60);

/// How the signer computes validity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningPolicy {
    /// The maximum (and default) lifetime: `--cluster-signing-duration`.
    pub max_ttl: Duration,
    /// NotBefore is `now - backdate`.
    pub backdate: Duration,
    /// Lifetimes below this are not shortened by the backdate.
    pub short: Duration,
}

impl Default for SigningPolicy {
    /// Kubernetes' values: one year, 5 minutes, 8 hours.
    fn default() -> Self {
        Self {
            max_ttl: DEFAULT_CLUSTER_SIGNING_DURATION,
            backdate: Duration::from_secs(5 * 60),
            short: Duration::from_secs(8 * 60 * 60),
        }
    }
}

impl SigningPolicy {
    /// The signer's `duration`: the requested lifetime (`spec.expirationSeconds`) clamped to
    /// [[`MIN_SIGNING_DURATION`], `max_ttl`], or `max_ttl` when none was requested.
    pub fn ttl(&self, requested: Option<Duration>) -> Duration {
        match requested {
            None => self.max_ttl,
            Some(d) if d > self.max_ttl => self.max_ttl,
            Some(d) if d < MIN_SIGNING_DURATION => MIN_SIGNING_DURATION,
            Some(d) => d,
        }
    }
}

/// Why the signer could not issue a certificate; `Display` is the signer's text.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SignError {
    /// A usage the signer cannot map.
    #[error(transparent)]
    Usage(#[from] UsageError),
    /// The CA had expired before the certificate's NotBefore.
    #[error("the signer has expired: NotAfter={0}")]
    SignerExpired(OffsetDateTime),
    /// The CA has expired at `now`.
    #[error("refusing to sign a certificate that expired in the past: NotAfter={0}")]
    ExpiredInThePast(OffsetDateTime),
    /// A time computation overflowed.
    #[error("validity out of range")]
    Validity,
    /// The certificate could not be built or signed.
    #[error(transparent)]
    Build(#[from] BuildError),
}

impl CertificateAuthority {
    /// Signs `csr` with the default [`SigningPolicy`]: `usages` are the CSR's `spec.usages`,
    /// `expiration` its `spec.expirationSeconds`. Returns the certificate PEM for
    /// `status.certificate`.
    pub fn sign_csr(
        &self,
        csr: &ParsedCsr,
        usages: &[String],
        expiration: Option<Duration>,
        now: OffsetDateTime,
    ) -> Result<String, SignError> {
        self.sign_csr_with_policy(csr, usages, expiration, &SigningPolicy::default(), now)
    }

    /// [`CertificateAuthority::sign_csr`] with an explicit policy (e.g. another
    /// `--cluster-signing-duration`).
    pub fn sign_csr_with_policy(
        &self,
        csr: &ParsedCsr,
        usages: &[String],
        expiration: Option<Duration>,
        policy: &SigningPolicy,
        now: OffsetDateTime,
    ) -> Result<String, SignError> {
        let (key_usage, ext_key_usages) = usage::from_strings(usages)?;
        let now = whole_seconds(now);
        let ttl = policy.ttl(expiration);
        let not_before = sub(now, policy.backdate).ok_or(SignError::Validity)?;
        let lifetime = if ttl < policy.short {
            ttl
        } else {
            ttl.saturating_sub(policy.backdate)
        };
        let mut not_after = add(now, lifetime).ok_or(SignError::Validity)?;
        let signer_not_after = self.not_after();
        if not_after >= signer_not_after {
            not_after = signer_not_after;
        }
        if not_before >= signer_not_after {
            return Err(SignError::SignerExpired(signer_not_after));
        }
        if now >= signer_not_after {
            return Err(SignError::ExpiredInThePast(signer_not_after));
        }

        let subject = csr.go_subject();
        let leaf = Leaf {
            subject: subject.to_der(),
            subject_empty: subject.is_empty(),
            spki: csr.public_key_der(),
            not_before,
            not_after,
            key_usage,
            ext_key_usages,
            sans: csr.sans(),
        };
        let der = builder::build(&leaf, &self.issuer())?;
        Ok(pem::encode("CERTIFICATE", &der))
    }
}

#[cfg(test)]
mod tests;
