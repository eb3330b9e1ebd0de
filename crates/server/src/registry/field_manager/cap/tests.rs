use serde_json::json;

use super::*;
use crate::registry::field_manager::fieldpath::{PathElement, Set};

fn entry(manager: &str, version: &str, second: u32, field: &str) -> Entry {
    let mut fields = Set::new();
    fields.insert(&[
        PathElement::Field("data".into()),
        PathElement::Field(field.into()),
    ]);
    Entry {
        manager: manager.to_string(),
        operation: UPDATE.to_string(),
        api_version: version.to_string(),
        time: Some(format!("2026-12-05T10:00:{second:02}Z")),
        subresource: String::new(),
        fields,
    }
}

fn names(entries: &[Entry]) -> Vec<String> {
    entries.iter().map(|e| e.manager.clone()).collect()
}

#[test]
fn ten_update_managers_are_kept() {
    let mut entries: Vec<Entry> = (0..10)
        .map(|i| entry(&format!("m{i}"), "v1", i, &format!("k{i}")))
        .collect();
    let before = entries.clone();
    cap_update_managers(&mut entries, MAX_UPDATE_MANAGERS);
    assert_eq!(entries, before);
}

#[test]
fn the_oldest_updates_of_a_version_merge_into_ancient_changes() {
    let mut entries: Vec<Entry> = (0..12)
        .map(|i| entry(&format!("m{i:02}"), "v1", i, &format!("k{i}")))
        .collect();
    // An applier does not count.
    let mut applier = entry("kubectl", "v1", 0, "x");
    applier.operation = "Apply".to_string();
    entries.push(applier);
    cap_update_managers(&mut entries, MAX_UPDATE_MANAGERS);
    assert_eq!(
        names(&entries),
        [
            "ancient-changes",
            "m03",
            "m04",
            "m05",
            "m06",
            "m07",
            "m08",
            "m09",
            "m10",
            "m11",
            "kubectl"
        ]
    );
    let bucket = &entries[0];
    assert_eq!(bucket.time.as_deref(), Some("2026-12-05T10:00:02Z"));
    assert_eq!(
        bucket.fields.to_fields_v1(),
        json!({"f:data": {"f:k0": {}, "f:k1": {}, "f:k2": {}}})
    );
}

#[test]
fn the_first_old_entry_of_each_version_stays_until_a_second_comes() {
    // Oldest: a (v1), b (v2), c (v1): a and c merge, b stays as it is.
    let mut entries = vec![
        entry("a", "v1", 0, "a"),
        entry("b", "v2", 1, "b"),
        entry("c", "v1", 2, "c"),
        entry("d", "v1", 3, "d"),
    ];
    cap_update_managers(&mut entries, 3);
    assert_eq!(names(&entries), ["ancient-changes", "b", "d"]);
    assert_eq!(entries[0].api_version, "v1");
}

/// An entry of kube's `TestCapUpdateManagers`: fields `a`, `b`… at the top level, time `hour`.
fn kube(manager: &str, version: &str, hour: u32, fields: &[&str]) -> Entry {
    let mut set = Set::new();
    for field in fields {
        set.insert(&[PathElement::Field((*field).into())]);
    }
    Entry {
        manager: manager.to_string(),
        operation: UPDATE.to_string(),
        api_version: version.to_string(),
        time: Some(format!("2026-12-05T{hour:02}:00:00Z")),
        subresource: String::new(),
        fields: set,
    }
}

fn sorted(entries: &[Entry]) -> serde_json::Value {
    super::super::encode(entries)
}

