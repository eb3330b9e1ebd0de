use serde_json::json;

use super::*;

fn annotation(object: &Value, name: &str) -> String {
    object["metadata"]["annotations"][name]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_cpu_target_is_v1_s_own_field_and_needs_no_annotation() {
    let v2 = json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "dev"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 1, "maxReplicas": 5,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 60}}}]},
        "status": {"currentMetrics": null, "desiredReplicas": 0}});
    let v1 = to_v1(&v2);
    assert_eq!(
        v1,
        json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web", "namespace": "dev"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "minReplicas": 1, "maxReplicas": 5, "targetCPUUtilizationPercentage": 60},
            "status": {"currentReplicas": 0, "desiredReplicas": 0}})
    );
    assert_eq!(to_v2(&v1), v2);
}

#[test]
fn a_v1_object_without_a_target_gets_kube_s_default_of_80_percent() {
    let v1 = json!({"metadata": {"name": "web"}, "spec": {
        "scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3}});
    let v2 = to_v2(&v1);
    assert_eq!(
        v2["spec"]["metrics"],
        json!([{"type": "Resource", "resource": {"name": "cpu",
            "target": {"type": "Utilization", "averageUtilization": 80}}}])
    );
    assert_eq!(v2["apiVersion"], "autoscaling/v2");
    assert!(v2["metadata"].get("annotations").is_none());
}

#[test]
fn other_metrics_behavior_and_conditions_travel_in_annotations_as_go_writes_them() {
    let v2 = json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "annotations": {"team": "a"}},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 2, "maxReplicas": 10,
            "metrics": [
                {"type": "Resource", "resource": {"name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 70}}},
                {"type": "Resource", "resource": {"name": "memory",
                    "target": {"type": "AverageValue", "averageValue": "500Mi"}}},
                {"type": "Pods", "pods": {"metric": {"name": "rps"},
                    "target": {"type": "AverageValue", "averageValue": "10"}}}],
            "behavior": {"scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15}]},
                "scaleDown": {"selectPolicy": "Max",
                "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}}},
        "status": {"currentReplicas": 2, "desiredReplicas": 3,
            "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu",
                "current": {"averageValue": "250m", "averageUtilization": 90}}}],
            "conditions": [{"type": "AbleToScale", "status": "True",
                "lastTransitionTime": "2026-12-05T10:00:00Z", "reason": "SucceededRescale",
                "message": "the HPA controller was able to update the target scale to 3"}]}});
    let v1 = to_v1(&v2);
    assert_eq!(v1["spec"]["targetCPUUtilizationPercentage"], 70);
    assert_eq!(v1["status"]["currentCPUUtilizationPercentage"], 90);
    assert_eq!(v1["metadata"]["annotations"]["team"], "a");
    assert_eq!(
        annotation(&v1, METRIC_SPECS),
        r#"[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"500Mi"}},{"type":"Pods","pods":{"metricName":"rps","targetAverageValue":"10"}}]"#
    );
    assert_eq!(
        annotation(&v1, BEHAVIOR),
        r#"{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15}],"Tolerance":null},"ScaleDown":{"StabilizationWindowSeconds":null,"SelectPolicy":"Max","Policies":[{"Type":"Percent","Value":100,"PeriodSeconds":15}],"Tolerance":null}}"#
    );
    assert_eq!(
        annotation(&v1, METRIC_STATUSES),
        r#"[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":90,"currentAverageValue":"250m"}}]"#
    );
    assert_eq!(
        annotation(&v1, CONDITIONS),
        r#"[{"type":"AbleToScale","status":"True","lastTransitionTime":"2026-12-05T10:00:00Z","reason":"SucceededRescale","message":"the HPA controller was able to update the target scale to 3"}]"#
    );
    // Back to v2: kube puts the other metrics first and the CPU target last.
    let back = to_v2(&v1);
    let metrics = back["spec"]["metrics"].as_array().unwrap();
    assert_eq!(metrics[0], v2["spec"]["metrics"][1]);
    assert_eq!(metrics[1], v2["spec"]["metrics"][2]);
    assert_eq!(metrics[2], v2["spec"]["metrics"][0]);
    assert_eq!(back["spec"]["behavior"], v2["spec"]["behavior"]);
    assert_eq!(back["status"], v2["status"]);
    assert_eq!(
        back["metadata"],
        json!({"name": "web", "annotations": {"team": "a"}})
    );
}

#[test]
fn stale_round_trip_annotations_a_client_sent_are_replaced() {
    let v2 = json!({"metadata": {"name": "web", "annotations": {
            METRIC_SPECS: "[]", CONDITIONS: "garbage"}},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 2,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 50}}}]}});
    let v1 = to_v1(&v2);
    assert!(v1["metadata"].get("annotations").is_none(), "{v1}");
    // A v1 write whose annotation does not parse keeps what v1 says, as kube ignores it.
    let mut written = v1.clone();
    written["metadata"]["annotations"] = json!({METRIC_SPECS: "not json"});
    let v2 = to_v2(&written);
    assert_eq!(v2["spec"]["metrics"].as_array().unwrap().len(), 1);
    assert!(v2["metadata"].get("annotations").is_none());
}

#[test]
fn object_and_external_metrics_keep_their_target_types() {
    let v1_metrics = r#"[{"type":"Object","object":{"target":{"kind":"Service","name":"front","apiVersion":"v1"},"metricName":"hits","targetValue":"0","averageValue":"5"}},{"type":"External","external":{"metricName":"queue","targetValue":"30"}}]"#;
    let v1 = json!({"metadata": {"name": "q", "annotations": {METRIC_SPECS: v1_metrics}},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "w"}, "maxReplicas": 4}});
    let v2 = to_v2(&v1);
    assert_eq!(
        v2["spec"]["metrics"],
        json!([
            {"type": "Object", "object": {
                "describedObject": {"kind": "Service", "name": "front", "apiVersion": "v1"},
                "target": {"type": "AverageValue", "averageValue": "5"},
                "metric": {"name": "hits"}}},
            {"type": "External", "external": {"metric": {"name": "queue"},
                "target": {"type": "Value", "value": "30"}}},
        ])
    );
    assert_eq!(annotation(&to_v1(&v2), METRIC_SPECS), v1_metrics);
}

#[test]
fn zero_quantities_in_any_notation_are_zero() {
    for zero in ["0", "0m", "0.0", "0Mi"] {
        assert!(is_zero(&json!(zero)), "{zero}");
    }
    for not in ["1", "10m", "0.5", ""] {
        assert!(!is_zero(&json!(not)), "{not}");
    }
}
