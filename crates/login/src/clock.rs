//! The plugin's one place that reads the clock; every check below takes `now` as an argument.

use std::time::SystemTime;

/// The current time in seconds since the Unix epoch.
#[allow(clippy::disallowed_methods)] // The I/O edge of the plugin is where the clock is read.
pub fn unix_now() -> i64 {
    match SystemTime::now().duration_since(SystemTime::UNIX_EPOCH) {
        Ok(elapsed) => i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    }
}
