//! JWS compact serialization as go-jose reads and writes it: `header.payload.signature`,
//! each part base64url without padding.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value};

use crate::keys::{KeyError, SigningKey, VerificationKey};

/// base64url without padding; like Go's `base64.RawURLEncoding`, trailing bits may be non-zero.
const RAW_URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// Why a compact JWS cannot be used.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwsError {
    /// Not three base64url parts with a JSON header.
    #[error("go-jose/go-jose: compact JWS format must have three parts")]
    Malformed,
    /// The header or payload is not what a JWS needs.
    #[error("go-jose/go-jose: {0}")]
    InvalidPart(String),
    /// No configured key has the token's key id.
    #[error("invalid signature, no keys found")]
    NoKeys,
    /// No configured key verified the signature; one reason per key tried.
    #[error("{}", .0.join(", "))]
    Signature(Vec<String>),
}

/// A parsed, not yet verified, compact JWS.
#[derive(Debug, Clone)]
pub(crate) struct Compact<'a> {
    alg: String,
    kid: String,
    signing_input: &'a str,
    payload: Vec<u8>,
    signature: Vec<u8>,
}

impl<'a> Compact<'a> {
    /// Splits and decodes a compact JWS.
    pub(crate) fn parse(token: &'a str) -> Result<Self, JwsError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwsError::Malformed);
        };
        let signing_input = &token[..header.len() + 1 + payload.len()];
        let header = decode(header)?;
        let header: Map<String, Value> = serde_json::from_slice(&header)
            .map_err(|e| JwsError::InvalidPart(format!("invalid header: {e}")))?;
        let alg = match header.get("alg") {
            Some(Value::String(alg)) => alg.clone(),
            _ => {
                return Err(JwsError::InvalidPart(
                    "missing or invalid alg header".into(),
                ));
            }
        };
        let kid = match header.get("kid") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(kid)) => kid.clone(),
            Some(_) => return Err(JwsError::InvalidPart("invalid kid header".into())),
        };
        if header.contains_key("crit") {
            return Err(JwsError::InvalidPart("unsupported crit header".into()));
        }
        Ok(Self {
            alg,
            kid,
            signing_input,
            payload: decode(payload)?,
            signature: decode(signature)?,
        })
    }

    /// Verifies the signature with the keys whose id is the token's `kid` (all keys when the
    /// token has none), as kube-apiserver's `staticPublicKeysGetter`; returns the payload.
    pub(crate) fn verify(&self, keys: &[VerificationKey]) -> Result<&[u8], JwsError> {
        let candidates: Vec<&VerificationKey> = keys
            .iter()
            .filter(|k| self.kid.is_empty() || k.key_id() == self.kid)
            .collect();
        if candidates.is_empty() {
            return Err(JwsError::NoKeys);
        }
        let mut errors = Vec::new();
        for key in candidates {
            match key.verify(&self.alg, self.signing_input.as_bytes(), &self.signature) {
                Ok(()) => return Ok(&self.payload),
                Err(e) => errors.push(e),
            }
        }
        Err(JwsError::Signature(errors))
    }
}

/// The unverified payload of a compact JWS, for kube-apiserver's issuer pre-check
/// (`hasCorrectIssuer`): `None` unless three parts and a JSON object payload.
pub(crate) fn unverified_payload(token: &str) -> Option<Map<String, Value>> {
    if token.trim_start().starts_with('{') {
        return None;
    }
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return None;
    }
    let payload = decode(parts[1]).ok()?;
    serde_json::from_slice(&payload).ok()
}

/// Signs `claims` with `key`: header `{"alg":…,"kid":…}`, keys sorted as go-jose writes them.
pub(crate) fn sign(claims: &Value, key: &SigningKey) -> Result<String, KeyError> {
    let header = serde_json::json!({ "alg": key.algorithm(), "kid": key.key_id() });
    let mut out = RAW_URL.encode(header.to_string());
    out.push('.');
    out.push_str(&RAW_URL.encode(claims.to_string()));
    let signature = key.sign(out.as_bytes())?;
    out.push('.');
    out.push_str(&RAW_URL.encode(signature));
    Ok(out)
}

fn decode(part: &str) -> Result<Vec<u8>, JwsError> {
    RAW_URL
        .decode(part)
        .map_err(|e| JwsError::InvalidPart(format!("illegal base64 data: {e}")))
}

#[cfg(test)]
mod tests;
