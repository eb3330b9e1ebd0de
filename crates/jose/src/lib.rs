//! JOSE for kubeward, pure: the keys that sign and verify JSON Web Tokens (RSA, ECDSA and
//! Ed25519 through aws-lc-rs, and HS512 secrets for an issuer's own refresh tokens), JSON Web
//! Keys and key sets (RFC 7517), and the compact JWS serialization (RFC 7515) as go-jose reads
//! and writes it.
//!
//! Used by the API server's authenticators (ServiceAccount and OIDC tokens), the identity
//! provider (signing, JWKS) and the login plugin. No I/O, no clock, no async runtime; the only
//! randomness is key generation and the signing nonce of ECDSA.
#![forbid(unsafe_code)]

mod algorithm;
pub mod jwk;
pub mod jws;
pub mod keys;
pub mod pem;
pub mod secret;

pub use algorithm::{Algorithm, UnknownAlgorithm};
pub use jwk::{Jwk, JwkError, JwkSet};
pub use jws::{Compact, JwsError};
pub use keys::{KeyError, SigningKey, VerificationKey, key_id, parse_verification_keys};
pub use secret::SecretKey;

#[cfg(test)]
mod fuzz;
