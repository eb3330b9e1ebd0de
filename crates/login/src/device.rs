//! The device authorization grant (RFC 8628): ask for a code, show the verification URL and the
//! user code on stderr, poll the token endpoint at the given interval, slower on `slow_down`.

use std::time::Duration;

use serde::Deserialize;

use crate::browser::{self, BrowserOptions};
use crate::cache::TokenSet;
use crate::http::{self, HttpError};
use crate::session::Session;
use crate::token::{self, Grant, TokenError};

#[cfg(test)]
mod tests;

/// The polling interval when the provider gives none (RFC 8628 3.2).
pub const DEFAULT_INTERVAL: u64 = 5;
/// How much `slow_down` adds to the interval (RFC 8628 3.5).
pub const SLOW_DOWN_STEP: u64 = 5;

/// Why the device flow failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceError {
    /// The provider has no device authorization endpoint.
    #[error(
        "the provider does not support the device authorization grant (no device_authorization_endpoint in its discovery document)"
    )]
    Unsupported,
    /// The device authorization request failed.
    #[error("authorization error: {0}")]
    Authorization(HttpError),
    /// The answer names no verification URI.
    #[error("no verification URI in the authorization response")]
    NoVerificationUri,
    /// The code expired before the user finished.
    #[error("device-code: exchange failed: the device code expired after {0} seconds")]
    Expired(u64),
    /// The token request failed (`access_denied`, `expired_token`, a bad token).
    #[error("device-code: exchange failed: {0}")]
    Token(#[from] TokenError),
}

/// The device authorization response.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeviceAuthorization {
    /// `device_code`.
    pub device_code: String,
    /// `user_code`.
    pub user_code: String,
    /// `verification_uri`.
    #[serde(default)]
    pub verification_uri: Option<String>,
    /// `verification_uri_complete`.
    #[serde(default)]
    pub verification_uri_complete: Option<String>,
    /// `verification_url` (Google's older name).
    #[serde(default)]
    pub verification_url: Option<String>,
    /// `expires_in`, seconds.
    #[serde(default)]
    pub expires_in: Option<u64>,
    /// `interval`, seconds.
    #[serde(default)]
    pub interval: Option<u64>,
}

/// What to do after a token request answered with an OAuth error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Poll {
    /// Ask again after this many seconds.
    Again(u64),
    /// Give up with the error.
    Stop,
}

/// The next step after `error` at `interval` seconds.
pub fn next_poll(error: &str, interval: u64) -> Poll {
    match error {
        "authorization_pending" => Poll::Again(interval),
        "slow_down" => Poll::Again(interval + SLOW_DOWN_STEP),
        _ => Poll::Stop,
    }
}

/// Runs the device flow.
pub async fn device_flow(
    session: &Session,
    browser_options: &BrowserOptions,
) -> Result<TokenSet, DeviceError> {
    let endpoint = session
        .metadata
        .device_authorization_endpoint
        .as_deref()
        .ok_or(DeviceError::Unsupported)?;
    let client = session.provider.client();
    let mut form = vec![("scope", session.provider.scope())];
    let request = token::authenticate(session.http.post(endpoint), &client, &mut form);
    let authorization: DeviceAuthorization = http::send_json(request.form(&form))
        .await
        .map_err(DeviceError::Authorization)?;
    let uri = authorization
        .verification_uri_complete
        .clone()
        .or_else(|| authorization.verification_uri.clone())
        .or_else(|| authorization.verification_url.clone())
        .ok_or(DeviceError::NoVerificationUri)?;
    eprintln!(
        "Please enter the following code when asked in your browser: {}",
        authorization.user_code
    );
    let opened = browser::open(&uri, browser_options);
    let result = poll(session, &authorization).await;
    let _ = tokio::task::spawn_blocking(move || opened.wait(Duration::from_secs(10))).await;
    result
}

async fn poll(
    session: &Session,
    authorization: &DeviceAuthorization,
) -> Result<TokenSet, DeviceError> {
    let expires_in = authorization.expires_in.unwrap_or(600);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(expires_in);
    let mut interval = authorization.interval.unwrap_or(DEFAULT_INTERVAL).max(1);
    let grant = Grant::DeviceCode(authorization.device_code.clone());
    loop {
        tokio::time::sleep(Duration::from_secs(interval)).await;
        if tokio::time::Instant::now() >= deadline {
            return Err(DeviceError::Expired(expires_in));
        }
        match session.exchange(&grant, None, None).await {
            Ok(tokens) => return Ok(tokens),
            Err(TokenError::Http(HttpError::OAuth(oauth))) => {
                match next_poll(&oauth.error, interval) {
                    Poll::Again(next) => interval = next,
                    Poll::Stop => return Err(TokenError::Http(HttpError::OAuth(oauth)).into()),
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
}
