//! Single-use authorization codes (RFC 6749 §4.1.2: at most once, and a second use revokes what
//! the first issued) and device codes (RFC 8628).

use serde::{Deserialize, Serialize};

use super::error::{ErrorCode, OAuthError};
use super::pkce::{self, Challenge};

/// What an authorization code stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeGrant {
    /// The client it was issued to.
    pub client_id: String,
    /// The redirect_uri of the authorization request.
    pub redirect_uri: String,
    /// The SSO session.
    pub session_id: String,
    /// The user.
    pub user_id: String,
    /// The granted scope.
    pub scope: String,
    /// The request's nonce.
    pub nonce: Option<String>,
    /// The PKCE challenge.
    pub challenge: Option<Challenge>,
    /// When it expires.
    pub expires_at: u64,
    /// The refresh family started when it was redeemed (set on first use).
    pub family: Option<String>,
    /// Redeemed already.
    pub used: bool,
}

/// The outcome of redeeming a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeOutcome {
    /// Good: issue tokens.
    Valid,
    /// Refused.
    Refused(OAuthError),
    /// Used before: refused, and the family it started (if any) must be revoked.
    Replayed(Option<String>),
}

impl CodeGrant {
    /// Redeems the code at the token endpoint; marks it used when valid.
    pub fn redeem(
        &mut self,
        client_id: &str,
        redirect_uri: Option<&str>,
        verifier: Option<&str>,
        now: u64,
    ) -> CodeOutcome {
        if self.used {
            return CodeOutcome::Replayed(self.family.clone());
        }
        if self.client_id != client_id {
            return CodeOutcome::Refused(OAuthError::invalid_grant("Code not valid"));
        }
        if now >= self.expires_at {
            self.used = true;
            return CodeOutcome::Refused(OAuthError::invalid_grant("Code not valid"));
        }
        if redirect_uri != Some(self.redirect_uri.as_str()) {
            return CodeOutcome::Refused(OAuthError::invalid_grant("Incorrect redirect_uri"));
        }
        if let Err(e) = pkce::check_verifier(self.challenge.as_ref(), verifier) {
            self.used = true;
            return CodeOutcome::Refused(e);
        }
        self.used = true;
        CodeOutcome::Valid
    }
}

/// A device authorization (RFC 8628) waiting for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceGrant {
    /// The client that asked.
    pub client_id: String,
    /// The code the user types (`WDJB-MJHT`).
    pub user_code: String,
    /// The granted scope.
    pub scope: String,
    /// When it expires.
    pub expires_at: u64,
    /// Minimum seconds between polls.
    pub interval: u64,
    /// The last poll.
    pub last_poll: Option<u64>,
    /// Approved by this session and user, or denied.
    pub decision: Option<Result<(String, String), ()>>,
}

impl DeviceGrant {
    /// A poll at the token endpoint: `Ok((session, user))` once approved.
    pub fn poll(&mut self, client_id: &str, now: u64) -> Result<(String, String), OAuthError> {
        if self.client_id != client_id {
            return Err(OAuthError::invalid_grant("Device code not valid"));
        }
        if now >= self.expires_at {
            return Err(OAuthError::new(
                ErrorCode::ExpiredToken,
                "Device code is expired",
            ));
        }
        let too_fast = self
            .last_poll
            .is_some_and(|last| now < last.saturating_add(self.interval));
        self.last_poll = Some(now);
        match &self.decision {
            Some(Ok(approved)) => Ok(approved.clone()),
            Some(Err(())) => Err(OAuthError::new(
                ErrorCode::AccessDenied,
                "The end user denied the authorization request",
            )),
            None if too_fast => Err(OAuthError::new(ErrorCode::SlowDown, "Slow down")),
            None => Err(OAuthError::new(
                ErrorCode::AuthorizationPending,
                "The authorization request is still pending",
            )),
        }
    }
}

/// What a user code stands for: its device code, while the grant lasts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserCode {
    /// The device code of the grant.
    pub device_code: String,
    /// When the grant expires.
    pub expires_at: u64,
}

/// A user code from 8 random bytes: 8 letters of RFC 8628 §6.1's consonant alphabet, shown as
/// `XXXX-XXXX`.
pub fn user_code(random: &[u8; 8]) -> String {
    const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
    let letters: String = random
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &letters[..4], &letters[4..])
}

/// A typed user code normalized for lookup (case and dashes ignored).
pub fn normalize_user_code(typed: &str) -> String {
    let letters: String = typed
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if letters.len() == 8 {
        format!("{}-{}", &letters[..4], &letters[4..])
    } else {
        letters
    }
}

#[cfg(test)]
mod tests;
