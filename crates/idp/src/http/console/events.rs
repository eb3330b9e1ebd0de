//! The console's event log: what each admin changed, newest first, the last 1,000 changes since
//! the provider started (Keycloak's admin events; login events are not recorded yet).

use std::collections::VecDeque;
use std::sync::Mutex;

/// How many events are kept.
pub const KEPT: usize = 1000;

/// One change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Seconds since the epoch.
    pub time: u64,
    /// Who made it (the admin's username).
    pub admin: String,
    /// The realm it changed.
    pub realm: String,
    /// `CREATE`, `UPDATE` or `DELETE`, as Keycloak's admin events.
    pub operation: &'static str,
    /// What changed, e.g. `client ops` or `user test: password reset`.
    pub resource: String,
}

/// The log.
#[derive(Debug, Default)]
pub struct EventLog {
    events: Mutex<VecDeque<Event>>,
}

impl EventLog {
    /// Records a change, dropping the oldest past [`KEPT`].
    pub fn record(&self, event: Event) {
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        events.push_front(event);
        events.truncate(KEPT);
    }

    /// The events of a realm, newest first.
    pub fn of_realm(&self, realm: &str) -> Vec<Event> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|e| e.realm == realm)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests;
