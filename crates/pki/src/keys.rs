//! The ServiceAccount token signing key: RSA 2048 (RS256, as kube-apiserver's
//! `--service-account-signing-key-file` usually holds) and its public half for
//! `--service-account-key-file` and the JWKS.

use rcgen::{KeyPair, PublicKeyData as _};
use thiserror::Error;

use crate::pem;

/// Errors of key handling.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Key generation failed.
    #[error("key generation failed: {0}")]
    Generate(String),
    /// The private key PEM does not parse.
    #[error("unable to parse private key: {0}")]
    Parse(String),
}

/// A new RSA 2048 private key, PEM (PKCS#8 `PRIVATE KEY`), for signing ServiceAccount tokens
/// with RS256.
pub fn generate_service_account_key() -> Result<String, KeyError> {
    let key = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        .map_err(|e| KeyError::Generate(e.to_string()))?;
    Ok(key.serialize_pem())
}

/// The public key of a private key PEM (PKCS#8, PKCS#1 or SEC1), as an SPKI `PUBLIC KEY` PEM.
pub fn public_key_pem(private_key_pem: &str) -> Result<String, KeyError> {
    let key = KeyPair::from_pem(private_key_pem).map_err(|e| KeyError::Parse(e.to_string()))?;
    Ok(pem::encode("PUBLIC KEY", &key.subject_public_key_info()))
}

/// The lowercase hex SHA-256 of a DER certificate: the `X509SHA256=` credential id
/// kube-apiserver puts into `authentication.kubernetes.io/credential-id`.
pub fn x509_sha256_fingerprint(cert_der: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, cert_der);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The DER of the first `CERTIFICATE` block of a PEM string, if any.
pub fn certificate_der_from_pem(cert_pem: &str) -> Option<Vec<u8>> {
    pem::decode_first(cert_pem.as_bytes())
        .filter(|b| b.label == "CERTIFICATE")
        .map(|b| b.contents)
}

#[cfg(test)]
mod tests;
