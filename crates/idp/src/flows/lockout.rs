//! Brute-force detection as Keycloak's default (`BruteForceProtector`, temporary lockout): every
//! `failure_factor` consecutive failures lock the user for `wait_increment × (failures /
//! failure_factor)` seconds, at most `max_wait`; failures are forgotten after `max_delta` without
//! one, and a success resets them.

/// The policy (from the realm settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Off: never lock.
    pub enabled: bool,
    /// Failures per step.
    pub failure_factor: u32,
    /// Lockout per step, seconds.
    pub wait_increment: u64,
    /// Longest lockout, seconds.
    pub max_wait: u64,
    /// Failures are forgotten after this long without one.
    pub max_delta: u64,
}

/// A user's recent failures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Failures {
    /// Consecutive failures.
    pub count: u32,
    /// Time of the last one.
    pub last: u64,
    /// Locked until this time.
    pub locked_until: u64,
}

impl Failures {
    /// Whether a login attempt is refused now without checking the password.
    pub fn locked(&self, policy: &Policy, now: u64) -> bool {
        policy.enabled && now < self.locked_until
    }

    /// Records a failed attempt.
    pub fn fail(&mut self, policy: &Policy, now: u64) {
        if !policy.enabled {
            return;
        }
        if self.count > 0 && now.saturating_sub(self.last) > policy.max_delta {
            *self = Self::default();
        }
        self.count += 1;
        self.last = now;
        let factor = policy.failure_factor.max(1);
        if self.count.is_multiple_of(factor) {
            let steps = u64::from(self.count / factor);
            let wait = policy
                .wait_increment
                .saturating_mul(steps)
                .min(policy.max_wait);
            self.locked_until = now.saturating_add(wait);
        }
    }

    /// Records a success.
    pub fn succeed(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests;
