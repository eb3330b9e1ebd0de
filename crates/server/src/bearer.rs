//! The bearer token presented to a peer (a webhook, a gateway's upstream): fixed, or read from
//! its file again when the last read is older than a minute, as client-go's cached file token
//! source does for `tokenFile` and a pod's ServiceAccount token (kubelet rotates that file). A
//! file that cannot be read (or is empty) keeps the last token.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::Endpoint;

/// How long a token read from a file is used before the file is read again.
pub const REREAD_AFTER: Duration = Duration::from_secs(60);

/// Where the token comes from.
pub struct BearerToken {
    file: Option<PathBuf>,
    cached: Mutex<Option<(String, Instant)>>,
}

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerToken")
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl BearerToken {
    /// The token of `endpoint` (its `bearer_token`, re-read from `bearer_token_file`).
    pub fn new(endpoint: &Endpoint) -> Self {
        Self {
            file: endpoint.bearer_token_file.clone(),
            cached: Mutex::new(endpoint.bearer_token.clone().map(|t| (t, Instant::now()))),
        }
    }

    /// The token to present now (`None`: no token).
    pub fn current(&self) -> Option<String> {
        self.current_at(Instant::now())
    }

    fn current_at(&self, now: Instant) -> Option<String> {
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        let Some(file) = &self.file else {
            return cached.as_ref().map(|(token, _)| token.clone());
        };
        let fresh = cached
            .as_ref()
            .is_some_and(|(_, at)| now.saturating_duration_since(*at) < REREAD_AFTER);
        if !fresh {
            match std::fs::read_to_string(file) {
                Ok(text) if !text.trim().is_empty() => {
                    *cached = Some((text.trim().to_string(), now));
                }
                Ok(_) => {
                    tracing::warn!(file = %file.display(), "bearer token file is empty; keeping the last token")
                }
                Err(error) => {
                    tracing::warn!(file = %file.display(), %error, "reading the bearer token file failed; keeping the last token")
                }
            }
        }
        cached.as_ref().map(|(token, _)| token.clone())
    }
}

#[cfg(test)]
mod tests;
