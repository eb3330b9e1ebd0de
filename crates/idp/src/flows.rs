//! The grants as pure state machines: no clock, no randomness, no I/O of their own. Callers hand
//! in `now` (seconds since the epoch) and random bytes, and get decisions, claims and the state
//! to keep back.
//!
//! - `error`: RFC 6749 error codes with Keycloak's descriptions.
//! - `password`: argon2id hashing and verification.
//! - `pkce`: RFC 7636 S256 and plain.
//! - `redirect`: redirect_uri matching (exact, Keycloak's trailing `*`, any loopback port).
//! - `client_auth`: client_secret_post / client_secret_basic / public clients.
//! - `claims`: the id, access and refresh token claims Keycloak issues.
//! - `refresh`: refresh token families with rotation and reuse detection.
//! - `codes`: single-use authorization codes, device codes.
//! - `lockout`: brute-force detection with back-off.
//! - `totp`: RFC 6238 one-time passwords (Keycloak's default policy).
//! - `web_origins`: the browser origins a client's answers are shared with (CORS).
//! - `ldap`: LDAP user federation: settings, filters, what an entry makes of a user and groups.
//! - `broker`: identity brokering: the upstream request, its ID token's checks, the identity it
//!   brings, the first login's user and the identity provider mappers.

pub mod broker;
pub mod claims;
pub mod client_auth;
pub mod codes;
pub mod error;
pub mod ldap;
pub mod lockout;
pub mod password;
pub mod pkce;
pub mod redirect;
pub mod refresh;
pub mod totp;
pub mod web_origins;
