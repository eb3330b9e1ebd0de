//! PKCE (RFC 7636): checking a `code_challenge` when the code is requested and the
//! `code_verifier` when it is redeemed, with Keycloak's error descriptions.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::{ErrorCode, OAuthError};

/// A challenge the authorization endpoint accepted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Challenge {
    /// `S256` or `plain`.
    pub method: String,
    /// The `code_challenge`.
    pub value: String,
}

/// Whether `s` is a verifier or challenge of RFC 7636's alphabet and length (43–128).
fn well_formed(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Checks the authorization request's PKCE parameters. `required` is the client's required
/// method (Keycloak's `pkce.code.challenge.method`).
pub fn check_request(
    challenge: Option<&str>,
    method: Option<&str>,
    required: Option<&str>,
) -> Result<Option<Challenge>, OAuthError> {
    let Some(value) = challenge.filter(|c| !c.is_empty()) else {
        if required.is_some() {
            return Err(OAuthError::invalid_request(
                "Missing parameter: code_challenge",
            ));
        }
        return Ok(None);
    };
    let method = method.filter(|m| !m.is_empty()).unwrap_or("plain");
    if method != "S256" && method != "plain" {
        return Err(OAuthError::invalid_request(
            "Invalid parameter: code challenge method is not supported",
        ));
    }
    if let Some(required) = required
        && required != method
    {
        return Err(OAuthError::invalid_request(
            "Invalid parameter: code challenge method is not configured one",
        ));
    }
    if !well_formed(value) {
        return Err(OAuthError::invalid_request(
            "Invalid parameter: code_challenge",
        ));
    }
    Ok(Some(Challenge {
        method: method.to_string(),
        value: value.to_string(),
    }))
}

/// The S256 challenge of a verifier: BASE64URL(SHA256(verifier)).
pub fn s256(verifier: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// Checks the token request's `code_verifier` against the stored challenge.
pub fn check_verifier(
    challenge: Option<&Challenge>,
    verifier: Option<&str>,
) -> Result<(), OAuthError> {
    let Some(challenge) = challenge else {
        return Ok(());
    };
    let Some(verifier) = verifier.filter(|v| !v.is_empty()) else {
        return Err(OAuthError::new(
            ErrorCode::InvalidGrant,
            "PKCE code verifier not specified",
        ));
    };
    if !well_formed(verifier) {
        return Err(OAuthError::invalid_grant("PKCE invalid code verifier"));
    }
    let computed = if challenge.method == "S256" {
        s256(verifier)
    } else {
        verifier.to_string()
    };
    if !constant_time_eq(computed.as_bytes(), challenge.value.as_bytes()) {
        return Err(OAuthError::invalid_grant("PKCE verification failed"));
    }
    Ok(())
}

/// Equality that does not stop at the first difference.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}

#[cfg(test)]
mod tests;
