//! A realm's keys: the active signature key signs access and ID tokens, the active HS512 secret
//! signs refresh tokens (as Keycloak's `hmac-generated-hs512` key; never published). Retired
//! keys stay published in the JWKS (and keep verifying) until every token they signed has
//! expired, then are dropped.

use kubeward_jose::Algorithm;
use kubeward_jose::jwk::JwkSet;
use kubeward_jose::keys::{KeyError, SigningKey, VerificationKey};
use kubeward_jose::secret::{HS512, SecretKey};

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
    /// No key signs (or no secret signs refresh tokens).
    #[error("the realm has no active signing key")]
    NoActiveKey,
    /// An unknown algorithm name (or HS512, which only signs refresh tokens).
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
    refresh: SecretKey,
    refresh_verification: Vec<SecretKey>,
    jwks: String,
}

impl Keyring {
    /// Loads the keys still alive at `now`: retired keys live `keep_after_retirement` seconds
    /// (the longest lifetime of a token they signed). The newest signature key and the newest
    /// secret not retired sign.
    pub fn load(
        stored: &[StoredKey],
        keep_after_retirement: u64,
        now: u64,
    ) -> Result<Self, KeyringError> {
        let (mut active, mut refresh) = (None, None);
        let (mut verification, mut refresh_verification) = (Vec::new(), Vec::new());
        for key in stored {
            if key
                .retired
                .is_some_and(|r| now >= r.saturating_add(keep_after_retirement))
            {
                continue;
            }
            let unreadable = |e: KeyError| KeyringError::Stored {
                kid: key.kid.clone(),
                message: e.to_string(),
            };
            if key.is_secret() {
                let secret =
                    SecretKey::from_base64(key.kid.clone(), &key.secret).map_err(unreadable)?;
                refresh_verification.push(secret.clone());
                if key.retired.is_none() {
                    refresh = Some(secret);
                }
                continue;
            }
            let signing = SigningKey::from_pem(&key.private_pem)
                .map_err(unreadable)?
                .with_key_id(key.kid.clone());
            verification.push(signing.public_key().clone());
            if key.retired.is_none() {
                active = Some(signing);
            }
        }
        let (Some(active), Some(refresh)) = (active, refresh) else {
            return Err(KeyringError::NoActiveKey);
        };
        let jwks = serde_json::to_string(&JwkSet {
            keys: verification.iter().map(VerificationKey::to_jwk).collect(),
        })
        .map_err(|e| KeyringError::Generate(e.to_string()))?;
        Ok(Self {
            active,
            verification,
            refresh,
            refresh_verification,
            jwks,
        })
    }

    /// The key that signs access and ID tokens.
    pub fn active(&self) -> &SigningKey {
        &self.active
    }

    /// Every published key.
    pub fn verification(&self) -> &[VerificationKey] {
        &self.verification
    }

    /// The secret that signs refresh tokens.
    pub fn refresh(&self) -> &SecretKey {
        &self.refresh
    }

    /// Every secret whose refresh tokens may still be alive.
    pub fn refresh_verification(&self) -> &[SecretKey] {
        &self.refresh_verification
    }

    /// Whether a key of this id verifies (a signature key or a secret).
    pub fn knows(&self, kid: &str) -> bool {
        self.verification.iter().any(|k| k.key_id() == kid)
            || self.refresh_verification.iter().any(|k| k.key_id() == kid)
    }

    /// The JWKS document (`certs`): signature keys only.
    pub fn jwks(&self) -> &str {
        &self.jwks
    }
}

impl StoredKey {
    /// Whether this is the refresh-token secret rather than a signature key.
    pub fn is_secret(&self) -> bool {
        self.algorithm == HS512
    }
}

/// Generates a signature key for `algorithm` (`RS256` default) as a [`StoredKey`] with kube's
/// key id.
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
        secret: String::new(),
        created: now,
        retired: None,
    })
}

/// Generates a refresh-token secret (HS512, 512 bits, a uuid as key id as Keycloak names it).
pub fn generate_secret(now: u64) -> Result<StoredKey, KeyringError> {
    let key = SecretKey::generate(uuid::Uuid::new_v4().to_string())
        .map_err(|e| KeyringError::Generate(e.to_string()))?;
    Ok(StoredKey {
        kid: key.key_id().to_string(),
        algorithm: HS512.to_string(),
        private_pem: String::new(),
        secret: key.to_base64(),
        created: now,
        retired: None,
    })
}

#[cfg(test)]
mod tests;
