//! Time-based one-time passwords (RFC 6238) as Keycloak's default OTP policy: HMAC-SHA1, 6
//! digits, 30-second period, one step of clock skew either way.

use totp_rs::{Algorithm, Secret, TOTP};

/// Keycloak's OTP policy as a `TOTP` for a base32 secret (`None` when it does not decode).
fn totp(secret_base32: &str, issuer: Option<String>, account: String) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_string()).to_bytes().ok()?;
    Some(TOTP::new_unchecked(
        Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        issuer,
        account,
    ))
}

/// Whether `code` is the password of `secret` at `now` (±1 period).
pub fn verify(secret_base32: &str, code: &str, now: u64) -> bool {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    totp(secret_base32, None, String::new()).is_some_and(|t| t.check(code, now))
}

/// The password of `secret` at `now` (tests and enrolment checks).
pub fn generate(secret_base32: &str, now: u64) -> Option<String> {
    totp(secret_base32, None, String::new()).map(|t| t.generate(now))
}

/// A base32 secret from 20 random bytes (160 bits, RFC 4226's recommendation).
pub fn secret(random: &[u8; 20]) -> String {
    Secret::Raw(random.to_vec()).to_encoded().to_string()
}

/// The `otpauth://totp/...` URI an authenticator app scans.
pub fn otpauth_uri(secret_base32: &str, issuer: &str, account: &str) -> Option<String> {
    totp(secret_base32, Some(issuer.to_string()), account.to_string()).map(|t| t.get_url())
}

#[cfg(test)]
mod tests;
