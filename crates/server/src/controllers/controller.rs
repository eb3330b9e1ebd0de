//! The shape of a controller: the kinds it watches and what it does with one event.

use kubeward_store::{ObjectKey, WatchEvent};

use crate::state::State;

/// A controller, handed the store's events in revision order by the driver.
pub trait Controller: Send + Sync {
    /// Its name, for logs.
    fn name(&self) -> &'static str;

    /// Whether it watches the object at `key` (cheap: asked for every event).
    fn watches(&self, key: &ObjectKey) -> bool;

    /// Before the store is listed again from the start: forget what was derived from it.
    fn reset(&self, state: &State) {
        let _ = state;
    }

    /// One event. Objects found by a (re)list come as `Added` events. Must be idempotent: an
    /// object may be handed again after a relist.
    fn handle(&self, state: &State, event: &WatchEvent);

    /// After the objects of a (re)list were handled.
    fn synced(&self, state: &State) {
        let _ = state;
    }

    /// Every [`TICK`] between events, for what the passing of time alone changes (CronJob
    /// schedules).
    fn tick(&self, state: &State) {
        let _ = state;
    }
}

/// How often the driver asks its controllers to [`Controller::tick`].
pub const TICK: std::time::Duration = std::time::Duration::from_secs(5);

/// Whether `key` is of the kind `group`/`resource`.
pub fn is(key: &ObjectKey, group: &str, resource: &str) -> bool {
    key.group == group && key.resource == resource
}
