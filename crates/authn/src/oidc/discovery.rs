//! OpenID Connect discovery and JWKS documents as go-oidc reads them: the discovery document's
//! `issuer` must be the configured issuer URL exactly, its `jwks_uri` names the key set; the
//! key set's usable keys (RSA, EC; others skipped) verify tokens. Pure: the server fetches the
//! bytes and hands them in.

use kubeward_jose::{JwkSet, VerificationKey};
use serde::Deserialize;

/// Why a discovery or JWKS document cannot be used; `Display` is go-oidc's wording.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// The discovery document is not JSON of the right shape.
    #[error("oidc: failed to decode provider discovery object: {0}")]
    Decode(String),
    /// Its `issuer` is not the configured issuer.
    #[error(
        "oidc: issuer did not match the issuer returned by provider, expected {expected:?} got {got:?}"
    )]
    IssuerMismatch {
        /// The configured issuer URL.
        expected: String,
        /// The document's `issuer`.
        got: String,
    },
    /// It has no `jwks_uri`.
    #[error("oidc: provider discovery object has no jwks_uri")]
    NoJwksUri,
    /// The JWKS is not JSON of the right shape.
    #[error("oidc: failed to decode keys: {0}")]
    Keys(String),
}

/// What the verifier needs of a discovery document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// `issuer`.
    pub issuer: String,
    /// `jwks_uri`.
    pub jwks_uri: String,
    /// `id_token_signing_alg_values_supported` (informational).
    pub algorithms: Vec<String>,
}

#[derive(Deserialize)]
struct Document {
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    jwks_uri: String,
    #[serde(default)]
    id_token_signing_alg_values_supported: Vec<String>,
}

/// Reads a discovery document for the issuer `expected_issuer`.
pub fn parse_discovery(body: &[u8], expected_issuer: &str) -> Result<Discovery, DiscoveryError> {
    let document: Document =
        serde_json::from_slice(body).map_err(|e| DiscoveryError::Decode(e.to_string()))?;
    if document.issuer != expected_issuer {
        return Err(DiscoveryError::IssuerMismatch {
            expected: expected_issuer.to_string(),
            got: document.issuer,
        });
    }
    if document.jwks_uri.is_empty() {
        return Err(DiscoveryError::NoJwksUri);
    }
    Ok(Discovery {
        issuer: document.issuer,
        jwks_uri: document.jwks_uri,
        algorithms: document.id_token_signing_alg_values_supported,
    })
}

/// Reads a JWKS document: its usable verification keys (unsupported ones skipped).
pub fn parse_jwks(body: &[u8]) -> Result<Vec<VerificationKey>, DiscoveryError> {
    let set: JwkSet =
        serde_json::from_slice(body).map_err(|e| DiscoveryError::Keys(e.to_string()))?;
    Ok(set.verification_keys())
}

#[cfg(test)]
mod tests;
