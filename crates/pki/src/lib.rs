//! Pure PKI for kubeward: the cluster certificate authority, issuing the API server's serving
//! certificate and client certificates, the ServiceAccount signing key, and the
//! `certificates.k8s.io/v1` CertificateSigningRequest machinery as Kubernetes runs it — parsing
//! and verifying `spec.request`, create-time validation with kube-apiserver's exact messages,
//! the `CertificateSubjectRestriction` admission check, the built-in signers' policies and the
//! signing itself.
//!
//! This crate must not depend on tokio, the network, the filesystem or the clock: callers pass
//! `now` and get PEM strings and decisions back. Randomness (keys, serial numbers) comes from
//! aws-lc-rs.
//!
//! Modules: [`ca`] (CA, serving and client certificates), [`csr`] (parse and verify requests),
//! [`validation`] (422 field errors), [`admission`] (the `system:masters` refusal),
//! [`signer_policy`] (the signers' `Failed` messages), [`sign`] (signing an approved CSR),
//! [`keys`] (ServiceAccount key, fingerprints), [`usage`] (key usage names).

#![forbid(unsafe_code)]

pub mod admission;
mod builder;
pub mod ca;
pub mod csr;
mod der;
pub mod keys;
mod pem;
pub mod request;
pub mod sign;
pub mod signer_policy;
pub mod usage;
pub mod validation;

#[cfg(test)]
mod test_support;

pub use admission::{SubjectRestrictionError, check_subject_restriction};
pub use builder::BuildError;
pub use ca::{CaError, CertificateAuthority, IssuedCert};
pub use csr::{CsrError, ParsedCsr, PublicKeyAlgorithm, parse_csr_pem, parse_csr_pem_unverified};
pub use keys::{
    KeyError, certificate_der_from_pem, generate_service_account_key, public_key_pem,
    x509_sha256_fingerprint,
};
pub use request::{NewRequest, new_client_request};
pub use sign::{SignError, SigningPolicy};
pub use signer_policy::{SignerDecision, SignerPolicyError, check_signer_policy};
pub use usage::UsageError;
pub use validation::{CsrSpec, validate_csr_create};

#[cfg(test)]
mod fuzz;
