use serde_json::json;

use super::*;

fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "required": ["mode"],
                "properties": {
                    "mode": {"type": "string", "enum": ["native", "overlay"], "default": "native"},
                    "replicas": {"type": "integer", "minimum": 1, "maximum": 5},
                    "id": {"type": "string", "pattern": "^i-[0-9a-f]+$", "maxLength": 10},
                    "port": {"x-kubernetes-int-or-string": true},
                    "note": {"type": "string", "nullable": true},
                    "ports": {"type": "array", "maxItems": 2, "items": {
                        "type": "object", "properties": {"port": {"type": "integer"}}}},
                    "tags": {"type": "object", "additionalProperties": {"type": "string"}},
                    "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                    "nested": {"type": "object", "properties": {
                        "level": {"type": "string", "default": "low"}}}
                }
            }
        }
    })
}

fn messages(object: Value) -> Vec<String> {
    validate(&schema(), &object)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn validation_speaks_as_kube_apiserver() {
    let errors = messages(json!({"spec": {
        "mode": "other", "replicas": "two", "id": "x", "port": true, "note": null,
        "ports": [{"port": "80"}, {}, {}], "tags": {"a": 1}
    }}));
    assert_eq!(
        errors,
        [
            "spec.id: Invalid value: \"x\": spec.id in body should match '^i-[0-9a-f]+$'",
            "spec.mode: Unsupported value: \"other\": supported values: \"native\", \"overlay\"",
            "spec.port: Invalid value: \"boolean\": spec.port in body must be of type integer,string: \"boolean\"",
            "spec.ports: Too many: 3: must have at most 2 items",
            "spec.ports[0].port: Invalid value: \"string\": spec.ports[0].port in body must be of type integer: \"string\"",
            "spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\"",
            "spec.tags.a: Invalid value: \"integer\": spec.tags.a in body must be of type string: \"integer\"",
        ]
    );
    assert_eq!(
        messages(json!({"spec": {"replicas": 0, "id": "i-0123456789ab"}})),
        [
            "spec.mode: Required value",
            "spec.id: Too long: may not be more than 10 bytes",
            "spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1",
        ]
    );
    assert!(
        messages(json!({"spec": {"mode": "native", "replicas": 5, "port": "http"}})).is_empty()
    );
}

#[test]
fn defaults_fill_present_objects_and_pruning_drops_undeclared_fields() {
    let mut object = json!({
        "apiVersion": "x/v1", "kind": "X", "metadata": {"name": "a"},
        "spec": {"junk": 1, "nested": {}, "free": {"any": {"thing": 1}}, "tags": {"k": "v"}},
        "status": {"ready": true}
    });
    default(&schema(), &mut object);
    prune(&schema(), &mut object, true);
    assert_eq!(
        object,
        json!({
            "apiVersion": "x/v1", "kind": "X", "metadata": {"name": "a"},
            "spec": {"mode": "native", "nested": {"level": "low"}, "free": {"any": {"thing": 1}}, "tags": {"k": "v"}}
        })
    );
}
