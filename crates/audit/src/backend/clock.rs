//! The backends' one clock read: the time a log file is rotated at.

use std::time::SystemTime;

/// Now.
#[allow(clippy::disallowed_methods)] // The I/O half of the crate is where the clock is read.
pub fn now() -> SystemTime {
    SystemTime::now()
}
