//! Symmetric HS512 keys for tokens an issuer signs for itself alone, as Keycloak signs its
//! refresh tokens with a realm's `hmac-generated-hs512` key: the secret never leaves the issuer
//! and never appears in a JWKS, and only [`crate::Compact::verify_secret`] accepts such tokens
//! (the public-key path keeps refusing every `HS*` token).

use std::fmt;

use aws_lc_rs::hmac;
use base64::Engine as _;

use crate::keys::KeyError;

/// The `alg` of tokens a [`SecretKey`] signs.
pub const HS512: &str = "HS512";

/// Bytes of a generated secret: 512 bits, the size of Keycloak's generated HS512 keys.
const SECRET_LEN: usize = 64;

/// An HS512 key with its key id. Its `Debug` output never shows the secret.
#[derive(Clone)]
pub struct SecretKey {
    key_id: String,
    secret: Vec<u8>,
    key: hmac::Key,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl SecretKey {
    /// A new random 512-bit key.
    pub fn generate(key_id: impl Into<String>) -> Result<Self, KeyError> {
        let mut secret = vec![0u8; SECRET_LEN];
        aws_lc_rs::rand::fill(&mut secret).map_err(|_| KeyError::Signing)?;
        Ok(Self::from_bytes(key_id, secret))
    }

    /// The key stored by [`SecretKey::to_base64`]; a secret shorter than the hash (64 bytes)
    /// is refused, as RFC 7518 §3.2 requires for HS512.
    pub fn from_base64(key_id: impl Into<String>, encoded: &str) -> Result<Self, KeyError> {
        let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| KeyError::NoPrivateKey)?;
        if secret.len() < SECRET_LEN {
            return Err(KeyError::NoPrivateKey);
        }
        Ok(Self::from_bytes(key_id, secret))
    }

    fn from_bytes(key_id: impl Into<String>, secret: Vec<u8>) -> Self {
        let key = hmac::Key::new(hmac::HMAC_SHA512, &secret);
        Self {
            key_id: key_id.into(),
            secret,
            key,
        }
    }

    /// The secret, base64url without padding. Secret: store it only where keys are kept (files
    /// of mode 0600).
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&self.secret)
    }

    /// The key id (`kid` header) of tokens this key signs.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The HS512 tag of `message`.
    pub(crate) fn tag(&self, message: &[u8]) -> hmac::Tag {
        hmac::sign(&self.key, message)
    }

    /// Whether `tag` is the HS512 tag of `message` (constant time).
    pub(crate) fn check(&self, message: &[u8], tag: &[u8]) -> bool {
        hmac::verify(&self.key, message, tag).is_ok()
    }
}

#[cfg(test)]
mod tests;
