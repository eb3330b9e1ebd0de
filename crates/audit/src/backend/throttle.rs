//! The pace of batches: a token bucket as Go's `rate.Limiter` (`--audit-<plugin>-batch-throttle-qps`
//! tokens a second, at most `-burst` saved, full at the start); each batch takes a token and waits
//! when none is left.

use std::time::{Duration, Instant};

/// A token bucket.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Option<Instant>,
}

impl TokenBucket {
    /// `qps` tokens a second, at most `burst` saved.
    pub fn new(qps: f32, burst: u32) -> Self {
        Self {
            rate: f64::from(qps),
            burst: f64::from(burst),
            tokens: f64::from(burst),
            last: None,
        }
    }

    /// Takes a token at `now`; how long to wait before using it.
    pub fn reserve(&mut self, now: Instant) -> Duration {
        if let Some(last) = self.last {
            let elapsed = now.saturating_duration_since(last).as_secs_f64();
            self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        }
        self.last = Some(now);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 || self.rate <= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.rate)
        }
    }
}

#[cfg(test)]
mod tests;
