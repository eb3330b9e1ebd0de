//! A token request as the token endpoint receives it: the form and the `Authorization` header.

use std::collections::HashMap;

use crate::flows::error::OAuthError;

/// The device grant's `grant_type`.
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// A token request: the form (each parameter once) and the `Authorization` header.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    /// Form parameters.
    pub form: HashMap<String, String>,
    /// `Authorization` header value.
    pub authorization: Option<String>,
}

impl TokenRequest {
    /// Whether the request is quick enough to answer on an async worker: the client_credentials
    /// and refresh_token grants hash no password and write nothing before answering (a rotation
    /// is written in the background from the in-memory session; only a detected reuse writes its
    /// revocation at once, and a session missing from memory is read from the store). A hop to a
    /// blocking thread would cost more than they do and let dozens of them compete for the
    /// cores; the other grants (argon2, store writes) go to blocking threads.
    pub fn runs_inline(&self) -> bool {
        matches!(
            self.get("grant_type"),
            Some("client_credentials" | "refresh_token")
        )
    }

    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.form.get(name).map(String::as_str)
    }

    pub(super) fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| OAuthError::missing(name))
    }
}
