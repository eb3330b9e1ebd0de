use serde_json::json;

use super::*;

#[test]
fn printer_column_paths() {
    let object = json!({
        "spec": {"replicas": 3, "containers": [{"image": "a"}, {"image": "b"}], "x.y": 1},
        "status": {"conditions": [
            {"type": "Synced", "status": "False"},
            {"type": "Ready", "status": "True"}
        ]}
    });
    let find = |path: &str| -> Vec<serde_json::Value> {
        Path::parse(path)
            .expect("parses")
            .find(&object)
            .into_iter()
            .cloned()
            .collect()
    };
    assert_eq!(find(".spec.replicas"), [json!(3)]);
    assert_eq!(find("{.spec.containers[1].image}"), [json!("b")]);
    assert_eq!(find(".spec.containers[-1].image"), [json!("b")]);
    assert_eq!(find(".spec.containers[*].image"), [json!("a"), json!("b")]);
    assert_eq!(find(".spec['x.y']"), [json!(1)]);
    assert_eq!(
        find(".status.conditions[?(@.type==\"Ready\")].status"),
        [json!("True")]
    );
    assert!(find(".spec.missing").is_empty());
    assert!(Path::parse(".spec[").is_err());
    assert!(Path::parse("spec").is_err());
    assert_eq!(text(&json!("a")), "a");
    assert_eq!(text(&json!([{"name": "x"}])), "[{\"name\":\"x\"}]");
}
