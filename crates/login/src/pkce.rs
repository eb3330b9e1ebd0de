//! Random values of the authorization request: PKCE (RFC 7636, S256), `state` and `nonce`.

use aws_lc_rs::digest;
use aws_lc_rs::rand::{SecureRandom as _, SystemRandom};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

#[cfg(test)]
mod tests;

/// The system's random source failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PkceError {
    /// No random bytes could be read.
    #[error("could not generate a random value")]
    Random,
}

/// 32 random bytes, base64url without padding (43 characters), as kubelogin's state and nonce.
pub fn random_string() -> Result<String, PkceError> {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| PkceError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A PKCE verifier and its S256 challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pkce {
    /// `code_verifier`, sent with the token request.
    pub verifier: String,
    /// `code_challenge`, sent with the authorization request.
    pub challenge: String,
}

impl Pkce {
    /// A fresh verifier and its challenge.
    pub fn new() -> Result<Self, PkceError> {
        let verifier = random_string()?;
        Ok(Self {
            challenge: s256_challenge(&verifier),
            verifier,
        })
    }
}

/// `BASE64URL(SHA256(verifier))`.
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()))
}
