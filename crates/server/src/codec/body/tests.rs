use super::*;

fn typed(content_type: &str) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    headers.insert(http::header::CONTENT_TYPE, content_type.parse().unwrap());
    headers
}

#[test]
fn a_repeated_yaml_key_keeps_its_last_value_and_is_a_strict_error_in_go_yaml_words() {
    let yaml = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\ndata:\n  k: v\n";
    let headers = typed("application/yaml");
    let object = decode_object(&headers, yaml).unwrap();
    assert_eq!(object["metadata"]["name"], "b");
    assert_eq!(
        strict_errors(&headers, yaml),
        ["yaml: unmarshal errors:\n  line 5: key \"name\" already set in map"]
    );
    let clean = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";
    assert!(strict_errors(&headers, clean).is_empty());
}

#[test]
fn repeated_json_fields_are_strict_errors_in_kube_apiserver_words() {
    let json = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","name":"b"}}"#;
    assert_eq!(
        strict_errors(&typed("application/json"), json),
        ["duplicate field \"metadata.name\""]
    );
}
