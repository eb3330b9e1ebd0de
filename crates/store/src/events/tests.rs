use serde_json::json;

use super::*;
use crate::ObjectKey;

fn event(kind: EventType) -> WatchEvent {
    WatchEvent {
        kind,
        key: ObjectKey {
            group: "rbac.authorization.k8s.io".to_string(),
            resource: "rolebindings".to_string(),
            namespace: Some("team".to_string()),
            name: "readers".to_string(),
        },
        revision: 42,
        object: json!({"metadata": {"name": "readers", "resourceVersion": "42"}}),
    }
}

#[test]
fn events_round_trip_with_what_they_replaced() {
    let previous = json!({"metadata": {"name": "readers", "resourceVersion": "41"}});
    for kind in [EventType::Added, EventType::Modified, EventType::Deleted] {
        let event = event(kind);
        let replaced = (kind != EventType::Added).then_some(&previous);
        let bytes = encode_event(&event, replaced).unwrap();
        assert_eq!(
            decode_event(42, &bytes).unwrap(),
            StoredEvent {
                event,
                previous: Some(replaced.cloned()),
            }
        );
    }
}

#[test]
fn events_of_earlier_versions_have_no_previous_object() {
    let key = "g\u{0}r\u{0}ns\u{0}n";
    let bytes = json!({"type": "ADDED", "key": key, "object": {}})
        .to_string()
        .into_bytes();
    assert_eq!(decode_event(1, &bytes).unwrap().previous, None);
}

#[test]
fn the_revision_comes_from_the_table_key() {
    let bytes = encode_event(&event(EventType::Added), None).unwrap();
    assert_eq!(decode_event(7, &bytes).unwrap().event.revision, 7);
}

#[test]
fn corrupt_events_are_backend_errors() {
    let key = "g\u{0}r\u{0}ns\u{0}n";
    for bytes in [
        b"not json".to_vec(),
        json!([1, 2]).to_string().into_bytes(),
        json!({"type": "BOOKMARK", "key": key, "object": {}})
            .to_string()
            .into_bytes(),
        json!({"type": "ADDED", "key": "no-separators", "object": {}})
            .to_string()
            .into_bytes(),
        json!({"type": "ADDED", "key": key})
            .to_string()
            .into_bytes(),
        json!({"type": "ADDED", "key": key, "object": "text"})
            .to_string()
            .into_bytes(),
        json!({"type": "ADDED", "key": key, "object": {}, "previous": 3})
            .to_string()
            .into_bytes(),
    ] {
        assert!(
            matches!(decode_event(1, &bytes), Err(StoreError::Backend(_))),
            "{}",
            String::from_utf8_lossy(&bytes)
        );
    }
}
