//! OpenID Connect discovery: the provider's `/.well-known/openid-configuration`.

use serde::Deserialize;

use crate::http::{self, HttpError};

#[cfg(test)]
mod tests;

/// Why the provider's metadata could not be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// The request failed.
    #[error("oidc discovery error: {0}")]
    Http(#[from] HttpError),
    /// The document names another issuer (OpenID Connect Discovery 4.3).
    #[error(
        "oidc discovery error: oidc: issuer did not match the issuer returned by provider, expected {expected:?} got {got:?}"
    )]
    IssuerMismatch {
        /// `--oidc-issuer-url`.
        expected: String,
        /// `issuer` of the document.
        got: String,
    },
}

/// The fields of the provider metadata the plugin uses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProviderMetadata {
    /// `issuer`.
    pub issuer: String,
    /// `authorization_endpoint`.
    pub authorization_endpoint: String,
    /// `token_endpoint`.
    pub token_endpoint: String,
    /// `device_authorization_endpoint` (RFC 8628), when supported.
    #[serde(default)]
    pub device_authorization_endpoint: Option<String>,
    /// `revocation_endpoint` (RFC 7009), when supported.
    #[serde(default)]
    pub revocation_endpoint: Option<String>,
    /// `code_challenge_methods_supported`.
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
}

impl ProviderMetadata {
    /// Whether the provider announces PKCE S256 (kubelogin's `--oidc-pkce-method=auto`).
    pub fn supports_s256(&self) -> bool {
        self.code_challenge_methods_supported
            .iter()
            .any(|m| m == "S256")
    }
}

/// The discovery URL of `issuer`.
pub fn well_known_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

/// Checks that the document is for `issuer`.
pub fn check_issuer(issuer: &str, metadata: &ProviderMetadata) -> Result<(), DiscoveryError> {
    if metadata.issuer != issuer {
        return Err(DiscoveryError::IssuerMismatch {
            expected: issuer.to_string(),
            got: metadata.issuer.clone(),
        });
    }
    Ok(())
}

/// Fetches and checks the metadata of `issuer`.
pub async fn discover(
    client: &reqwest::Client,
    issuer: &str,
) -> Result<ProviderMetadata, DiscoveryError> {
    let metadata: ProviderMetadata = http::send_json(client.get(well_known_url(issuer))).await?;
    check_issuer(issuer, &metadata)?;
    Ok(metadata)
}
