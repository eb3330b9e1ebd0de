//! Events as kube-controller-manager's recorders write them (client-go's `record` package with
//! the core/v1 Events sink): `<object>.<nanoseconds in hex>` in the object's namespace, the
//! object as `involvedObject`, `source.component` and `reportingComponent` naming the
//! controller, `count: 1` and the first and last timestamps of now. `kubectl describe` and
//! `kubectl get events` show them. Repeats are not aggregated.

use serde_json::{Value, json};

use super::writer::{controller_user, create};
use crate::registry::kinds::{self, Kind};
use crate::registry::objects;
use crate::state::State;

/// A `Normal` event.
pub const NORMAL: &str = "Normal";
/// A `Warning` event.
pub const WARNING: &str = "Warning";

/// The event object `component` records about `object` (of `kind`) at `now_nanos`.
pub fn event(
    component: &str,
    kind: &Kind,
    object: &Value,
    (event_type, reason, message): (&str, &str, &str),
    now_nanos: i128,
) -> Value {
    let namespace = match objects::namespace(object) {
        "" => "default",
        namespace => namespace,
    };
    let time = objects::timestamp(
        time::OffsetDateTime::from_unix_timestamp_nanos(now_nanos)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
    );
    let mut involved = json!({
        "kind": kind.kind,
        "name": objects::name(object),
        "uid": object.pointer("/metadata/uid").cloned().unwrap_or(Value::Null),
        "apiVersion": kind.api_version(),
        "resourceVersion": objects::resource_version(object),
    });
    if kind.namespaced {
        involved["namespace"] = json!(objects::namespace(object));
    }
    json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": format!("{}.{:x}", objects::name(object), now_nanos),
            "namespace": namespace,
        },
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "source": {"component": component},
        "firstTimestamp": time,
        "lastTimestamp": time,
        "count": 1,
        "type": event_type,
        "eventTime": null,
        "reportingComponent": component,
        "reportingInstance": "",
    })
}

/// Records a `Normal` event by `component` about `object`; a failure is logged, not returned
/// (an event is never worth failing the controller's work).
pub fn record(
    state: &State,
    component: &str,
    kind: &Kind,
    object: &Value,
    reason: &str,
    message: &str,
) {
    record_typed(state, component, kind, object, (NORMAL, reason, message));
}

/// Records an event of `event_type` (`Normal`, `Warning`) by `component` about `object`.
pub fn record_typed(
    state: &State,
    component: &str,
    kind: &Kind,
    object: &Value,
    (event_type, reason, message): (&str, &str, &str),
) {
    let Some(events) = kinds::find("", "v1", "events") else {
        return;
    };
    let now = crate::clock::now().unix_timestamp_nanos();
    let object = event(component, kind, object, (event_type, reason, message), now);
    let namespace = objects::namespace(&object).to_string();
    let user = controller_user(service_account(component));
    if let Err(error) = create(state, &user, events, &namespace, object) {
        tracing::debug!(message = %error.message, component, reason, "event not recorded");
    }
}

/// The ServiceAccount a controller writes with: its component's name, but for the DaemonSet
/// controller, whose account kube names `daemon-set-controller`.
fn service_account(component: &str) -> &str {
    match component {
        "daemonset-controller" => "daemon-set-controller",
        other => other,
    }
}

#[cfg(test)]
mod tests;
