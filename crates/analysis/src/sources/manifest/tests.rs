//! Tests of manifest parsing.

use kubeward_rbac::{RoleRefKind, Subject};

use super::*;

const SEED_002: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  namespace: default
  name: pod-reader
rules:
- apiGroups: [""] # the core API group
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: read-pods-minjun
  namespace: default
subjects:
- kind: User
  name: minjun
  apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: Role
  name: pod-reader
  apiGroup: rbac.authorization.k8s.io
"#;

#[test]
fn parses_multi_document_yaml() {
    let manifests = parse(SEED_002, "pod-reader.yaml").unwrap();
    assert_eq!(manifests.roles.len(), 1);
    assert_eq!(manifests.roles[0].name, "pod-reader");
    assert_eq!(manifests.roles[0].namespace.as_deref(), Some("default"));
    assert_eq!(manifests.roles[0].rules[0].verbs, ["get", "list", "watch"]);
    let binding = &manifests.bindings[0];
    assert_eq!(binding.role_ref.kind, RoleRefKind::Role);
    assert_eq!(binding.subjects, [Subject::User("minjun".into())]);
}

#[test]
fn parses_json_lists_and_skips_other_kinds() {
    let text = r#"{"apiVersion":"v1","kind":"List","items":[
        {"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"dev-k8s","namespace":"dev-team"}},
        {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"reader"},
         "rules":[{"apiGroups":[""],"resources":["nodes"],"verbs":["get","list"]}]}]}"#;
    let manifests = parse(text, "list.json").unwrap();
    assert_eq!(manifests.roles.len(), 1);
    assert_eq!(manifests.roles[0].namespace, None);
    assert_eq!(manifests.skipped, 1);
}

#[test]
fn namespaced_objects_without_a_namespace_land_in_default_as_kubectl_apply_does() {
    let text =
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r\nrules: []\n";
    let manifests = parse(text, "r.yaml").unwrap();
    assert_eq!(manifests.roles[0].namespace.as_deref(), Some("default"));
}

#[test]
fn empty_documents_are_ignored() {
    assert_eq!(parse("", "empty.yaml").unwrap(), Manifests::default());
    assert_eq!(
        parse("---\n---\n", "empty.yaml").unwrap(),
        Manifests::default()
    );
}

#[test]
fn malformed_yaml_names_the_file_and_line() {
    let text = "apiVersion: v1\nkind: Role\nmetadata:\n  name: [unclosed\n";
    match parse(text, "bad.yaml") {
        Err(error @ LoadError::Syntax { .. }) => {
            let LoadError::Syntax {
                ref origin,
                line,
                column,
                ref message,
            } = error
            else {
                unreachable!()
            };
            assert_eq!(origin, "bad.yaml");
            assert!(line >= 4, "line {line}");
            assert_eq!(
                error.to_string(),
                format!("bad.yaml:{line}:{column}: {message}"),
                "the position is said once"
            );
            assert!(!message.contains("line "), "{message}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn invalid_rbac_objects_name_the_document_kind_and_name() {
    let text = "kind: ConfigMap\napiVersion: v1\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: broken\nrules: 7\n";
    let error = parse(text, "broken.yaml").unwrap_err();
    let LoadError::Object {
        origin,
        document,
        message,
    } = &error
    else {
        panic!("expected an object error, got {error:?}");
    };
    assert_eq!((origin.as_str(), *document), ("broken.yaml", 2));
    assert!(message.starts_with("Role \"broken\": "), "{message}");
}

#[test]
fn documents_that_are_not_objects_are_errors() {
    let error = parse("just a string\n", "scalar.yaml").unwrap_err();
    assert_eq!(
        error.to_string(),
        "scalar.yaml: document 1: expected a Kubernetes object (a mapping with apiVersion and kind), found a string"
    );
}
