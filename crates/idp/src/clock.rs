//! The one clock read of the identity provider: everything below takes `now` as a value.

/// Seconds since the Unix epoch.
#[allow(clippy::disallowed_methods)]
pub fn now() -> u64 {
    system_now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The current time, for timestamps finer than seconds (audit events).
#[allow(clippy::disallowed_methods)]
pub fn system_now() -> std::time::SystemTime {
    std::time::SystemTime::now()
}
