//! A realm's signing keys: the active key signs, retired keys stay published in the JWKS (and
//! keep verifying) until every token they signed has expired, then are dropped.

use kubeward_jose::Algorithm;
use kubeward_jose::jwk::JwkSet;
use kubeward_jose::keys::{KeyError, SigningKey, VerificationKey};

use crate::directory::StoredKey;

/// Why keys could not be loaded or made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyringError {
    /// A stored key does not parse.
    #[error("signing key {kid}: {message}")]
    Stored {
        /// The key.
        kid: String,
        /// Why.
        message: String,
    },
    /// No key signs.
    #[error("the realm has no active signing key")]
    NoActiveKey,
    /// An unknown algorithm name.
    #[error("unsupported signature algorithm {0:?} (RS256, PS256, ES256, ES384, EdDSA)")]
    Algorithm(String),
    /// Key generation failed.
    #[error("key generation: {0}")]
    Generate(String),
}

/// The loaded keys of one realm.
#[derive(Debug)]
pub struct Keyring {
    active: SigningKey,
    verification: Vec<VerificationKey>,
    jwks: String,
}

impl Keyring {
    /// Loads the keys still alive at `now`: retired keys live `keep_after_retirement` seconds
    /// (the longest lifetime of a token they signed). The newest key not retired signs.
    pub fn load(
        stored: &[StoredKey],
        keep_after_retirement: u64,
        now: u64,
    ) -> Result<Self, KeyringError> {
        let mut active = None;
        let mut verification = Vec::new();
        for key in stored {
            if key
                .retired
                .is_some_and(|r| now >= r.saturating_add(keep_after_retirement))
            {
                continue;
            }
            let signing = SigningKey::from_pem(&key.private_pem)
                .map_err(|e| KeyringError::Stored {
                    kid: key.kid.clone(),
                    message: e.to_string(),
                })?
                .with_key_id(key.kid.clone());
            verification.push(signing.public_key().clone());
            if key.retired.is_none() {
                active = Some(signing);
            }
        }
        let active = active.ok_or(KeyringError::NoActiveKey)?;
        let jwks = serde_json::to_string(&JwkSet {
            keys: verification.iter().map(VerificationKey::to_jwk).collect(),
        })
        .map_err(|e| KeyringError::Generate(e.to_string()))?;
        Ok(Self {
            active,
            verification,
            jwks,
        })
    }

    /// The key that signs.
    pub fn active(&self) -> &SigningKey {
        &self.active
    }

    /// Every published key.
    pub fn verification(&self) -> &[VerificationKey] {
        &self.verification
    }

    /// The JWKS document (`certs`).
    pub fn jwks(&self) -> &str {
        &self.jwks
    }
}

/// Generates a key for `algorithm` (`RS256` default) as a [`StoredKey`] with kube's key id.
pub fn generate(algorithm: &str, now: u64) -> Result<StoredKey, KeyringError> {
    let alg: Algorithm = algorithm
        .parse()
        .map_err(|_| KeyringError::Algorithm(algorithm.to_string()))?;
    let key =
        SigningKey::generate(alg).map_err(|e: KeyError| KeyringError::Generate(e.to_string()))?;
    let pem = key
        .to_pkcs8_pem()
        .map_err(|e| KeyringError::Generate(e.to_string()))?;
    Ok(StoredKey {
        kid: key.key_id().to_string(),
        algorithm: alg.as_str().to_string(),
        private_pem: pem,
        created: now,
        retired: None,
    })
}

#[cfg(test)]
mod tests;
