//! Keeps the server's FlowSchema index (`crate::flow_schemas`) in step with the stored
//! FlowSchemas and PriorityLevelConfigurations: any change of either rebuilds it (there are a
//! dozen of them). Every replica runs it: each classifies its own requests.

use kubeward_store::{ObjectKey, StoreExt as _, WatchEvent};

use super::controller::{Controller, is};
use crate::flow_schemas::FlowSchemas;
use crate::registry::kinds::flowcontrol;
use crate::state::State;

/// The FlowSchema index's controller.
pub struct FlowSchemaIndex;

impl Controller for FlowSchemaIndex {
    fn name(&self) -> &'static str {
        "flowschema-index"
    }

    fn watches(&self, key: &ObjectKey) -> bool {
        is(key, "flowcontrol.apiserver.k8s.io", "flowschemas")
            || is(
                key,
                "flowcontrol.apiserver.k8s.io",
                "prioritylevelconfigurations",
            )
    }

    fn handle(&self, state: &State, _event: &WatchEvent) {
        rebuild(state);
    }

    fn synced(&self, state: &State) {
        rebuild(state);
    }
}

/// Reads every FlowSchema and priority level and replaces the index.
fn rebuild(state: &State) {
    let list = |kind: &crate::registry::kinds::Kind| {
        state
            .store
            .list_all(&kind.scope(""))
            .map(|listing| listing.items)
            .unwrap_or_default()
    };
    let schemas = list(flowcontrol::flow_schemas());
    let levels = list(flowcontrol::priority_levels());
    state.set_flow_schemas(FlowSchemas::new(&schemas, &levels));
}
