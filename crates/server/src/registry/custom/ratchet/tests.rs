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

#[test]
fn an_unchanged_value_or_parent_ratchets_its_errors() {
    let old = json!({"spec": {"replicas": 9, "items": [{"name": "A"}], "mode": "x"}});
    let next =
        json!({"spec": {"replicas": 9, "items": [{"name": "A"}, {"name": "B"}], "mode": "y"}});
    assert!(unchanged("spec.replicas", &next, &old));
    assert!(!unchanged("spec.mode", &next, &old), "changed");
    assert!(
        !unchanged("spec.items[0].name", &next, &old),
        "the items of a changed list are not correlated"
    );
    assert!(!unchanged("spec.missing", &next, &old));
    let same_list = json!({"spec": {"replicas": 1, "items": [{"name": "A"}]}});
    assert!(unchanged("spec.items[0].name", &same_list, &old));
}
