//! The claims of an ID token, read without checking its signature.
//!
//! The plugin receives ID tokens straight from the token endpoint over TLS (OpenID Connect Core
//! 3.1.3.7 lets the TLS server check stand in for the signature then) and only needs `exp`,
//! `iss`, `aud` and `nonce`; the API server verifies the signature of every request. The payload
//! is read with `kubeward_jose::jws::unverified_payload`.

use kubeward_jose::jws;
use serde::Deserialize;

#[cfg(test)]
mod tests;

/// Why a token could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwtError {
    /// Not a compact JWS (three base64url parts) whose payload is a JSON object.
    #[error("not a JWT: wants 3 base64url segments with a JSON object payload")]
    NotJwt,
    /// The payload has a claim of the wrong type.
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

/// The claims of `token`, unverified.
pub fn decode_claims(token: &str) -> Result<Claims, JwtError> {
    let value = serde_json::Value::Object(jws::unverified_payload(token).ok_or(JwtError::NotJwt)?);
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
