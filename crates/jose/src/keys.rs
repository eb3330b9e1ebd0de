//! Signing and verification keys: RSA, ECDSA (P-256, P-384, P-521) and Ed25519.
//!
//! Like client-go's `keyutil.ParsePublicKeysPEM`, every PEM block that holds a key (private key
//! in PKCS#1, SEC1 or PKCS#8 form, public key in PKIX form, or a certificate) contributes one
//! public key; other blocks are skipped. A key's default id is kube-apiserver's: base64url of the
//! SHA-256 of its DER `SubjectPublicKeyInfo`.

use std::sync::Arc;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, ParsedPublicKey, RsaKeyPair, UnparsedPublicKey,
    VerificationAlgorithm,
};
use base64::Engine as _;
use x509_parser::prelude::FromDer as _;

use crate::algorithm::Algorithm;

/// Why a key cannot be made or used.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// No PEM block held a supported public key.
    #[error("data does not contain any valid RSA or ECDSA public keys")]
    NoPublicKeys,
    /// No PEM block held a supported private key.
    #[error("data does not contain a valid RSA or ECDSA private key")]
    NoPrivateKey,
    /// Keys are generated for RS256, ES256, ES384, ES512 and EdDSA only.
    #[error("cannot generate a key for {0}")]
    UnsupportedAlgorithm(Algorithm),
    /// The crypto library refused to generate, encode or sign.
    #[error("signing failed")]
    Signing,
}

/// The kind of a key, which fixes the JWS algorithms it can verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Rsa,
    EcP256,
    EcP384,
    EcP521,
    Ed25519,
}

impl KeyKind {
    /// The algorithm tokens signed by a key of this kind carry.
    fn default_algorithm(self) -> Algorithm {
        match self {
            KeyKind::Rsa => Algorithm::RS256,
            KeyKind::EcP256 => Algorithm::ES256,
            KeyKind::EcP384 => Algorithm::ES384,
            KeyKind::EcP521 => Algorithm::ES512,
            KeyKind::Ed25519 => Algorithm::EdDSA,
        }
    }

    /// The verification algorithm for `alg` with a key of this kind; `None` when they do not fit.
    fn verification(self, alg: Algorithm) -> Option<&'static dyn VerificationAlgorithm> {
        Some(match (self, alg) {
            (KeyKind::Rsa, Algorithm::RS256) => &signature::RSA_PKCS1_2048_8192_SHA256,
            (KeyKind::Rsa, Algorithm::RS384) => &signature::RSA_PKCS1_2048_8192_SHA384,
            (KeyKind::Rsa, Algorithm::RS512) => &signature::RSA_PKCS1_2048_8192_SHA512,
            (KeyKind::Rsa, Algorithm::PS256) => &signature::RSA_PSS_2048_8192_SHA256,
            (KeyKind::Rsa, Algorithm::PS384) => &signature::RSA_PSS_2048_8192_SHA384,
            (KeyKind::Rsa, Algorithm::PS512) => &signature::RSA_PSS_2048_8192_SHA512,
            (KeyKind::EcP256, Algorithm::ES256) => &signature::ECDSA_P256_SHA256_FIXED,
            (KeyKind::EcP384, Algorithm::ES384) => &signature::ECDSA_P384_SHA384_FIXED,
            (KeyKind::EcP521, Algorithm::ES512) => &signature::ECDSA_P521_SHA512_FIXED,
            (KeyKind::Ed25519, Algorithm::EdDSA) => &signature::ED25519,
            _ => return None,
        })
    }
}

/// A public key that verifies JWS signatures.
#[derive(Debug, Clone)]
pub struct VerificationKey {
    kind: KeyKind,
    spki: Vec<u8>,
    key_id: String,
    /// The key parsed once for its default algorithm (the one every verification nearly always
    /// uses), so a verification does not parse the key again.
    parsed: Arc<ParsedPublicKey>,
}

impl PartialEq for VerificationKey {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.spki == other.spki && self.key_id == other.key_id
    }
}

impl Eq for VerificationKey {}

