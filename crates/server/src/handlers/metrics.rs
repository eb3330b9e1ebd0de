//! `/metrics`: the server's metrics in Prometheus' OpenMetrics text, behind RBAC as
//! kube-apiserver serves them (the non-resource URL `/metrics`, `get`), with what is read at
//! scrape time (requests in flight, the audit backends' counts).

use http::Response;
use kubeward_audit::backend::Plugin;

use super::context::Context;
use crate::codec::respond::{self, Body};
use crate::metrics::{CONTENT_TYPE, Snapshot};

/// Answers `GET /metrics`.
pub fn serve(context: &Context<'_>) -> Response<Body> {
    let state = context.state;
    let (inflight_read_only, inflight_mutating) = state.inflight.in_flight();
    let mut snapshot = Snapshot {
        inflight_read_only,
        inflight_mutating,
        ..Snapshot::default()
    };
    if let Some(audit) = &state.audit {
        let counters = audit.counters();
        snapshot.audit_events = counters.events();
        snapshot.audit_errors = Plugin::ALL.map(|plugin| counters.errors(plugin));
    }
    respond::with(
        200,
        CONTENT_TYPE,
        respond::full(
            state
                .metrics
                .render(snapshot, &state.config.metrics_sources),
        ),
    )
}

#[cfg(test)]
mod tests;
