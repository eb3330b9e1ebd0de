//! Events: kubectl's columns of core `v1` Events (`printEvent`), and the `events.k8s.io/v1`
//! kind, whose fields are the same event's under their newer names (stored apart here; a
//! kube-apiserver keeps both versions as one object).

use k8s_openapi::api::events::v1 as types;
use kubeward_core::validation::NameRule;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Kind, Plain, Serving, schema_of};
use crate::registry::printing::{self, Column, NAME, column, int, text};

/// kubectl's event columns: the server always computes the wide ones.
pub const COLUMNS: &[Column] = &[
    column("Last Seen", "string", 0),
    column("Type", "string", 0),
    column("Reason", "string", 0),
    column("Object", "string", 0),
    column("Subobject", "string", 1),
    column("Source", "string", 1),
    column("Message", "string", 0),
    column("First Seen", "string", 1),
    column("Count", "string", 1),
    Column {
        priority: 1,
        ..NAME
    },
];

/// The kinds of the events.k8s.io group.
pub const KINDS: &[Kind] = &[Kind {
    group: "events.k8s.io",
    version: "v1",
    resource: "events",
    kind: "Event",
    namespaced: true,
    serving: Serving::Stored,
    subresources: &[],
    name_rule: NameRule::Dns1123Subdomain,
    columns: COLUMNS,
    cells: new_event_cells,
    schema: Some(schema_of::<types::Event>()),
    field_labels: None,
    strategy: &Plain,
}];

/// The field names of one event version.
struct Fields {
    first: &'static str,
    last: &'static str,
    count: &'static str,
    object: &'static str,
    source: &'static str,
    message: &'static str,
}

const CORE: Fields = Fields {
    first: "/firstTimestamp",
    last: "/lastTimestamp",
    count: "/count",
    object: "/involvedObject",
    source: "/source",
    message: "/message",
};

const NEW: Fields = Fields {
    first: "/deprecatedFirstTimestamp",
    last: "/deprecatedLastTimestamp",
    count: "/deprecatedCount",
    object: "/regarding",
    source: "/deprecatedSource",
    message: "/note",
};

/// `printEvent` of a core event.
pub fn core_event_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    cells(object, now, &CORE)
}

fn new_event_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    cells(object, now, &NEW)
}

fn cells(object: &Value, now: OffsetDateTime, fields: &Fields) -> Vec<Value> {
    let present = |pointer: &str| object.pointer(pointer).is_some_and(|v| !v.is_null());
    let first = if present(fields.first) {
        printing::since(object, fields.first, now)
    } else {
        printing::since(object, "/eventTime", now)
    };
    let mut last = if present(fields.last) {
        printing::since(object, fields.last, now)
    } else {
        first.clone()
    };
    let mut count = int(object, fields.count);
    if present("/series") {
        last = printing::since(object, "/series/lastObservedTime", now);
        count = int(object, "/series/count");
    } else if count == 0 {
        count = 1;
    }
    let kind = text(object, &format!("{}/kind", fields.object)).to_lowercase();
    let name = text(object, &format!("{}/name", fields.object));
    let target = if name.is_empty() {
        kind
    } else {
        format!("{kind}/{name}")
    };
    let first_of = |a: String, b: String| if a.is_empty() { b } else { a };
    let component = first_of(
        text(object, &format!("{}/component", fields.source)),
        text(object, "/reportingController"),
    );
    let instance = first_of(
        text(object, &format!("{}/host", fields.source)),
        text(object, "/reportingInstance"),
    );
    let source = if instance.is_empty() {
        component
    } else {
        format!("{component}, {instance}")
    };
    vec![
        json!(last),
        json!(text(object, "/type")),
        json!(text(object, "/reason")),
        json!(target),
        json!(text(object, &format!("{}/fieldPath", fields.object))),
        json!(source),
        json!(text(object, fields.message).trim()),
        json!(first),
        json!(count),
        printing::name(object),
    ]
}

#[cfg(test)]
mod tests;
