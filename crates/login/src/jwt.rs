//! The claims of an ID token, read without checking its signature.
//!
//! The plugin receives ID tokens straight from the token endpoint over TLS (OpenID Connect Core
//! 3.1.3.7 lets the TLS server check stand in for the signature then) and only needs `exp`,
//! `iss`, `aud` and `nonce`; the API server verifies the signature of every request.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

#[cfg(test)]
mod tests;

/// Why a token could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwtError {
    /// Not three dot-separated parts.
    #[error("wants 3 segments but got {0} segments")]
    Segments(usize),
    /// The payload is not base64url.
    #[error("could not decode the payload: invalid base64: {0}")]
    Base64(String),
    /// The payload is not a JSON object with the expected claims.
    #[error("could not decode the json of token: {0}")]
    Json(String),
}

/// The claims the plugin looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// `iss`.
    pub issuer: String,
    /// `sub`.
    pub subject: String,
    /// `aud`, a string or an array in the token.
    pub audience: Vec<String>,
    /// `exp`, seconds since the epoch (0 when absent).
    pub expiry: i64,
    /// `nonce`, when present.
    pub nonce: Option<String>,
    /// The whole payload, indented, for `setup`.
    pub pretty: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
struct Wire {
    #[serde(default)]
    iss: String,
    #[serde(default)]
    sub: String,
    aud: Option<Audience>,
    #[serde(default)]
    exp: i64,
    nonce: Option<String>,
}

/// The decoded payload (second part) of a compact JWS, unverified.
pub fn unverified_payload(token: &str) -> Result<Vec<u8>, JwtError> {
    let parts: Vec<&str> = token.splitn(4, '.').collect();
    if parts.len() != 3 {
        return Err(JwtError::Segments(parts.len()));
    }
    URL_SAFE_NO_PAD
        .decode(parts[1].trim_end_matches('='))
        .map_err(|e| JwtError::Base64(e.to_string()))
}

/// The claims of `token`, unverified.
pub fn decode_claims(token: &str) -> Result<Claims, JwtError> {
    let payload = unverified_payload(token)?;
    let value: serde_json::Value =
        serde_json::from_slice(&payload).map_err(|e| JwtError::Json(e.to_string()))?;
    let wire: Wire =
        serde_json::from_value(value.clone()).map_err(|e| JwtError::Json(e.to_string()))?;
    let pretty = serde_json::to_string_pretty(&value).map_err(|e| JwtError::Json(e.to_string()))?;
    Ok(Claims {
        issuer: wire.iss,
        subject: wire.sub,
        audience: match wire.aud {
            None => Vec::new(),
            Some(Audience::One(one)) => vec![one],
            Some(Audience::Many(many)) => many,
        },
        expiry: wire.exp,
        nonce: wire.nonce,
        pretty,
    })
}
