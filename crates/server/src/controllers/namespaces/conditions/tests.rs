use serde_json::json;

use super::{Remaining, update};

fn types_and_status(namespace: &serde_json::Value) -> Vec<String> {
    namespace["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {} {}", c["type"], c["status"], c["reason"]))
        .collect()
}

#[test]
fn the_first_sync_adds_the_five_conditions_in_kubes_order() {
    let mut namespace = json!({"status": {"phase": "Terminating"}});
    let mut remaining = Remaining::default();
    remaining.count("configmaps.", &["example.com/hold".to_string()]);
    remaining.count("configmaps.", &[]);
    remaining.count("widgets.example.com", &["example.com/hold".to_string()]);
    assert!(update(&mut namespace, &remaining, "2026-12-06T03:00:00Z"));
    assert_eq!(
        types_and_status(&namespace),
        [
            "\"NamespaceDeletionDiscoveryFailure\" \"False\" \"ResourcesDiscovered\"",
            "\"NamespaceDeletionGroupVersionParsingFailure\" \"False\" \"ParsedGroupVersions\"",
            "\"NamespaceDeletionContentFailure\" \"False\" \"ContentDeleted\"",
            "\"NamespaceContentRemaining\" \"True\" \"SomeResourcesRemain\"",
            "\"NamespaceFinalizersRemaining\" \"True\" \"SomeFinalizersRemain\"",
        ]
    );
    let conditions = &namespace["status"]["conditions"];
    assert_eq!(
        conditions[3]["message"],
        "Some resources are remaining: configmaps. has 2 resource instances, widgets.example.com has 1 resource instances"
    );
    assert_eq!(
        conditions[4]["message"],
        "Some content in the namespace has finalizers remaining: example.com/hold in 2 resource instances"
    );
    assert_eq!(conditions[0]["lastTransitionTime"], "2026-12-06T03:00:00Z");
}

#[test]
fn a_later_sync_changes_only_what_changed_and_moves_the_time_with_the_status() {
    let mut namespace = json!({});
    let mut remaining = Remaining::default();
    remaining.count("configmaps.", &["example.com/hold".to_string()]);
    assert!(update(&mut namespace, &remaining, "2026-12-06T03:00:00Z"));
    assert!(
        !update(&mut namespace, &remaining, "2026-12-06T03:00:09Z"),
        "the same content: no write"
    );
    assert!(update(
        &mut namespace,
        &Remaining::default(),
        "2026-12-06T03:00:15Z"
    ));
    let conditions = &namespace["status"]["conditions"];
    assert_eq!(conditions.as_array().unwrap().len(), 5);
    assert_eq!(conditions[0]["lastTransitionTime"], "2026-12-06T03:00:00Z");
    assert_eq!(conditions[3]["status"], "False");
    assert_eq!(conditions[3]["message"], "All content successfully removed");
    assert_eq!(conditions[3]["lastTransitionTime"], "2026-12-06T03:00:15Z");
    assert_eq!(
        conditions[4]["message"],
        "All content-preserving finalizers finished"
    );
}
