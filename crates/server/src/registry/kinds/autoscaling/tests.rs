use serde_json::json;
use time::macros::datetime;

use super::*;

#[test]
fn an_autoscaler_without_metrics_targets_cpu() {
    let now = datetime!(2026-11-22 10:00:00 UTC);
    let mut hpa = json!({"metadata": {"name": "web"}, "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "maxReplicas": 5,
    }});
    AutoscalerStrategy::defaults(&mut hpa);
    assert!(AutoscalerStrategy.validate(&hpa).is_empty());
    let cells = autoscaler_cells(&hpa, now);
    assert_eq!(
        cells[1..6],
        [
            json!("Deployment/web"),
            json!("cpu: <unknown>/80%"),
            json!("1"),
            json!(5),
            json!(0)
        ]
    );
}

#[test]
fn behavior_is_defaulted_only_when_given_and_scale_down_keeps_no_window() {
    let mut without = json!({"spec": {"maxReplicas": 2}});
    AutoscalerStrategy::defaults(&mut without);
    assert!(without["spec"].get("behavior").is_none());

    let mut given = json!({"spec": {"maxReplicas": 2, "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}});
    AutoscalerStrategy::defaults(&mut given);
    assert_eq!(
        given["spec"]["behavior"],
        json!({
            "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
                {"type": "Pods", "value": 4, "periodSeconds": 15},
                {"type": "Percent", "value": 100, "periodSeconds": 15}]},
            "scaleDown": {"stabilizationWindowSeconds": 60, "selectPolicy": "Max", "policies": [
                {"type": "Percent", "value": 100, "periodSeconds": 15}]},
        })
    );
    let mut empty = json!({"spec": {"maxReplicas": 2, "behavior": {}}});
    AutoscalerStrategy::defaults(&mut empty);
    assert!(
        empty["spec"]["behavior"]["scaleDown"]
            .get("stabilizationWindowSeconds")
            .is_none()
    );
}

#[test]
fn a_v1_object_prints_as_the_v2_object_it_stands_for() {
    let now = datetime!(2026-11-22 10:00:00 UTC);
    let v1 = json!({"metadata": {"name": "web"}, "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "minReplicas": 1, "maxReplicas": 5, "targetCPUUtilizationPercentage": 60}});
    assert_eq!(
        autoscaler_v1_cells(&v1, now)[2],
        json!("cpu: <unknown>/60%")
    );
}
