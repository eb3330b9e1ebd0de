//! Conversions and their errors.

use k8s_openapi::api::rbac::v1 as wire;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;

use super::*;

fn meta(namespace: Option<&str>, name: &str) -> meta::ObjectMeta {
    meta::ObjectMeta {
        name: Some(name.into()),
        namespace: namespace.map(Into::into),
        ..meta::ObjectMeta::default()
    }
}

fn subject(kind: &str, name: &str, namespace: Option<&str>) -> wire::Subject {
    wire::Subject {
        kind: kind.into(),
        name: name.into(),
        namespace: namespace.map(Into::into),
        api_group: None,
    }
}

fn role_ref(kind: &str, name: &str) -> wire::RoleRef {
    wire::RoleRef {
        api_group: RBAC_GROUP.into(),
        kind: kind.into(),
        name: name.into(),
    }
}

fn rb(subjects: Vec<wire::Subject>, rr: wire::RoleRef) -> wire::RoleBinding {
    wire::RoleBinding {
        metadata: meta(Some("dev"), "b"),
        role_ref: rr,
        subjects: Some(subjects),
    }
}

fn crb(subjects: Vec<wire::Subject>, rr: wire::RoleRef) -> wire::ClusterRoleBinding {
    wire::ClusterRoleBinding {
        metadata: meta(None, "c"),
        role_ref: rr,
        subjects: Some(subjects),
    }
}

#[test]
fn roles_and_rules() {
    let r = wire::Role {
        metadata: meta::ObjectMeta {
            labels: Some([("app".to_string(), "x".to_string())].into()),
            ..meta(Some("default"), "pod-reader")
        },
        rules: Some(vec![wire::PolicyRule {
            verbs: vec!["get".into()],
            api_groups: Some(vec!["".into()]),
            resources: Some(vec!["pods".into()]),
            resource_names: None,
            non_resource_urls: None,
        }]),
    };
    let converted = role(&r).unwrap();
    assert_eq!(converted.namespace.as_deref(), Some("default"));
    assert_eq!(converted.name, "pod-reader");
    assert_eq!(converted.labels.get("app").map(String::as_str), Some("x"));
    assert_eq!(
        converted.rules,
        vec![PolicyRule {
            verbs: vec!["get".into()],
            api_groups: vec!["".into()],
            resources: vec!["pods".into()],
            ..PolicyRule::default()
        }]
    );
    assert_eq!(Role::try_from(&r), Ok(converted));

    let missing_ns = wire::Role {
        metadata: meta(None, "x"),
        rules: None,
    };
    assert_eq!(
        role(&missing_ns),
        Err(FromK8sError::MissingNamespace {
            kind: "Role",
            name: "x".into()
        })
    );
    let no_name = wire::ClusterRole::default();
    assert_eq!(
        cluster_role(&no_name),
        Err(FromK8sError::MissingName {
            kind: "ClusterRole"
        })
    );
}

#[test]
fn cluster_role_with_aggregation() {
    let cr = wire::ClusterRole {
        metadata: meta(None, "admin"),
        aggregation_rule: Some(wire::AggregationRule {
            cluster_role_selectors: Some(vec![meta::LabelSelector {
                match_labels: Some(
                    [(
                        "rbac.authorization.k8s.io/aggregate-to-admin".to_string(),
                        "true".to_string(),
                    )]
                    .into(),
                ),
                match_expressions: Some(vec![meta::LabelSelectorRequirement {
                    key: "k".into(),
                    operator: "Exists".into(),
                    values: None,
                }]),
            }]),
        }),
        rules: None,
    };
    let converted = cluster_role(&cr).unwrap();
    assert_eq!(converted.namespace, None);
    let selectors = converted.aggregation_rule.unwrap();
    assert_eq!(selectors.len(), 1);
    assert_eq!(selectors[0].match_expressions[0].operator, "Exists");
    assert!(selectors[0].match_expressions[0].values.is_empty());
}

#[test]
fn bindings() {
    let b = rb(
        vec![
            subject("User", "minjun", None),
            subject("Group", "devs", None),
            subject("ServiceAccount", "dev-k8s", None),
            subject("ServiceAccount", "ci", Some("tools")),
        ],
        role_ref("Role", "pod-reader"),
    );
    let converted = role_binding(&b).unwrap();
    assert_eq!(
        converted,
        Binding {
            namespace: Some("dev".into()),
            name: "b".into(),
            role_ref: RoleRef {
                kind: RoleRefKind::Role,
                name: "pod-reader".into()
            },
            subjects: vec![
                Subject::User("minjun".into()),
                Subject::Group("devs".into()),
                Subject::ServiceAccount {
                    namespace: "dev".into(),
                    name: "dev-k8s".into()
                },
                Subject::ServiceAccount {
                    namespace: "tools".into(),
                    name: "ci".into()
                },
            ],
        }
    );
    let c = crb(
        vec![subject("Group", "system:masters", None)],
        role_ref("ClusterRole", "cluster-admin"),
    );
    let converted = Binding::try_from(&c).unwrap();
    assert_eq!(converted.namespace, None);
    assert_eq!(converted.role_ref.kind, RoleRefKind::ClusterRole);
}

#[test]
fn binding_errors() {
    assert_eq!(
        cluster_role_binding(&crb(
            vec![subject("ServiceAccount", "sa", None)],
            role_ref("ClusterRole", "x")
        )),
        Err(FromK8sError::ServiceAccountWithoutNamespace {
            binding: "ClusterRoleBinding \"c\"".into(),
            index: 0,
            name: "sa".into()
        })
    );
    assert_eq!(
        role_binding(&rb(
            vec![subject("Robot", "r", None)],
            role_ref("Role", "x")
        )),
        Err(FromK8sError::UnknownSubjectKind {
            binding: "RoleBinding \"dev/b\"".into(),
            index: 0,
            kind: "Robot".into()
        })
    );
    assert_eq!(
        role_binding(&rb(vec![], role_ref("", "x"))),
        Err(FromK8sError::MissingRoleRefKind {
            binding: "RoleBinding \"dev/b\"".into()
        })
    );
    assert_eq!(
        role_binding(&rb(vec![], role_ref("Role", ""))),
        Err(FromK8sError::MissingRoleRefName {
            binding: "RoleBinding \"dev/b\"".into()
        })
    );
    assert_eq!(
        cluster_role_binding(&crb(vec![], role_ref("Role", "x"))),
        Err(FromK8sError::UnsupportedRoleRefKind {
            binding: "ClusterRoleBinding \"c\"".into(),
            kind: "Role".into()
        })
    );
    let mut other_group = role_ref("Role", "x");
    other_group.api_group = "example.com".into();
    assert!(matches!(
        role_binding(&rb(vec![], other_group)),
        Err(FromK8sError::UnsupportedRoleRefGroup { .. })
    ));
    assert!(matches!(
        role_binding(&rb(vec![subject("User", "", None)], role_ref("Role", "x"))),
        Err(FromK8sError::MissingSubjectName { index: 0, .. })
    ));
    let mut no_ns = rb(vec![], role_ref("Role", "x"));
    no_ns.metadata.namespace = None;
    assert!(matches!(
        role_binding(&no_ns),
        Err(FromK8sError::MissingNamespace {
            kind: "RoleBinding",
            ..
        })
    ));
    // Errors display in a readable form.
    assert_eq!(
        FromK8sError::MissingRoleRefKind {
            binding: "RoleBinding \"dev/b\"".into()
        }
        .to_string(),
        "RoleBinding \"dev/b\": roleRef.kind is required"
    );
}
