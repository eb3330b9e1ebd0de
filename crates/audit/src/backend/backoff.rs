//! The webhook's retries, as client-go's `webhook.WithExponentialBackoff` runs them with
//! `DefaultRetryBackoffWithInitialDelay`: at most 5 attempts, pausing the initial backoff, then
//! 1.5 times longer each time, each pause stretched by up to 20 % at random; and
//! `DefaultShouldRetry`'s choice of which failures are worth another attempt.

use std::fmt;
use std::time::Duration;

/// kube-apiserver's `--audit-webhook-initial-backoff` default.
pub const DEFAULT_INITIAL_BACKOFF: Duration = Duration::from_secs(10);

/// The pauses between attempts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The first pause.
    pub initial: Duration,
    /// How much longer each next pause is.
    pub factor: f64,
    /// The most a pause is stretched at random, as a fraction of it.
    pub jitter: f64,
    /// Attempts at most.
    pub steps: u32,
}

impl Backoff {
    /// client-go's webhook backoff from `initial`.
    pub fn from_initial(initial: Duration) -> Self {
        Self {
            initial,
            factor: 1.5,
            jitter: 0.2,
            steps: 5,
        }
    }

    /// The pause after `failed` failed attempts (from 1), with `random` in `[0, 1)` choosing the
    /// stretch; `None` when no attempt is left.
    pub fn pause(&self, failed: u32, random: f64) -> Option<Duration> {
        if failed == 0 || failed >= self.steps {
            return None;
        }
        let exponent = i32::try_from(failed - 1).unwrap_or(i32::MAX);
        let base = self.initial.as_secs_f64() * self.factor.powi(exponent);
        Some(Duration::from_secs_f64(
            base + random.clamp(0.0, 1.0) * self.jitter * base,
        ))
    }
}

/// Why an attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The receiver answered with a status that is not 2xx.
    Status {
        /// The HTTP status.
        code: u16,
        /// Whether the answer carried `Retry-After`.
        retry_after: bool,
        /// The start of the answer's body.
        body: String,
    },
    /// The connection was reset.
    Reset(String),
    /// Anything else: refused, unreachable, TLS, timeout of the connection.
    Other(String),
}

impl Failure {
    /// `DefaultShouldRetry`: a reset connection, an internal error (5xx but 503), a timeout
    /// (504), too many requests (429), or any answer that asks to come back later
    /// (`Retry-After`).
    pub fn should_retry(&self) -> bool {
        match self {
            Failure::Reset(_) => true,
            Failure::Other(_) => false,
            Failure::Status {
                code, retry_after, ..
            } => *retry_after || *code == 429 || (*code >= 500 && *code != 503),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Status { code, body, .. } if body.is_empty() => {
                write!(f, "the server responded with the status code {code}")
            }
            Failure::Status { code, body, .. } => {
                write!(
                    f,
                    "the server responded with the status code {code}: {body}"
                )
            }
            Failure::Reset(message) | Failure::Other(message) => f.write_str(message),
        }
    }
}

#[cfg(test)]
mod tests;
