//! JSON Web Keys (RFC 7517) and key sets: what an issuer publishes at its `jwks_uri` and what a
//! verifier reads from it.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::PublicKeyComponents;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use x509_parser::prelude::FromDer as _;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::keys::{KeyKind, VerificationKey};

/// The DER prefix of an ECDSA P-256 `SubjectPublicKeyInfo`, before the uncompressed point.
const P256_SPKI_PREFIX: &[u8] = &[
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];
/// The DER prefix of an ECDSA P-384 `SubjectPublicKeyInfo`.
const P384_SPKI_PREFIX: &[u8] = &[
    0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b,
    0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00,
];
/// The DER prefix of an ECDSA P-521 `SubjectPublicKeyInfo`.
const P521_SPKI_PREFIX: &[u8] = &[
    0x30, 0x81, 0x9b, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05,
    0x2b, 0x81, 0x04, 0x00, 0x23, 0x03, 0x81, 0x86, 0x00,
];
/// The DER prefix of an Ed25519 `SubjectPublicKeyInfo` (RFC 8410).
const ED25519_SPKI_PREFIX: &[u8] = &[
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// Why a JWK cannot be used.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwkError {
    /// A key type or curve other than RSA, EC P-256/384/521 or OKP Ed25519.
    #[error("unsupported key type {kty:?} (crv {crv:?})")]
    Unsupported {
        /// The `kty` member.
        kty: String,
        /// The `crv` member, if any.
        crv: Option<String>,
    },
    /// A member the key type needs is missing or not base64url.
    #[error("invalid or missing JWK member {0:?}")]
    Member(&'static str),
    /// The members do not make a valid public key.
    #[error("the JWK does not hold a valid public key")]
    InvalidKey,
}

/// One public JSON Web Key.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Jwk {
    /// Key type: `RSA`, `EC` or `OKP`.
    pub kty: String,
    /// Key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Intended use (`sig`).
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// Algorithm the key is meant for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// RSA modulus, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA public exponent, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// Curve of an EC or OKP key (`P-256`, `P-384`, `P-521`, `Ed25519`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// X coordinate (EC) or the public key (OKP), base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// Y coordinate of an EC key, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
}

/// A JWK set document (`{"keys": [...]}`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct JwkSet {
    /// The keys, in publication order.
    pub keys: Vec<Jwk>,
}

impl JwkSet {
    /// The keys a verifier can use; keys of unsupported types, and keys meant for encryption
    /// (`"use": "enc"`), are skipped.
    pub fn verification_keys(&self) -> Vec<VerificationKey> {
        self.keys
            .iter()
            .filter(|jwk| jwk.use_.as_deref() != Some("enc"))
            .filter_map(|jwk| VerificationKey::from_jwk(jwk).ok())
            .collect()
    }
}

fn member(value: &Option<String>, name: &'static str) -> Result<Vec<u8>, JwkError> {
    let value = value.as_deref().ok_or(JwkError::Member(name))?;
    URL_SAFE_NO_PAD
        .decode(value.trim_end_matches('='))
        .map_err(|_| JwkError::Member(name))
}

fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl VerificationKey {
    /// Builds a verification key from a public JWK; its `kid` (if any) becomes the key id.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, JwkError> {
        let unsupported = || JwkError::Unsupported {
            kty: jwk.kty.clone(),
            crv: jwk.crv.clone(),
        };
        let spki = match (jwk.kty.as_str(), jwk.crv.as_deref()) {
            ("RSA", _) => {
                let components = PublicKeyComponents {
                    n: member(&jwk.n, "n")?,
                    e: member(&jwk.e, "e")?,
                };
                let der = components.as_der().map_err(|_| JwkError::InvalidKey)?;
                der.as_ref().to_vec()
            }
            ("EC", Some(crv)) => {
                let (prefix, size) = match crv {
                    "P-256" => (P256_SPKI_PREFIX, 32),
                    "P-384" => (P384_SPKI_PREFIX, 48),
                    "P-521" => (P521_SPKI_PREFIX, 66),
                    _ => return Err(unsupported()),
                };
                let (x, y) = (member(&jwk.x, "x")?, member(&jwk.y, "y")?);
                if x.len() != size || y.len() != size {
                    return Err(JwkError::InvalidKey);
                }
                [prefix, &[0x04], &x, &y].concat()
            }
            ("OKP", Some("Ed25519")) => {
                let x = member(&jwk.x, "x")?;
                if x.len() != 32 {
                    return Err(JwkError::InvalidKey);
                }
                [ED25519_SPKI_PREFIX, &x].concat()
            }
            _ => return Err(unsupported()),
        };
        let key = VerificationKey::from_spki_der(&spki).ok_or(JwkError::InvalidKey)?;
        Ok(match &jwk.kid {
            Some(kid) => key.with_key_id(kid.clone()),
            None => key.with_key_id(""),
        })
    }

    /// The public JWK of this key, with `kid`, `use: sig` and `alg`.
    pub fn to_jwk(&self) -> Jwk {
        let mut jwk = Jwk {
            kid: Some(self.key_id().to_string()),
            use_: Some("sig".into()),
            alg: Some(self.algorithm().as_str().into()),
            ..Jwk::default()
        };
        let Ok((_, spki)) = SubjectPublicKeyInfo::from_der(self.spki_der()) else {
            return jwk;
        };
        let point = spki.subject_public_key.data.as_ref();
        match self.kind() {
            KeyKind::Rsa => {
                jwk.kty = "RSA".into();
                if let Ok(PublicKey::RSA(rsa)) = spki.parsed() {
                    jwk.n = Some(encode(strip_zeros(rsa.modulus)));
                    jwk.e = Some(encode(strip_zeros(rsa.exponent)));
                }
            }
            KeyKind::EcP256 | KeyKind::EcP384 | KeyKind::EcP521 => {
                jwk.kty = "EC".into();
                jwk.crv = Some(
                    match self.kind() {
                        KeyKind::EcP256 => "P-256",
                        KeyKind::EcP384 => "P-384",
                        _ => "P-521",
                    }
                    .into(),
                );
                let size = (point.len().saturating_sub(1)) / 2;
                if point.len() == 1 + 2 * size && point.first() == Some(&0x04) {
                    jwk.x = Some(encode(&point[1..1 + size]));
                    jwk.y = Some(encode(&point[1 + size..]));
                }
            }
            KeyKind::Ed25519 => {
                jwk.kty = "OKP".into();
                jwk.crv = Some("Ed25519".into());
                jwk.x = Some(encode(point));
            }
        }
        jwk
    }
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    &bytes[start..]
}

#[cfg(test)]
mod tests;
