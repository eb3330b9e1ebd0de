//! The count of stored objects per resource (`apiserver_storage_objects`), kept from the
//! store's events: one more for each object added, one fewer for each deleted, zero again before
//! a relist.

use kubeward_store::{EventType, WatchEvent};

use super::controller::Controller;
use crate::state::State;

/// Counts objects.
pub struct ObjectCounts;

impl Controller for ObjectCounts {
    fn name(&self) -> &'static str {
        "object-counts"
    }

    fn watches(&self, _key: &kubeward_store::ObjectKey) -> bool {
        true
    }

    fn reset(&self, state: &State) {
        state.metrics.reset_objects();
    }

    fn handle(&self, state: &State, event: &WatchEvent) {
        let delta = match event.kind {
            EventType::Added => 1,
            EventType::Deleted => -1,
            EventType::Modified => return,
        };
        let key = &event.key;
        if key.group.is_empty() {
            state.metrics.objects(&key.resource, delta);
        } else {
            state
                .metrics
                .objects(&format!("{}.{}", key.resource, key.group), delta);
        }
    }
}
