use super::*;
use k8s_openapi::api::core::v1::{PodSpec, PodStatus};

fn pod(node: Option<&str>, scheduler: Option<&str>, phase: Option<&str>) -> Pod {
    Pod {
        metadata: ObjectMeta {
            name: Some("dev-kubectl".into()),
            namespace: Some("dev-team".into()),
            uid: Some("u-1".into()),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            node_name: node.map(str::to_string),
            scheduler_name: scheduler.map(str::to_string),
            ..PodSpec::default()
        }),
        status: phase.map(|p| PodStatus {
            phase: Some(p.into()),
            ..PodStatus::default()
        }),
    }
}

#[test]
fn only_unbound_live_pods_of_the_default_scheduler_are_bound() {
    assert!(wants_scheduling(&pod(None, None, Some("Pending"))));
    assert!(wants_scheduling(&pod(
        Some(""),
        Some("default-scheduler"),
        None
    )));
    assert!(!wants_scheduling(&pod(Some("lab"), None, None)));
    assert!(!wants_scheduling(&pod(None, Some("my-scheduler"), None)));
    assert!(!wants_scheduling(&pod(None, None, Some("Succeeded"))));
}

#[test]
fn the_binding_names_the_pod_and_targets_the_node() {
    let json = serde_json::to_value(binding(&pod(None, None, None), "lab")).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": "dev-kubectl", "namespace": "dev-team", "uid": "u-1"},
            "target": {"kind": "Node", "name": "lab"},
        })
    );
}
