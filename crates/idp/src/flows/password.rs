//! Password hashing with argon2id (RFC 9106), PHC strings in the store. Verification of an
//! unknown user runs against a fixed dummy hash so that both answers take the same time.

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Why a password could not be hashed or a stored hash read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordError {
    /// The salt or parameters were refused by argon2.
    #[error("cannot hash the password: {0}")]
    Hash(String),
    /// A stored hash is not a PHC string argon2 can read.
    #[error("the stored password hash is unreadable: {0}")]
    Stored(String),
}

/// The argon2id parameters of new hashes: OWASP's first choice (m = 19 MiB, t = 2, p = 1),
/// which is also argon2's default and Keycloak 24+'s `argon2` provider's strength class.
pub fn params() -> Params {
    Params::default()
}

fn hasher(params: Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Checks a new password chosen on the update-password page against its confirmation; the
/// error is Keycloak's message.
pub fn check_new(new: &str, confirm: &str) -> Result<(), &'static str> {
    if new.is_empty() {
        Err("Please specify password.")
    } else if new != confirm {
        Err("Passwords don't match.")
    } else {
        Ok(())
    }
}

/// Hashes `password` with a 16-byte `salt` (random, from the caller) into a PHC string.
pub fn hash(password: &str, salt: &[u8; 16]) -> Result<String, PasswordError> {
    hash_with(password, salt, params())
}

/// [`hash`] with explicit parameters (tests and benchmarks use small ones).
pub fn hash_with(password: &str, salt: &[u8; 16], params: Params) -> Result<String, PasswordError> {
    let salt = SaltString::encode_b64(salt).map_err(|e| PasswordError::Hash(e.to_string()))?;
    hasher(params)
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches the stored PHC string. `None` (no such user, no password) is
/// checked against a dummy hash of the same cost and is always false.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let dummy;
    let phc = match stored {
        Some(phc) => phc,
        None => {
            dummy = dummy_hash();
            dummy.as_str()
        }
    };
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let ok = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    ok && stored.is_some()
}

/// A hash with the current parameters of a password nobody knows (its salt is fixed, which is
/// harmless: it only spends time).
fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| {
            hash("\u{0}kubeward-no-such-user", &[7u8; 16]).unwrap_or_else(|_| String::new())
        })
        .clone()
}

#[cfg(test)]
mod tests;