impl VerificationKey {
    /// Builds a key from a DER `SubjectPublicKeyInfo` (RSA, ECDSA P-256/P-384/P-521, Ed25519).
    pub fn from_spki_der(spki: &[u8]) -> Option<Self> {
        let kinds = [
            KeyKind::Rsa,
            KeyKind::EcP256,
            KeyKind::EcP384,
            KeyKind::EcP521,
            KeyKind::Ed25519,
        ];
        for kind in kinds {
            let alg = kind.verification(kind.default_algorithm())?;
            if kind == KeyKind::Ed25519 && spki.len() == 32 {
                // A raw Ed25519 key is not a SubjectPublicKeyInfo.
                continue;
            }
            if let Ok(parsed) = ParsedPublicKey::new(alg, spki) {
                // Re-marshal like Go's x509.MarshalPKIXPublicKey so the key id is canonical.
                let der = parsed.as_der().ok()?;
                let spki = der.as_ref().to_vec();
                return Some(Self {
                    kind,
                    key_id: key_id(&spki),
                    spki,
                    parsed: Arc::new(parsed),
                });
            }
        }
        None
    }

    /// The same key under another key id (`kid`).
    pub fn with_key_id(mut self, key_id: impl Into<String>) -> Self {
        self.key_id = key_id.into();
        self
    }

    /// The key id (`kid` header) of tokens this key verifies.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The DER `SubjectPublicKeyInfo`.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// The JWS algorithm tokens signed by this key's private half carry.
    pub fn algorithm(&self) -> Algorithm {
        self.kind.default_algorithm()
    }

    /// Whether a token with algorithm `alg` can be verified by this key.
    pub fn fits(&self, alg: Algorithm) -> bool {
        self.kind.verification(alg).is_some()
    }

    pub(crate) fn kind(&self) -> KeyKind {
        self.kind
    }

    /// Verifies a JWS signature made with `alg` over `message`. An algorithm that does not fit
    /// the key fails, as in go-jose; the error is go-jose's wording.
    pub fn verify(&self, alg: &str, message: &[u8], sig: &[u8]) -> Result<(), String> {
        let unexpected =
            || format!("go-jose/go-jose: unexpected signature algorithm {alg:?} for this key");
        let algorithm: Algorithm = alg.parse().map_err(|_| unexpected())?;
        let verification = self.kind.verification(algorithm).ok_or_else(unexpected)?;
        let result = if algorithm == self.kind.default_algorithm() {
            self.parsed.verify_sig(message, sig)
        } else {
            UnparsedPublicKey::new(verification, &self.spki).verify(message, sig)
        };
        result.map_err(|_| "go-jose/go-jose: error in cryptographic primitive".to_string())
    }
}

/// kube-apiserver's key id: base64url (unpadded) of the SHA-256 of the DER
/// `SubjectPublicKeyInfo`.
pub fn key_id(spki_der: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, spki_der);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// Parses every key of a PEM file (`--service-account-key-file`): public keys, certificates and
/// private keys (whose public half is used), in file order.
pub fn parse_verification_keys(pem: &str) -> Result<Vec<VerificationKey>, KeyError> {
    let mut keys = Vec::new();
    for (_, block) in crate::pem::blocks(pem) {
        if let Some(private) = PrivateKey::from_der(&block) {
            keys.push(private.public);
            continue;
        }
        let spki = match x509_parser::certificate::X509Certificate::from_der(&block) {
            Ok((_, cert)) => cert.tbs_certificate.subject_pki.raw.to_vec(),
            Err(_) => block,
        };
        if let Some(key) = VerificationKey::from_spki_der(&spki) {
            keys.push(key);
        }
    }
    if keys.is_empty() {
        return Err(KeyError::NoPublicKeys);
    }
    Ok(keys)
}

enum Signer {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

struct PrivateKey {
    signer: Signer,
    public: VerificationKey,
}

impl PrivateKey {
    fn from_der(der: &[u8]) -> Option<Self> {
        if let Ok(pair) = RsaKeyPair::from_der(der).or_else(|_| RsaKeyPair::from_pkcs8(der)) {
            return Self::new(Signer::Rsa(pair));
        }
        let curves: [&'static signature::EcdsaSigningAlgorithm; 3] = [
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
            &signature::ECDSA_P521_SHA512_FIXED_SIGNING,
        ];
        for alg in curves {
            if let Ok(pair) = EcdsaKeyPair::from_private_key_der(alg, der)
                .or_else(|_| EcdsaKeyPair::from_pkcs8(alg, der))
            {
                return Self::new(Signer::Ec(pair));
            }
        }
        if let Ok(pair) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
            return Self::new(Signer::Ed25519(pair));
        }
        None
    }

