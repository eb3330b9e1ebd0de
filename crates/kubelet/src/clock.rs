//! The lab node's one place that reads the clock; the pure modules take `now` as an argument.

use std::time::SystemTime;

use k8s_openapi::jiff::Timestamp;

/// The current time.
#[allow(clippy::disallowed_methods)] // The node's I/O layer is where the clock is read.
pub fn now() -> Timestamp {
    Timestamp::try_from(SystemTime::now()).unwrap_or(Timestamp::UNIX_EPOCH)
}
