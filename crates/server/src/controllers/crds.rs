//! Serves what the stored CustomResourceDefinitions define (`registry::custom`): every
//! definition event updates the custom kinds, in revision order, on every replica — before the
//! write of the definition answers, so that discovery shows its kinds at once.

use kubeward_store::{EventType, ObjectKey, WatchEvent};

use super::controller::{Controller, is};
use crate::registry::custom;
use crate::registry::kinds::apiextensions::GROUP;
use crate::state::State;

/// The controller of the served custom kinds.
pub struct CustomKinds;

impl Controller for CustomKinds {
    fn name(&self) -> &'static str {
        "custom-kinds"
    }

    fn watches(&self, key: &ObjectKey) -> bool {
        is(key, GROUP, "customresourcedefinitions")
    }

    fn reset(&self, _state: &State) {
        custom::clear();
    }

    fn handle(&self, _state: &State, event: &WatchEvent) {
        if event.kind == EventType::Deleted {
            custom::forget(&event.key.name);
        } else {
            custom::observe(&event.object);
        }
    }
}