    fn new(signer: Signer) -> Option<Self> {
        let spki = match &signer {
            Signer::Rsa(pair) => pair.public_key().as_der().ok()?.as_ref().to_vec(),
            Signer::Ec(pair) => pair.public_key().as_der().ok()?.as_ref().to_vec(),
            Signer::Ed25519(pair) => pair.public_key().as_der().ok()?.as_ref().to_vec(),
        };
        let public = VerificationKey::from_spki_der(&spki)?;
        Some(Self { signer, public })
    }

    fn pkcs8_der(&self) -> Option<Vec<u8>> {
        match &self.signer {
            Signer::Rsa(pair) => {
                let der: Pkcs8V1Der<'static> = pair.as_der().ok()?;
                Some(der.as_ref().to_vec())
            }
            Signer::Ec(pair) => Some(pair.to_pkcs8v1().ok()?.as_ref().to_vec()),
            Signer::Ed25519(pair) => Some(pair.to_pkcs8v1().ok()?.as_ref().to_vec()),
        }
    }
}

/// A private key that signs tokens: RSA → RS256, ECDSA P-256 → ES256 (P-384 → ES384,
/// P-521 → ES512), Ed25519 → EdDSA, as kube-apiserver and the identity provider sign.
pub struct SigningKey {
    key: PrivateKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm())
            .field("key_id", &self.key_id())
            .finish()
    }
}

impl SigningKey {
    /// Parses the first private key of a PEM file (PKCS#1, SEC1 or PKCS#8).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        crate::pem::blocks(pem)
            .iter()
            .find_map(|(_, der)| PrivateKey::from_der(der))
            .map(|key| Self { key })
            .ok_or(KeyError::NoPrivateKey)
    }

    /// Generates a new key for `alg`: RS256 → RSA 2048, ES256/ES384/ES512 → P-256/P-384/P-521,
    /// EdDSA → Ed25519.
    pub fn generate(alg: Algorithm) -> Result<Self, KeyError> {
        let signer = match alg {
            Algorithm::RS256 => {
                Signer::Rsa(RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError::Signing)?)
            }
            Algorithm::ES256 => Signer::Ec(
                EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING)
                    .map_err(|_| KeyError::Signing)?,
            ),
            Algorithm::ES384 => Signer::Ec(
                EcdsaKeyPair::generate(&signature::ECDSA_P384_SHA384_FIXED_SIGNING)
                    .map_err(|_| KeyError::Signing)?,
            ),
            Algorithm::ES512 => Signer::Ec(
                EcdsaKeyPair::generate(&signature::ECDSA_P521_SHA512_FIXED_SIGNING)
                    .map_err(|_| KeyError::Signing)?,
            ),
            Algorithm::EdDSA => {
                Signer::Ed25519(Ed25519KeyPair::generate().map_err(|_| KeyError::Signing)?)
            }
            other => return Err(KeyError::UnsupportedAlgorithm(other)),
        };
        PrivateKey::new(signer)
            .map(|key| Self { key })
            .ok_or(KeyError::Signing)
    }

    /// The private key as a PKCS#8 PEM block (`PRIVATE KEY`). Secret: write it only to files of
    /// mode 0600.
    pub fn to_pkcs8_pem(&self) -> Result<String, KeyError> {
        let der = self.key.pkcs8_der().ok_or(KeyError::Signing)?;
        Ok(crate::pem::encode("PRIVATE KEY", &der))
    }

    /// The same key under another key id (`kid`).
    pub fn with_key_id(mut self, key_id: impl Into<String>) -> Self {
        self.key.public = self.key.public.with_key_id(key_id);
        self
    }

    /// The key id (`kid` header) of tokens this key signs.
    pub fn key_id(&self) -> &str {
        self.key.public.key_id()
    }

    /// The JWS algorithm (`alg` header) of tokens this key signs.
    pub fn algorithm(&self) -> Algorithm {
        self.key.public.algorithm()
    }

    /// The public half, e.g. for the JWKS document or to verify what this key signed.
    pub fn public_key(&self) -> &VerificationKey {
        &self.key.public
    }

    /// Signs `message` with this key's algorithm.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let rng = SystemRandom::new();
        match &self.key.signer {
            Signer::Rsa(pair) => {
                let mut sig = vec![0; pair.public_modulus_len()];
                pair.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut sig)
                    .map_err(|_| KeyError::Signing)?;
                Ok(sig)
            }
            Signer::Ec(pair) => pair
                .sign(&rng, message)
                .map(|sig| sig.as_ref().to_vec())
                .map_err(|_| KeyError::Signing),
            Signer::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
        }
    }
}

#[cfg(test)]
mod tests;
