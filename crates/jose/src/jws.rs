//! JWS compact serialization as go-jose reads and writes it: `header.payload.signature`,
//! each part base64url without padding.
//!
//! Parsing accepts any `alg`; verification then refuses an algorithm that does not fit the key,
//! so `none` and the `HS*` family never verify against public keys. HS512 tokens verify only
//! through [`Compact::verify_secret`], with the issuer's own [`SecretKey`]s.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value};

use crate::keys::{KeyError, SigningKey, VerificationKey};
use crate::secret::{HS512, SecretKey};

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
pub struct Compact<'a> {
    header: Map<String, Value>,
    alg: String,
    kid: String,
    signing_input: &'a str,
    payload: Vec<u8>,
    signature: Vec<u8>,
}

impl<'a> Compact<'a> {
    /// Splits and decodes a compact JWS.
    pub fn parse(token: &'a str) -> Result<Self, JwsError> {
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
            header,
            alg,
            kid,
            signing_input,
            payload: decode(payload)?,
            signature: decode(signature)?,
        })
    }

    /// The protected header.
    pub fn header(&self) -> &Map<String, Value> {
        &self.header
    }

    /// The `alg` header.
    pub fn algorithm(&self) -> &str {
        &self.alg
    }

    /// The `kid` header; empty when the token has none.
    pub fn key_id(&self) -> &str {
        &self.kid
    }

    /// The payload, not verified.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Verifies the signature with the keys whose id is the token's `kid` (all keys when the
    /// token has none), as kube-apiserver's `staticPublicKeysGetter`; returns the payload.
    pub fn verify(&self, keys: &[VerificationKey]) -> Result<&[u8], JwsError> {
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

    /// Verifies an HS512 token with the issuer's own secret keys (the one whose id is the
    /// token's `kid`, all when it has none); returns the payload. Any other `alg` fails.
    pub fn verify_secret(&self, keys: &[SecretKey]) -> Result<&[u8], JwsError> {
        if self.alg != HS512 {
            return Err(JwsError::Signature(vec![format!(
                "unexpected signature algorithm \"{}\"; expected [\"{HS512}\"]",
                self.alg
            )]));
        }
        let mut candidates = keys
            .iter()
            .filter(|k| self.kid.is_empty() || k.key_id() == self.kid)
            .peekable();
        if candidates.peek().is_none() {
            return Err(JwsError::NoKeys);
        }
        if candidates.any(|k| k.check(self.signing_input.as_bytes(), &self.signature)) {
            Ok(&self.payload)
        } else {
            Err(JwsError::Signature(vec!["invalid signature".into()]))
        }
    }
}

/// The unverified payload of a compact JWS, for kube-apiserver's issuer pre-check
/// (`hasCorrectIssuer`): `None` unless three parts and a JSON object payload.
pub fn unverified_payload(token: &str) -> Option<Map<String, Value>> {
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
pub fn sign(claims: &Value, key: &SigningKey) -> Result<String, KeyError> {
    let header = serde_json::json!({ "alg": key.algorithm().as_str(), "kid": key.key_id() });
    sign_with_header(&header, claims, key)
}

/// Signs `claims` with `key` and a `typ` header (e.g. `JWT`), as OpenID providers write ID and
/// access tokens.
pub fn sign_with_type(claims: &Value, key: &SigningKey, typ: &str) -> Result<String, KeyError> {
    let header =
        serde_json::json!({ "alg": key.algorithm().as_str(), "kid": key.key_id(), "typ": typ });
    sign_with_header(&header, claims, key)
}

/// Signs `claims` with the secret `key` (HS512) and a `typ` header, as Keycloak signs its refresh
/// tokens: `{"alg":"HS512","kid":…,"typ":…}`.
pub fn sign_with_secret(claims: &Value, key: &SecretKey, typ: &str) -> String {
    let header = serde_json::json!({ "alg": HS512, "kid": key.key_id(), "typ": typ });
    let mut out = signing_input(&header, claims);
    let tag = key.tag(out.as_bytes());
    out.push('.');
    RAW_URL.encode_string(tag, &mut out);
    out
}

fn sign_with_header(header: &Value, claims: &Value, key: &SigningKey) -> Result<String, KeyError> {
    let mut out = signing_input(header, claims);
    let signature = key.sign(out.as_bytes())?;
    out.push('.');
    RAW_URL.encode_string(signature, &mut out);
    Ok(out)
}

/// `base64url(header).base64url(claims)`, with room left for the signature.
fn signing_input(header: &Value, claims: &Value) -> String {
    // serde_json's writer is faster than its `Display` (which goes through `fmt`); a `Value`
    // always serializes.
    let header = serde_json::to_vec(header).unwrap_or_default();
    let claims = serde_json::to_vec(claims).unwrap_or_default();
    let mut out = String::with_capacity((header.len() + claims.len()) * 4 / 3 + 700);
    RAW_URL.encode_string(&header, &mut out);
    out.push('.');
    RAW_URL.encode_string(&claims, &mut out);
    out
}

/// base64url without padding, as JWS parts are written.
pub fn encode_part(bytes: &[u8]) -> String {
    RAW_URL.encode(bytes)
}

/// Decodes a base64url part without padding (trailing bits tolerated, as Go's
/// `RawURLEncoding`).
pub fn decode_part(part: &str) -> Result<Vec<u8>, JwsError> {
    decode(part)
}

fn decode(part: &str) -> Result<Vec<u8>, JwsError> {
    RAW_URL
        .decode(part)
        .map_err(|e| JwsError::InvalidPart(format!("illegal base64 data: {e}")))
}

#[cfg(test)]
mod tests;
