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
