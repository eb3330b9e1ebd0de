use serde_json::json;

use super::*;

#[test]
fn paths_split_as_errors_print_them() {
    assert_eq!(
        segments("spec.items[0].name"),
        ["spec", "items", "0", "name"]
    );
    assert_eq!(segments("spec.labels[a.b/c]"), ["spec", "labels", "a.b/c"]);
}

fn schema(list_type: &str) -> serde_json::Value {
    json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "replicas": {"type": "integer"},
        "mode": {"type": "string"},
        "items": {
            "type": "array",
            "x-kubernetes-list-type": list_type,
            "x-kubernetes-list-map-keys": ["name"],
            "items": {"type": "object", "properties": {
                "name": {"type": "string"}, "port": {"type": "integer"}}}
        }
    }}}})
}

#[test]
fn an_unchanged_value_or_parent_ratchets_its_errors() {
    let schema = schema("atomic");
    let old = json!({"spec": {"replicas": 9, "items": [{"name": "A"}], "mode": "x"}});
    let next =
        json!({"spec": {"replicas": 9, "items": [{"name": "A"}, {"name": "B"}], "mode": "y"}});
    assert!(unchanged("spec.replicas", &schema, &next, &old));
    assert!(!unchanged("spec.mode", &schema, &next, &old), "changed");
    assert!(
        !unchanged("spec.items[0].name", &schema, &next, &old),
        "the items of a changed atomic list are not correlated"
    );
    assert!(!unchanged("spec.missing", &schema, &next, &old));
    let same_list = json!({"spec": {"replicas": 1, "items": [{"name": "A"}]}});
    assert!(unchanged("spec.items[0].name", &schema, &same_list, &old));
}

#[test]
fn the_items_of_a_map_list_ratchet_one_by_one_by_their_keys() {
    let schema = schema("map");
    let old = json!({"spec": {"items": [
        {"name": "a", "port": 70000},
        {"name": "b", "port": 80000},
    ]}});
    // Reordered, one item added, one changed: each item is compared with the old item of the
    // same key, wherever it stands.
    let next = json!({"spec": {"items": [
        {"name": "new", "port": 90000},
        {"name": "b", "port": 80000},
        {"name": "a", "port": 70001},
    ]}});
    assert!(
        unchanged("spec.items[1].port", &schema, &next, &old),
        "b as it was"
    );
    assert!(
        !unchanged("spec.items[2].port", &schema, &next, &old),
        "a changed"
    );
    assert!(
        !unchanged("spec.items[0].port", &schema, &next, &old),
        "new has no old item"
    );
    // An item without its key is not correlated.
    let keyless = json!({"spec": {"items": [{"port": 70000}]}});
    let old_keyless = json!({"spec": {"items": [{"port": 70000}, {"name": "x"}]}});
    assert!(!unchanged(
        "spec.items[0].port",
        &schema,
        &keyless,
        &old_keyless
    ));
}

#[test]
fn map_list_items_are_found_by_every_key_as_a_scalar() {
    let schema = json!({"type": "array", "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name", "protocol"]});
    let old = [
        json!({"name": "a", "protocol": "UDP", "n": 1}),
        json!({"name": "a", "protocol": "TCP", "n": 2}),
        json!({"name": "a", "protocol": "TCP", "n": 3}),
    ];
    let found = map_list_item(&schema, &old, &json!({"name": "a", "protocol": "TCP"}));
    assert_eq!(found, Some(&old[1]), "the first item with the keys");
    assert_eq!(map_list_item(&schema, &old, &json!({"name": "a"})), None);
    let atomic = json!({"type": "array", "x-kubernetes-list-map-keys": ["name"]});
    assert_eq!(map_list_item(&atomic, &old, &json!({"name": "a"})), None);
}
