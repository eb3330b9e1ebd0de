//! When kube-apiserver calls a webhook again (`webhook.DefaultShouldRetry`) and how long it
//! waits in between (`DefaultRetryBackoffWithInitialDelay(500ms)`: ×1.5 each time, up to 20 %
//! jitter, five attempts in all). A webhook that refuses connections is not retried: only a
//! connection reset, 500, 504, 429 or an answer with `Retry-After` are.

use std::time::Duration;

/// How a call to a webhook failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// No HTTP answer: `reset` when an established connection was reset or lost (retried),
    /// otherwise refused, unreachable, a TLS failure or a timeout (not retried).
    Transport {
        /// The connection was reset or lost mid-exchange.
        reset: bool,
    },
    /// An HTTP answer that is not a success.
    Status {
        /// The HTTP status code.
        code: u16,
        /// Whether the answer asks for a retry (`Retry-After`).
        retry_after: bool,
    },
}

/// Whether kube-apiserver tries again after `failure`.
pub fn should_retry(failure: Failure) -> bool {
    match failure {
        Failure::Transport { reset } => reset,
        Failure::Status { code, retry_after } => matches!(code, 500 | 504 | 429) || retry_after,
    }
}

/// The retry schedule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The first wait.
    pub initial: Duration,
    /// How much each wait grows.
    pub factor: f64,
    /// The largest extra fraction added to a wait at random.
    pub jitter: f64,
    /// Attempts in all.
    pub steps: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(500),
            factor: 1.5,
            jitter: 0.2,
            steps: 5,
        }
    }
}

impl Backoff {
    /// The wait after attempt `attempt` (0 for the first) failed, `None` when it was the last;
    /// `random` in `[0, 1)` picks the jitter.
    pub fn wait_after(&self, attempt: u32, random: f64) -> Option<Duration> {
        if attempt + 1 >= self.steps {
            return None;
        }
        let base = self.initial.as_secs_f64() * self.factor.powi(attempt as i32);
        let jittered = base + random.clamp(0.0, 1.0) * self.jitter * base;
        Some(Duration::from_secs_f64(jittered))
    }
}

#[cfg(test)]
mod tests;
