use serde_json::json;

use super::*;

fn rendered(errors: &[FieldError]) -> Vec<String> {
    errors.iter().map(ToString::to_string).collect()
}

#[test]
fn config_map_data() {
    let ok = json!({"data": {"a.conf": "x"}, "binaryData": {"b": "AAEC"}});
    assert!(config_map(&ok).is_empty());
    let big = json!({"data": {"big": "x".repeat(3 * 1024 * 1024)}});
    assert_eq!(
        rendered(&config_map(&big)),
        vec!["[]: Too long: must have at most 1048576 bytes"]
    );
    let at_limit = json!({"data": {"big": "x".repeat(MAX_DATA_SIZE)}});
    assert!(config_map(&at_limit).is_empty());
    let bad = json!({"data": {"a/b": "x", "k": "v"}, "binaryData": {"k": ""}});
    let errors = rendered(&config_map(&bad));
    assert_eq!(errors.len(), 2);
    assert!(errors[0].starts_with("data[a/b]: Invalid value: \"a/b\": a valid config key"));
    assert_eq!(
        errors[1],
        "data[k]: Invalid value: \"k\": duplicate of key present in binaryData"
    );
}

#[test]
fn secret_data_and_types() {
    assert_eq!(decoded_len("AAEC"), 3);
    assert_eq!(decoded_len("AAE="), 2);
    assert_eq!(decoded_len("AA=="), 1);
    let token = json!({"type": "kubernetes.io/service-account-token", "metadata": {}});
    assert_eq!(
        rendered(&secret(&token)),
        vec!["metadata.annotations[kubernetes.io/service-account.name]: Required value"]
    );
    let tls = json!({"type": "kubernetes.io/tls", "stringData": {"tls.crt": "x"}});
    assert_eq!(
        rendered(&secret(&tls)),
        vec!["data[tls.key]: Required value"]
    );
    let big = json!({"stringData": {"k": "x".repeat(MAX_DATA_SIZE + 1)}});
    assert_eq!(
        rendered(&secret(&big)),
        vec!["data: Too long: must have at most 1048576 bytes"]
    );
}

#[test]
fn pod_containers() {
    assert_eq!(
        rendered(&pod_spec(Some(&json!({})), "spec")),
        vec!["spec.containers: Required value"]
    );
    let spec = json!({"containers": [
        {"name": "app", "image": "nginx"},
        {"name": "app"},
        {"name": "Bad_Name", "image": "x"},
    ]});
    let errors = rendered(&pod_spec(Some(&spec), "spec"));
    assert_eq!(errors[0], "spec.containers[1].image: Required value");
    assert_eq!(
        errors[1],
        "spec.containers[1].name: Duplicate value: \"app\""
    );
    assert!(errors[2].starts_with("spec.containers[2].name: Invalid value: \"Bad_Name\""));
}
