//! ServiceAccount token keys: the PEM files of `--service-account-key-file` (verification) and
//! `--service-account-signing-key-file` (signing), and kube-apiserver's key id.
//!
//! Like client-go's `keyutil.ParsePublicKeysPEM`, every PEM block that holds an RSA or ECDSA key
//! (private key in PKCS#1, SEC1 or PKCS#8 form, public key in PKIX form, or a certificate)
//! contributes one public key; other blocks are skipped.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair, UnparsedPublicKey};
use base64::Engine as _;
use x509_parser::prelude::FromDer as _;

/// Why a key file cannot be used.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// No PEM block held an RSA or ECDSA key.
    #[error("data does not contain any valid RSA or ECDSA public keys")]
    NoPublicKeys,
    /// The signing key file holds no usable private key.
    #[error("data does not contain a valid RSA or ECDSA private key")]
    NoPrivateKey,
    /// The crypto library refused to sign.
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
}

/// A public key that verifies ServiceAccount tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationKey {
    kind: KeyKind,
    spki: Vec<u8>,
    key_id: String,
}

impl VerificationKey {
    /// Builds a key from a DER `SubjectPublicKeyInfo` (RSA or ECDSA P-256/P-384/P-521).
    pub fn from_spki_der(spki: &[u8]) -> Option<Self> {
        let candidates: [(KeyKind, &'static dyn signature::VerificationAlgorithm); 4] = [
            (KeyKind::Rsa, &signature::RSA_PKCS1_2048_8192_SHA256),
            (KeyKind::EcP256, &signature::ECDSA_P256_SHA256_FIXED),
            (KeyKind::EcP384, &signature::ECDSA_P384_SHA384_FIXED),
            (KeyKind::EcP521, &signature::ECDSA_P521_SHA512_FIXED),
        ];
        for (kind, alg) in candidates {
            if let Ok(parsed) = signature::ParsedPublicKey::new(alg, spki) {
                // Re-marshal like Go's x509.MarshalPKIXPublicKey so the key id is canonical.
                let der = parsed.as_der().ok()?;
                let spki = der.as_ref().to_vec();
                return Some(Self {
                    kind,
                    key_id: key_id(&spki),
                    spki,
                });
            }
        }
        None
    }

    /// kube-apiserver's key id of this key (the JWT header `kid`).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The DER `SubjectPublicKeyInfo`.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// The JWS algorithm tokens signed by this key's private half carry.
    pub fn algorithm(&self) -> &'static str {
        match self.kind {
            KeyKind::Rsa => "RS256",
            KeyKind::EcP256 => "ES256",
            KeyKind::EcP384 => "ES384",
            KeyKind::EcP521 => "ES512",
        }
    }

    /// Verifies a JWS signature made with `alg` over `message`. An algorithm that does not fit
    /// the key fails, as in go-jose.
    pub(crate) fn verify(&self, alg: &str, message: &[u8], sig: &[u8]) -> Result<(), String> {
        let algorithm: &'static dyn signature::VerificationAlgorithm = match (self.kind, alg) {
            (KeyKind::Rsa, "RS256") => &signature::RSA_PKCS1_2048_8192_SHA256,
            (KeyKind::Rsa, "RS384") => &signature::RSA_PKCS1_2048_8192_SHA384,
            (KeyKind::Rsa, "RS512") => &signature::RSA_PKCS1_2048_8192_SHA512,
            (KeyKind::Rsa, "PS256") => &signature::RSA_PSS_2048_8192_SHA256,
            (KeyKind::Rsa, "PS384") => &signature::RSA_PSS_2048_8192_SHA384,
            (KeyKind::Rsa, "PS512") => &signature::RSA_PSS_2048_8192_SHA512,
            (KeyKind::EcP256, "ES256") => &signature::ECDSA_P256_SHA256_FIXED,
            (KeyKind::EcP384, "ES384") => &signature::ECDSA_P384_SHA384_FIXED,
            (KeyKind::EcP521, "ES512") => &signature::ECDSA_P521_SHA512_FIXED,
            _ => {
                return Err(format!(
                    "go-jose/go-jose: unexpected signature algorithm {alg:?} for this key"
                ));
            }
        };
        UnparsedPublicKey::new(algorithm, &self.spki)
            .verify(message, sig)
            .map_err(|_| "go-jose/go-jose: error in cryptographic primitive".to_string())
    }
}

/// kube-apiserver's key id: base64url (unpadded) of the SHA-256 of the DER
/// `SubjectPublicKeyInfo`.
pub fn key_id(spki_der: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, spki_der);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// Parses every RSA/ECDSA key of a PEM file (`--service-account-key-file`): public keys,
/// certificates and private keys (whose public half is used), in file order.
pub fn parse_verification_keys(pem: &str) -> Result<Vec<VerificationKey>, KeyError> {
    let mut keys = Vec::new();
    for block in pem_blocks(pem) {
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

/// The DER contents of every PEM block, in order; text around blocks is ignored.
pub(crate) fn pem_blocks(pem: &str) -> Vec<Vec<u8>> {
    pem_blocks_labelled(pem)
        .into_iter()
        .map(|(_, der)| der)
        .collect()
}

/// The label and DER contents of every PEM block, in order.
pub(crate) fn pem_blocks_labelled(pem: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for block in x509_parser::pem::Pem::iter_from_buffer(pem.as_bytes()) {
        match block {
            Ok(block) => out.push((block.label, block.contents)),
            Err(_) => break,
        }
    }
    out
}

enum Signer {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

struct PrivateKey {
    signer: Signer,
    public: VerificationKey,
}

impl PrivateKey {
    fn from_der(der: &[u8]) -> Option<Self> {
        if let Ok(pair) = RsaKeyPair::from_der(der).or_else(|_| RsaKeyPair::from_pkcs8(der)) {
            let spki = pair.public_key().as_der().ok()?;
            let public = VerificationKey::from_spki_der(spki.as_ref())?;
            return Some(Self {
                signer: Signer::Rsa(pair),
                public,
            });
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
                let spki = pair.public_key().as_der().ok()?;
                let public = VerificationKey::from_spki_der(spki.as_ref())?;
                return Some(Self {
                    signer: Signer::Ec(pair),
                    public,
                });
            }
        }
        None
    }
}

/// The private key that signs ServiceAccount tokens (`--service-account-signing-key-file`):
/// RSA → RS256, ECDSA P-256 → ES256 (P-384 → ES384, P-521 → ES512), as kube-apiserver.
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
        pem_blocks(pem)
            .iter()
            .find_map(|der| PrivateKey::from_der(der))
            .map(|key| Self { key })
            .ok_or(KeyError::NoPrivateKey)
    }

    /// The key id (`kid` header) of tokens this key signs.
    pub fn key_id(&self) -> &str {
        self.key.public.key_id()
    }

    /// The JWS algorithm (`alg` header) of tokens this key signs.
    pub fn algorithm(&self) -> &'static str {
        self.key.public.algorithm()
    }

    /// The public half, e.g. for the JWKS document or to verify what this key signed.
    pub fn public_key(&self) -> &VerificationKey {
        &self.key.public
    }

    /// Signs `message` with this key's algorithm.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
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
        }
    }
}

#[cfg(test)]
mod tests;
