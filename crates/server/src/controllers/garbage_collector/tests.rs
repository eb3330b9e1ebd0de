use serde_json::json;

use super::*;

fn key(name: &str) -> ObjectKey {
    ObjectKey {
        group: "apps".to_string(),
        resource: "replicasets".to_string(),
        namespace: Some("default".to_string()),
        name: name.to_string(),
    }
}

#[test]
fn the_graph_follows_owner_references() {
    let mut graph = Graph::default();
    let owner = json!({"metadata": {"uid": "d1"}});
    let dependent =
        json!({"metadata": {"uid": "r1", "ownerReferences": [{"uid": "d1"}, {"uid": "d2"}]}});
    graph.observe(&key("web"), &owner);
    graph.observe(&key("web-1"), &dependent);
    assert_eq!(
        graph.dependents.get("d1").map(|s| s.len()),
        Some(1),
        "the ReplicaSet depends on d1"
    );
    assert_eq!(
        graph.owners.get(&key("web-1")),
        Some(&vec!["d1".to_string(), "d2".to_string()])
    );
    // Orphaned: the reference to d1 removed.
    graph.observe(
        &key("web-1"),
        &json!({"metadata": {"uid": "r1", "ownerReferences": [{"uid": "d2"}]}}),
    );
    assert!(!graph.dependents.contains_key("d1"));
    graph.forget(&key("web-1"), &dependent);
    assert!(graph.dependents.is_empty() && graph.owners.is_empty());
    assert!(graph.live.contains_key("d1") && !graph.live.contains_key("r1"));
}
