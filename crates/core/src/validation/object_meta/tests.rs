use serde_json::json;

use super::*;

fn rendered(errors: &[FieldError]) -> Vec<String> {
    errors.iter().map(ToString::to_string).collect()
}

#[test]
fn a_valid_object_has_no_errors() {
    let object = json!({"metadata": {
        "name": "web", "namespace": "team",
        "labels": {"app.kubernetes.io/name": "web", "tier": ""},
        "annotations": {"Example.com/Note": "anything at all"},
        "finalizers": ["kubernetes", "example.com/cleanup"],
    }});
    assert!(validate_create(&object, true, NameRule::Dns1123Subdomain).is_empty());
}

/// The identity confusion of a ServiceAccount named `a:b` (its user name would read as another
/// namespace's account): refused, and so is a namespace `team:a`.
#[test]
fn names_that_would_confuse_identities_are_refused() {
    let account = json!({"metadata": {"name": "a:b", "namespace": "team"}});
    let errors = rendered(&validate_create(&account, true, NameRule::Dns1123Subdomain));
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]
            .starts_with("metadata.name: Invalid value: \"a:b\": a lowercase RFC 1123 subdomain")
    );
    let namespace = json!({"metadata": {"name": "team:a"}});
    let errors = rendered(&validate_create(&namespace, false, NameRule::Dns1123Label));
    assert!(
        errors[0]
            .starts_with("metadata.name: Invalid value: \"team:a\": a lowercase RFC 1123 label")
    );
}

#[test]
fn names_and_namespaces() {
    let nameless = json!({"metadata": {}});
    assert_eq!(
        rendered(&validate_create(&nameless, false, NameRule::PathSegment)),
        vec!["metadata.name: Required value: name or generateName is required"]
    );
    let rbac = json!({"metadata": {"name": "..", "namespace": "x"}});
    assert_eq!(
        rendered(&validate_create(&rbac, true, NameRule::PathSegment)),
        vec!["metadata.name: Invalid value: \"..\": may not be '..'"]
    );
    let cluster_scoped = json!({"metadata": {"name": "a", "namespace": "x"}});
    assert_eq!(
        rendered(&validate_create(
            &cluster_scoped,
            false,
            NameRule::PathSegment
        )),
        vec!["metadata.namespace: Forbidden: not allowed on this type"]
    );
    let missing_namespace = json!({"metadata": {"name": "a"}});
    assert_eq!(
        rendered(&validate_create(&missing_namespace, true, NameRule::Any)),
        vec!["metadata.namespace: Required value"]
    );
}

#[test]
fn generate_name_is_checked_as_a_prefix() {
    let ok = json!({"metadata": {"name": "web-x7k2p", "generateName": "web-"}});
    assert!(validate_create(&ok, false, NameRule::Dns1123Subdomain).is_empty());
    let bad = json!({"metadata": {"name": "Gen_x7k2p", "generateName": "Gen_"}});
    let errors = rendered(&validate_create(&bad, false, NameRule::Dns1123Subdomain));
    assert_eq!(errors.len(), 2);
    assert!(errors[0].starts_with("metadata.generateName: Invalid value: \"Gen_\": "));
    assert!(errors[1].starts_with("metadata.name: Invalid value: \"Gen_x7k2p\": "));
}

#[test]
fn labels_annotations_finalizers_owners() {
    let object = json!({"metadata": {
        "name": "a",
        "labels": {"bad key!": "ok"},
        "annotations": {"x": "y".repeat(TOTAL_ANNOTATION_SIZE_LIMIT)},
        "finalizers": ["cleanup"],
        "ownerReferences": [{"apiVersion": "v1", "kind": "Event", "name": "e", "uid": "1"}],
    }});
    let errors = rendered(&validate_create(&object, false, NameRule::Any));
    assert_eq!(
        errors,
        vec![
            "metadata.labels: Invalid value: \"bad key!\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')".to_string(),
            "metadata.annotations: Too long: must have at most 262144 bytes".to_string(),
            "metadata.ownerReferences: Invalid value: {\"apiVersion\":\"v1\",\"kind\":\"Event\",\"name\":\"e\",\"uid\":\"1\"}: /v1, Kind=Event is disallowed from being an owner".to_string(),
            "metadata.finalizers[0]: Invalid value: \"cleanup\": name is neither a standard finalizer name nor is it fully qualified".to_string(),
        ]
    );
}

#[test]
fn updates() {
    let old = json!({"metadata": {"name": "a", "uid": "1", "finalizers": ["kubernetes"],
        "deletionTimestamp": "2026-01-01T00:00:00Z"}});
    let new = json!({"metadata": {"name": "a", "uid": "2",
        "finalizers": ["kubernetes", "example.com/x"]}});
    assert_eq!(
        rendered(&validate_update(&new, &old)),
        vec![
            "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"example.com/x\"}",
            "metadata.uid: Invalid value: \"2\": field is immutable",
        ]
    );
}
