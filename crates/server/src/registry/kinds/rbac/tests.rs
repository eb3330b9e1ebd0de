use serde_json::json;

use super::*;

#[test]
fn owner_references_and_finalizers_alone_are_gc_updates() {
    let current = json!({
        "metadata": {"name": "r", "resourceVersion": "7", "finalizers": ["a"]},
        "rules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}]
    });
    let gc = json!({
        "metadata": {"name": "r", "resourceVersion": "7",
                     "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": "o", "uid": "u"}]},
        "rules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}]
    });
    assert!(only_gc_fields_changed(&current, &gc));
    let mut escalating = gc.clone();
    escalating["rules"][0]["verbs"] = json!(["*"]);
    assert!(!only_gc_fields_changed(&current, &escalating));
    let mut relabelled = gc;
    relabelled["metadata"]["labels"] = json!({"x": "y"});
    assert!(!only_gc_fields_changed(&current, &relabelled));
}
