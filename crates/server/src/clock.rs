//! The server's one place that reads the clock; everything below it takes `now` as an argument.

use std::time::SystemTime;

use time::OffsetDateTime;

/// The current time, for the pure crates' `now` arguments.
#[allow(clippy::disallowed_methods)] // The server layer is where the clock is read.
pub fn system_now() -> SystemTime {
    SystemTime::now()
}

/// The current time in UTC, for timestamps and ages.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::from(system_now())
}