#[test]
fn kube_cap_update_managers_table() {
    let cases = [
        (
            vec![
                kube("update-manager1", "v1", 1, &["a"]),
                kube("update-manager2", "v1", 2, &["b"]),
                kube("update-manager3", "v1", 3, &["c"]),
                kube("update-manager4", "v1", 4, &["d"]),
            ],
            vec![
                kube("ancient-changes", "v1", 2, &["a", "b"]),
                kube("update-manager3", "v1", 3, &["c"]),
                kube("update-manager4", "v1", 4, &["d"]),
            ],
        ),
        (
            vec![
                kube("ancient-changes", "v1", 2, &["a", "b"]),
                kube("update-manager3", "v1", 3, &["c"]),
                kube("update-manager4", "v1", 4, &["d"]),
                kube("update-manager5", "v1", 5, &["e"]),
            ],
            vec![
                kube("ancient-changes", "v1", 3, &["a", "b", "c"]),
                kube("update-manager4", "v1", 4, &["d"]),
                kube("update-manager5", "v1", 5, &["e"]),
            ],
        ),
        (
            vec![
                kube("update-manager1", "v1", 1, &["a"]),
                kube("update-manager2", "v2", 2, &["b"]),
                kube("update-manager3", "v1", 3, &["c"]),
                kube("update-manager4", "v1", 4, &["d"]),
                kube("update-manager5", "v1", 5, &["e"]),
            ],
            vec![
                kube("update-manager2", "v2", 2, &["b"]),
                kube("ancient-changes", "v1", 4, &["a", "c", "d"]),
                kube("update-manager5", "v1", 5, &["e"]),
            ],
        ),
        (
            vec![
                kube("update-manager2", "v2", 2, &["b"]),
                kube("ancient-changes", "v1", 4, &["a", "c", "d"]),
                kube("update-manager5", "v1", 5, &["e"]),
                kube("update-manager6", "v3", 6, &["f"]),
                kube("update-manager7", "v2", 7, &["g"]),
            ],
            vec![
                kube("ancient-changes", "v1", 5, &["a", "c", "d", "e"]),
                kube("update-manager6", "v3", 6, &["f"]),
                kube("ancient-changes", "v2", 7, &["b", "g"]),
            ],
        ),
        (
            vec![
                kube("ancient-changes", "v1", 5, &["a", "c", "d", "e"]),
                kube("update-manager6", "v3", 6, &["f"]),
                kube("ancient-changes", "v2", 7, &["b", "g"]),
                kube("update-manager8", "v3", 8, &["h"]),
            ],
            vec![
                kube("ancient-changes", "v1", 5, &["a", "c", "d", "e"]),
                kube("ancient-changes", "v2", 7, &["b", "g"]),
                kube("ancient-changes", "v3", 8, &["f", "h"]),
            ],
        ),
        (
            vec![
                kube("ancient-changes", "v1", 5, &["a", "c", "d", "e"]),
                kube("update-manager6", "v3", 6, &["f"]),
                kube("ancient-changes", "v2", 7, &["b", "g"]),
                kube("update-manager8", "v4", 8, &["h"]),
            ],
            vec![
                kube("ancient-changes", "v1", 5, &["a", "c", "d", "e"]),
                kube("update-manager6", "v3", 6, &["f"]),
                kube("ancient-changes", "v2", 7, &["b", "g"]),
                kube("update-manager8", "v4", 8, &["h"]),
            ],
        ),
    ];
    for (index, (mut input, expected)) in cases.into_iter().enumerate() {
        cap_update_managers(&mut input, 3);
        assert_eq!(sorted(&input), sorted(&expected), "case {index}");
        // Capping again changes nothing (kube's expectIdempotence).
        let again = input.clone();
        cap_update_managers(&mut input, 3);
        assert_eq!(input, again, "case {index}");
    }
}

#[test]
fn an_update_past_the_cap_records_ancient_changes() {
    use crate::registry::field_manager::{Writer, record_update, shape::Shape};
    let mut object = json!({"apiVersion": "v1", "kind": "ConfigMap",
                            "metadata": {"name": "c", "namespace": "default"}, "data": {}});
    for i in 0..11 {
        let live = object.clone();
        object["data"][format!("k{i}")] = json!("v");
        let manager = format!("m{i:02}");
        let now = format!("2026-12-05T10:00:{i:02}Z");
        let writer = Writer {
            manager: &manager,
            api_version: "v1",
            subresource: "",
            now: &now,
            shape: Shape::Builtin,
            has_status: false,
            versions: None,
        };
        // The first write creates the object (an existing object without managed fields
        // would not be tracked).
        record_update(&writer, (i > 0).then_some(&live), &mut object);
    }
    let managers: Vec<&str> = object["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["manager"].as_str().unwrap())
        .collect();
    assert_eq!(
        managers,
        [
            "ancient-changes",
            "m02",
            "m03",
            "m04",
            "m05",
            "m06",
            "m07",
            "m08",
            "m09",
            "m10"
        ]
    );
    assert_eq!(
        object["metadata"]["managedFields"][0]["fieldsV1"],
        json!({"f:data": {".": {}, "f:k0": {}, "f:k1": {}}})
    );
}

#[test]
fn managers_of_one_second_are_ordered_by_identifier() {
    let mut entries = vec![
        entry("zz", "v1", 0, "z"),
        entry("b", "v1", 0, "b"),
        entry("a", "v1", 0, "a"),
    ];
    cap_update_managers(&mut entries, 2);
    // a first, then b merged with it; zz stays.
    assert_eq!(names(&entries), ["zz", "ancient-changes"]);
    assert_eq!(
        identifier("a", "v1", "status"),
        r#"{"manager":"a","operation":"Update","apiVersion":"v1","subresource":"status"}"#
    );
}
