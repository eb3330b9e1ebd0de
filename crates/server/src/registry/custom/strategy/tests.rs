use serde_json::json;
use time::macros::datetime;

use super::*;

#[test]
fn printer_columns_render_as_kube_apiserver_renders_them() {
    let version = json!({"additionalPrinterColumns": [
        {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
        {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"},
        {"name": "Missing", "type": "string", "jsonPath": ".spec.nothing", "priority": 1},
        {"name": "Since", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
    ]});
    let strategy = CustomStrategy::new(None, true, PrinterColumn::of_version(&version));
    let object = json!({
        "metadata": {"name": "a", "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"replicas": 2},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]}
    });
    let table = strategy
        .table(&[object], "7", datetime!(2026-01-01 00:03:00 UTC))
        .expect("a Table");
    let names: Vec<&str> = table["columnDefinitions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["Name", "Replicas", "Ready", "Missing", "Since"]);
    assert_eq!(table["columnDefinitions"][3]["priority"], 1);
    assert_eq!(
        table["rows"][0]["cells"],
        json!(["a", 2, "True", null, "3m"])
    );

    let plain = PrinterColumn::of_version(&json!({}));
    assert_eq!((plain.len(), plain[0].name.as_str()), (1, "Age"));
}

#[test]
fn the_status_subresource_keeps_status_out_of_creates_and_generations() {
    let strategy = CustomStrategy::new(
        Some(json!({"type": "object", "properties": {"spec": {"type": "object"}}})),
        true,
        Vec::new(),
    );
    let current = json!({"metadata": {"generation": 1}, "spec": {"a": 1}, "status": {"s": 1}});
    let mut next = json!({"metadata": {"generation": 1}, "spec": {"a": 1}, "status": {"s": 2}});
    assert_eq!(
        strategy.generation_part(&current),
        strategy.generation_part(&next)
    );
    next["spec"]["a"] = json!(2);
    assert_ne!(
        strategy.generation_part(&current),
        strategy.generation_part(&next)
    );
}
