//! Ported from Kubernetes' `rbac_test.go` (`TestAuthorizer`) and `rule_test.go`
//! (`TestDefaultRuleResolver`, `TestAppliesTo`), plus reasons, errors, order, removal,
//! aggregation and who-can.

use std::collections::BTreeMap;

use kubeward_core::{Attributes, UserInfo};

use super::*;
use crate::model::{LabelSelector, PolicyRule, Role, RoleRef, RoleRefKind, Subject};

fn strs(s: &str) -> Vec<String> {
    s.split(',').map(str::to_string).collect()
}

/// `newRule(verbs, apiGroups, resources, nonResourceURLs)`, comma-separated as in Go.
fn rule(verbs: &str, groups: &str, resources: &str, urls: &str) -> PolicyRule {
    PolicyRule {
        verbs: strs(verbs),
        api_groups: strs(groups),
        resources: strs(resources),
        non_resource_urls: strs(urls),
        resource_names: Vec::new(),
    }
}

fn cluster_role(name: &str, rules: Vec<PolicyRule>) -> Role {
    Role {
        name: name.into(),
        rules,
        ..Role::default()
    }
}

fn role(namespace: &str, name: &str, rules: Vec<PolicyRule>) -> Role {
    Role {
        namespace: Some(namespace.into()),
        ..cluster_role(name, rules)
    }
}

/// `Kind:name` subjects as in Go's test helpers; `ServiceAccount:ns:name`.
fn subjects(list: &[&str]) -> Vec<Subject> {
    list.iter()
        .map(|s| match s.split_once(':') {
            Some(("User", n)) => Subject::User(n.into()),
            Some(("Group", n)) => Subject::Group(n.into()),
            Some(("ServiceAccount", rest)) => {
                let (namespace, name) = rest.split_once(':').unwrap_or(("", rest));
                Subject::ServiceAccount {
                    namespace: namespace.into(),
                    name: name.into(),
                }
            }
            _ => panic!("bad subject {s}"),
        })
        .collect()
}

fn crb(name: &str, role: &str, subj: &[&str]) -> Binding {
    Binding {
        namespace: None,
        name: name.into(),
        role_ref: RoleRef {
            kind: RoleRefKind::ClusterRole,
            name: role.into(),
        },
        subjects: subjects(subj),
    }
}

fn rb(namespace: &str, name: &str, kind: RoleRefKind, role: &str, subj: &[&str]) -> Binding {
    Binding {
        namespace: Some(namespace.into()),
        name: name.into(),
        role_ref: RoleRef {
            kind,
            name: role.into(),
        },
        subjects: subjects(subj),
    }
}

fn user(name: &str, groups: &str) -> UserInfo {
    let groups: Vec<&str> = if groups.is_empty() {
        Vec::new()
    } else {
        groups.split(',').collect()
    };
    UserInfo::new(name, groups)
}

fn res(u: UserInfo, verb: &str, resource: &str, sub: &str, ns: &str) -> Attributes {
    Attributes::resource(u, verb, "", resource, ns).with_subresource(sub)
}

fn policy(roles: Vec<Role>, bindings: Vec<Binding>) -> Policy {
    let mut p = Policy::new();
    roles.into_iter().for_each(|r| p.upsert_role(r));
    bindings.into_iter().for_each(|b| p.upsert_binding(b));
    p
}

#[test]
fn authorizer_table() {
    struct Case {
        policy: Policy,
        pass: Vec<Attributes>,
        fail: Vec<Attributes>,
    }
    let rb_admin = || {
        rb(
            "ns1",
            "b",
            RoleRefKind::ClusterRole,
            "admin",
            &["User:admin", "Group:admins"],
        )
    };
    let url = |u: UserInfo, verb: &str, path: &str| Attributes::non_resource(u, verb, path);
    let cases = [
        Case {
            policy: policy(
                vec![cluster_role("admin", vec![rule("*", "*", "*", "*")])],
                vec![rb_admin()],
            ),
            pass: vec![
                res(user("admin", ""), "get", "Pods", "", "ns1"),
                res(user("admin", ""), "watch", "Pods", "", "ns1"),
                res(user("admin", "group1"), "watch", "Foobar", "", "ns1"),
                res(user("joe", "admins"), "watch", "Foobar", "", "ns1"),
                res(user("joe", "group1,admins"), "watch", "Foobar", "", "ns1"),
            ],
            fail: vec![
                res(user("admin", ""), "GET", "Pods", "", "ns2"),
                res(user("admin", ""), "GET", "Nodes", "", ""),
                res(user("admin", "admins"), "GET", "Pods", "", "ns2"),
                res(user("admin", "admins"), "GET", "Nodes", "", ""),
            ],
        },
        Case {
            policy: policy(
                vec![
                    cluster_role(
                        "non-resource-url-getter",
                        vec![rule("get", "", "", "/apis")],
                    ),
                    cluster_role("non-resource-url", vec![rule("*", "", "", "/apis")]),
                    cluster_role(
                        "non-resource-url-prefix",
                        vec![rule("get", "", "", "/apis/*")],
                    ),
                ],
                vec![
                    crb("a", "non-resource-url-getter", &["User:foo", "Group:bar"]),
                    crb("b", "non-resource-url", &["User:admin", "Group:admin"]),
                    crb(
                        "c",
                        "non-resource-url-prefix",
                        &["User:prefixed", "Group:prefixed"],
                    ),
                ],
            ),
            pass: vec![
                url(user("foo", ""), "get", "/apis"),
                url(user("", "bar"), "get", "/apis"),
                url(user("admin", ""), "get", "/apis"),
                url(user("", "admin"), "get", "/apis"),
                url(user("admin", ""), "watch", "/apis"),
                url(user("", "admin"), "watch", "/apis"),
                url(user("prefixed", ""), "get", "/apis/v1"),
                url(user("", "prefixed"), "get", "/apis/v1"),
                url(user("prefixed", ""), "get", "/apis/v1/foobar"),
                url(user("", "prefixed"), "get", "/apis/v1/foorbar"),
            ],
            fail: vec![
                url(user("foo", ""), "watch", "/apis"),
                url(user("", "bar"), "watch", "/apis"),
                url(user("foo", ""), "get", "/api/v1"),
                url(user("", "bar"), "get", "/api/v1"),
                url(user("admin", ""), "get", "/api/v1"),
                url(user("", "admin"), "get", "/api/v1"),
                url(user("prefixed", ""), "get", "/api/v1"),
                url(user("", "prefixed"), "get", "/api/v1"),
            ],
        },
        Case {
            policy: policy(
                vec![cluster_role("admin", vec![rule("*", "*", "pods", "*")])],
                vec![rb_admin()],
            ),
            pass: vec![res(user("admin", ""), "get", "pods", "", "ns1")],
            fail: vec![res(user("admin", ""), "get", "pods", "status", "ns1")],
        },
        Case {
            policy: policy(
                vec![cluster_role(
                    "admin",
                    vec![rule("*", "*", "pods/status", "*")],
                )],
                vec![rb_admin()],
            ),
            pass: vec![res(user("admin", ""), "get", "pods", "status", "ns1")],
            fail: vec![res(user("admin", ""), "get", "pods", "", "ns1")],
        },
    ];
    for (i, case) in cases.iter().enumerate() {
        for attrs in &case.pass {
            assert!(
                case.policy.authorize(attrs).is_allowed(),
                "case {i}: incorrectly restricted {attrs:?}"
            );
            assert!(case.policy.allows(attrs), "case {i}: allows disagrees");
        }
        for attrs in &case.fail {
            assert!(
                !case.policy.authorize(attrs).is_allowed(),
                "case {i}: incorrectly passed {attrs:?}"
            );
            assert!(!case.policy.allows(attrs), "case {i}: allows disagrees");
        }
    }
}

fn resolver_fixture() -> (Policy, [PolicyRule; 4]) {
    let pr = |verbs: &str, resource: &str| PolicyRule {
        verbs: strs(verbs),
        api_groups: strs("v1"),
        resources: strs(resource),
        ..PolicyRule::default()
    };
    let read_pods = pr("GET,WATCH", "pods");
    let read_services = pr("GET,WATCH", "services");
    let write_nodes = pr("PUT,CREATE,UPDATE", "nodes");
    let admin = pr("*", "*");
    let admin = PolicyRule {
        api_groups: strs("*"),
        ..admin
    };
    let p = policy(
        vec![
            role(
                "namespace1",
                "readthings",
                vec![read_pods.clone(), read_services.clone()],
            ),
            cluster_role("cluster-admin", vec![admin.clone()]),
            cluster_role("write-nodes", vec![write_nodes.clone()]),
        ],
        vec![
            rb(
                "namespace1",
                "rb",
                RoleRefKind::Role,
                "readthings",
                &["User:foobar", "Group:group1"],
            ),
            crb("crb", "cluster-admin", &["User:admin", "Group:admin"]),
        ],
    );
    (p, [read_pods, read_services, write_nodes, admin])
}

#[test]
fn default_rule_resolver() {
    let (p, [read_pods, read_services, _, admin]) = resolver_fixture();
    let cases: Vec<(UserInfo, &str, Vec<PolicyRule>)> = vec![
        (
            user("foobar", ""),
            "namespace1",
            vec![read_pods, read_services],
        ),
        (user("foobar", ""), "namespace2", vec![]),
        (user("foobar", "admin"), "", vec![admin]),
        (UserInfo::default(), "", vec![]),
    ];
    for (i, (u, ns, expected)) in cases.into_iter().enumerate() {
        let review = p.rules_for(&u, ns);
        assert!(review.errors.is_empty(), "case {i}: {:?}", review.errors);
        assert!(!review.incomplete());
        assert_eq!(review.rules, expected, "case {i}");
    }
}

#[test]
fn applies_to() {
    let sa = |ns: &str, name: &str| Subject::ServiceAccount {
        namespace: ns.into(),
        name: name.into(),
    };
    let cases: Vec<(Vec<Subject>, UserInfo, &str, bool, &str)> = vec![
        (
            vec![Subject::User("foobar".into())],
            user("foobar", ""),
            "",
            true,
            "single subject that matches username",
        ),
        (
            vec![
                Subject::User("barfoo".into()),
                Subject::User("foobar".into()),
            ],
            user("foobar", ""),
            "",
            true,
            "multiple subjects, one that matches username",
        ),
        (
            vec![
                Subject::User("barfoo".into()),
                Subject::User("foobar".into()),
            ],
            user("zimzam", ""),
            "",
            false,
            "multiple subjects, none that match username",
        ),
        (
            vec![
                Subject::User("barfoo".into()),
                Subject::Group("foobar".into()),
            ],
            user("zimzam", "foobar"),
            "",
            true,
            "multiple subjects, one that match group",
        ),
        (
            vec![
                Subject::User("barfoo".into()),
                Subject::Group("foobar".into()),
            ],
            user("zimzam", "foobar"),
            "namespace1",
            true,
            "multiple subjects, one that match group, should ignore namespace",
        ),
        (
            vec![
                Subject::User("barfoo".into()),
                Subject::Group("foobar".into()),
                sa("kube-system", "default"),
            ],
            user("system:serviceaccount:kube-system:default", ""),
            "default",
            true,
            "multiple subjects with a service account that matches",
        ),
        (
            vec![Subject::User("*".into())],
            user("foobar", ""),
            "default",
            false,
            "* user subject name doesn't match all users",
        ),
        (
            vec![
                Subject::Group("system:authenticated".into()),
                Subject::Group("system:unauthenticated".into()),
            ],
            user("foobar", "system:authenticated"),
            "default",
            true,
            "binding to all authenticated and unauthenticated subjects matches authenticated user",
        ),
        (
            vec![
                Subject::Group("system:authenticated".into()),
                Subject::Group("system:unauthenticated".into()),
            ],
            user("system:anonymous", "system:unauthenticated"),
            "default",
            true,
            "binding to all authenticated and unauthenticated subjects matches anonymous user",
        ),
        (
            vec![sa("", "default")],
            user("system:serviceaccount:ns1:default", ""),
            "ns1",
            true,
            "service account without namespace in a role binding defaults to its namespace",
        ),
        (
            vec![sa("", "default")],
            user("system:serviceaccount:ns1:default", ""),
            "",
            false,
            "service account without namespace in a cluster role binding applies to nobody",
        ),
        (
            vec![sa("ns1", "default")],
            user("system:serviceaccount:ns1:other", ""),
            "ns1",
            false,
            "other service account",
        ),
    ];
    for (subj, u, ns, expected, name) in cases {
        let mut p = policy(
            vec![cluster_role("all", vec![rule("*", "*", "*", "*")])],
            vec![],
        );
        let binding = Binding {
            namespace: (!ns.is_empty()).then(|| ns.to_string()),
            name: "b".into(),
            role_ref: RoleRef {
                kind: RoleRefKind::ClusterRole,
                name: "all".into(),
            },
            subjects: subj,
        };
        p.upsert_binding(binding);
        let attrs = res(u, "get", "pods", "", ns);
        assert_eq!(p.authorize(&attrs).is_allowed(), expected, "{name}");
        assert_eq!(p.allows(&attrs), expected, "{name}");
    }
}

#[test]
fn allow_reasons_in_kubernetes_words() {
    let p = policy(
        vec![
            cluster_role("cluster-admin", vec![rule("*", "*", "*", "*")]),
            role(
                "default",
                "pod-reader",
                vec![rule("get,list", "", "pods", "")],
            ),
            role("dev-team", "dev", vec![rule("*", "", "pods", "")]),
        ],
        vec![
            crb("cluster-admin", "cluster-admin", &["Group:system:masters"]),
            rb(
                "default",
                "read-pods-minjun",
                RoleRefKind::Role,
                "pod-reader",
                &["User:minjun"],
            ),
            rb(
                "dev-team",
                "dev-team",
                RoleRefKind::Role,
                "dev",
                &["ServiceAccount:dev-team:dev-k8s"],
            ),
            rb(
                "dev-team",
                "short",
                RoleRefKind::Role,
                "dev",
                &["User:nobody", "ServiceAccount::builder"],
            ),
        ],
    );
    let d = p.authorize(&res(
        user("kim", "system:masters"),
        "delete",
        "nodes",
        "",
        "",
    ));
    assert_eq!(
        d,
        Decision::Allow {
            reason: r#"RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters""#.into()
        }
    );
    let d = p.authorize(&res(user("minjun", ""), "list", "pods", "", "default"));
    assert_eq!(
        d.reason(),
        r#"RBAC: allowed by RoleBinding "read-pods-minjun/default" of Role "pod-reader" to User "minjun""#
    );
    let d = p.authorize(&res(
        user(
            "system:serviceaccount:dev-team:dev-k8s",
            "system:serviceaccounts",
        ),
        "create",
        "pods",
        "",
        "dev-team",
    ));
    assert_eq!(
        d.reason(),
        r#"RBAC: allowed by RoleBinding "dev-team/dev-team" of Role "dev" to ServiceAccount "dev-k8s/dev-team""#
    );
    let d = p.authorize(&res(
        user("system:serviceaccount:dev-team:builder", ""),
        "get",
        "pods",
        "",
        "dev-team",
    ));
    assert_eq!(
        d.reason(),
        r#"RBAC: allowed by RoleBinding "short/dev-team" of Role "dev" to ServiceAccount "builder/dev-team""#
    );
    // Denied without errors: no opinion, empty reason.
    let d = p.authorize(&res(user("minjun", ""), "delete", "pods", "", "default"));
    assert_eq!(
        d,
        Decision::NoOpinion {
            reason: String::new()
        }
    );
}

#[test]
fn reason_names_first_binding_by_name_and_first_applying_subject() {
    let p = policy(
        vec![cluster_role("view", vec![rule("get", "", "pods", "")])],
        vec![
            crb("zz", "view", &["User:ann"]),
            crb("mm", "view", &["Group:g2", "Group:g1", "User:ann"]),
            rb("ns", "aa", RoleRefKind::ClusterRole, "view", &["User:ann"]),
        ],
    );
    let d = p.authorize(&res(user("ann", "g1,g2"), "get", "pods", "", "ns"));
    assert_eq!(
        d.reason(),
        r#"RBAC: allowed by ClusterRoleBinding "mm" of ClusterRole "view" to Group "g2""#
    );
}

#[test]
fn missing_roles_are_resolution_errors() {
    let mut p = policy(
        vec![cluster_role("view", vec![rule("get", "", "pods", "")])],
        vec![
            crb("a", "gone", &["User:ann"]),
            crb("b", "view", &["User:ann"]),
            crb("c", "gone", &["Group:g"]),
            rb("ns", "r1", RoleRefKind::Role, "x", &["User:ann"]),
            rb("ns", "r2", RoleRefKind::Role, "x", &["Group:g", "User:ann"]),
            rb("other", "r3", RoleRefKind::Role, "y", &["User:ann"]),
        ],
    );
    let ann = user("ann", "g");
    let review = p.rules_for(&ann, "ns");
    assert_eq!(review.rules, vec![rule("get", "", "pods", "")]);
    assert_eq!(
        review.errors,
        vec![
            r#"clusterrole.rbac.authorization.k8s.io "gone" not found"#,
            r#"clusterrole.rbac.authorization.k8s.io "gone" not found"#,
            r#"role.rbac.authorization.k8s.io "x" not found"#,
            r#"role.rbac.authorization.k8s.io "x" not found"#,
        ]
    );
    assert!(review.incomplete());
    assert_eq!(
        review.evaluation_error(),
        r#"[clusterrole.rbac.authorization.k8s.io "gone" not found, role.rbac.authorization.k8s.io "x" not found]"#
    );
    // Allowed despite errors: the reason is the binding.
    assert!(
        p.authorize(&res(ann.clone(), "get", "pods", "", "ns"))
            .is_allowed()
    );
    // Denied: the reason aggregates the errors.
    let d = p.authorize(&res(ann.clone(), "delete", "pods", "", "ns"));
    assert_eq!(
        d,
        Decision::NoOpinion {
            reason: r#"RBAC: [clusterrole.rbac.authorization.k8s.io "gone" not found, role.rbac.authorization.k8s.io "x" not found]"#.into()
        }
    );
    let d = p.authorize(&res(ann.clone(), "delete", "pods", "", ""));
    assert_eq!(
        d.reason(),
        r#"RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found"#
    );
    // The role appears: the errors go, its rules apply.
    p.upsert_role(role("ns", "x", vec![rule("delete", "", "pods", "")]));
    p.upsert_role(cluster_role("gone", vec![]));
    let d = p.authorize(&res(ann.clone(), "delete", "pods", "", "ns"));
    assert_eq!(
        d.reason(),
        r#"RBAC: allowed by RoleBinding "r1/ns" of Role "x" to User "ann""#
    );
    assert!(p.rules_for(&ann, "ns").errors.is_empty());
    // And goes again.
    assert!(p.remove_role(Some("ns"), "x").is_some());
    assert_eq!(p.rules_for(&ann, "ns").errors.len(), 2);
}

#[test]
fn rules_order_cluster_bindings_then_role_bindings() {
    let r = |v: &str| rule(v, "", "pods", "");
    let p = policy(
        vec![
            cluster_role("c1", vec![r("a"), r("b")]),
            cluster_role("c2", vec![r("c")]),
            role("ns", "n1", vec![r("d")]),
        ],
        vec![
            rb("ns", "0-first-rb", RoleRefKind::Role, "n1", &["User:u"]),
            rb(
                "ns",
                "1-rb-cluster-role",
                RoleRefKind::ClusterRole,
                "c2",
                &["Group:g"],
            ),
            crb("z", "c1", &["User:u"]),
            crb("y", "c2", &["Group:g", "User:u"]),
        ],
    );
    let review = p.rules_for(&user("u", "g"), "ns");
    assert_eq!(review.rules, vec![r("c"), r("a"), r("b"), r("d"), r("c")]);
}

#[test]
fn role_binding_to_cluster_role_is_namespace_scoped() {
    let p = policy(
        vec![cluster_role(
            "edit",
            vec![rule("*", "", "pods", ""), rule("get", "", "", "/healthz")],
        )],
        vec![rb(
            "ns1",
            "b",
            RoleRefKind::ClusterRole,
            "edit",
            &["User:u"],
        )],
    );
    let u = user("u", "");
    assert!(
        p.authorize(&res(u.clone(), "get", "pods", "", "ns1"))
            .is_allowed()
    );
    assert!(
        !p.authorize(&res(u.clone(), "get", "pods", "", "ns2"))
            .is_allowed()
    );
    assert!(
        !p.authorize(&res(u.clone(), "get", "pods", "", ""))
            .is_allowed()
    );
    // Non-resource rules only ever come from ClusterRoleBindings.
    assert!(
        !p.authorize(&Attributes::non_resource(u, "get", "/healthz"))
            .is_allowed()
    );
}

#[test]
fn cluster_role_binding_with_role_ref_role_never_resolves() {
    let mut binding = crb("weird", "x", &["User:u"]);
    binding.role_ref.kind = RoleRefKind::Role;
    let p = policy(
        vec![role("", "x", vec![rule("*", "*", "*", "*")])],
        vec![binding],
    );
    let d = p.authorize(&res(user("u", ""), "get", "pods", "", ""));
    assert_eq!(
        d.reason(),
        r#"RBAC: role.rbac.authorization.k8s.io "x" not found"#
    );
}

#[test]
fn removal_and_replacement() {
    let mut p = policy(
        vec![cluster_role("view", vec![rule("get", "", "pods", "")])],
        vec![
            crb("b1", "view", &["User:u", "Group:g"]),
            rb("ns", "b2", RoleRefKind::ClusterRole, "view", &["User:v"]),
        ],
    );
    let get = |u: UserInfo, ns: &str| res(u, "get", "pods", "", ns);
    assert!(p.authorize(&get(user("u", ""), "")).is_allowed());
    assert!(p.authorize(&get(user("x", "g"), "")).is_allowed());
    assert!(p.authorize(&get(user("v", ""), "ns")).is_allowed());

    // Replacing a binding drops its old subjects.
    p.upsert_binding(crb("b1", "view", &["User:w"]));
    assert!(!p.authorize(&get(user("u", ""), "")).is_allowed());
    assert!(!p.authorize(&get(user("x", "g"), "")).is_allowed());
    assert!(p.authorize(&get(user("w", ""), "")).is_allowed());

    let removed = p.remove_binding(Some("ns"), "b2");
    assert_eq!(
        removed,
        Some(rb(
            "ns",
            "b2",
            RoleRefKind::ClusterRole,
            "view",
            &["User:v"]
        ))
    );
    assert!(p.remove_binding(Some("ns"), "b2").is_none());
    assert!(!p.authorize(&get(user("v", ""), "ns")).is_allowed());

    let role = p.remove_role(None, "view");
    assert_eq!(role.map(|r| r.name), Some("view".to_string()));
    assert!(p.role(None, "view").is_none());
    assert!(p.effective_rules(None, "view").is_none());
    assert_eq!(
        p.authorize(&get(user("w", ""), "")).reason(),
        r#"RBAC: clusterrole.rbac.authorization.k8s.io "view" not found"#
    );
    assert!(p.remove_binding(None, "b1").is_some());
    assert_eq!(p.bindings().count(), 0);
    assert_eq!(p.roles().count(), 0);
    // Internal tables are empty again.
    assert!(p.cluster_index.is_empty());
    assert!(p.namespace_index.is_empty());
    assert!(p.cluster_role_ids.is_empty());
    assert!(p.role_ids.is_empty());
}

#[test]
fn iteration_order() {
    let p = policy(
        vec![
            role("b", "r", vec![]),
            cluster_role("z", vec![]),
            role("a", "s", vec![]),
            role("a", "r", vec![]),
            cluster_role("a", vec![]),
        ],
        vec![
            rb("b", "x", RoleRefKind::Role, "missing", &[]),
            crb("z", "a", &[]),
            rb("a", "y", RoleRefKind::Role, "r", &[]),
            crb("a", "z", &[]),
        ],
    );
    let roles: Vec<(Option<&str>, &str)> = p
        .roles()
        .map(|r| (r.namespace.as_deref(), r.name.as_str()))
        .collect();
    assert_eq!(
        roles,
        vec![
            (None, "a"),
            (None, "z"),
            (Some("a"), "r"),
            (Some("a"), "s"),
            (Some("b"), "r")
        ]
    );
    let bindings: Vec<(Option<&str>, &str)> = p
        .bindings()
        .map(|b| (b.namespace.as_deref(), b.name.as_str()))
        .collect();
    assert_eq!(
        bindings,
        vec![(None, "a"), (None, "z"), (Some("a"), "y"), (Some("b"), "x")]
    );
    assert!(p.binding(Some("a"), "y").is_some());
}

#[test]
fn who_can_lists_every_grant() {
    let p = policy(
        vec![
            cluster_role("view", vec![rule("get,list", "", "pods", "")]),
            cluster_role("nodes", vec![rule("get", "", "nodes", "")]),
            role("ns", "editor", vec![rule("*", "", "pods", "")]),
        ],
        vec![
            crb(
                "b-view",
                "view",
                &["Group:viewers", "ServiceAccount::nobody"],
            ),
            crb("a-nodes", "nodes", &["User:ops"]),
            rb(
                "ns",
                "edit",
                RoleRefKind::Role,
                "editor",
                &["User:dev", "ServiceAccount::ci"],
            ),
            rb("other", "edit", RoleRefKind::Role, "editor", &["User:x"]),
        ],
    );
    let grants = p.who_can(&res(UserInfo::default(), "get", "pods", "", "ns"));
    let sa = Subject::ServiceAccount {
        namespace: "ns".into(),
        name: "ci".into(),
    };
    assert_eq!(
        grants
            .iter()
            .map(|g| (
                &g.subject,
                g.binding_namespace.as_deref(),
                g.binding_name.as_str()
            ))
            .collect::<Vec<_>>(),
        vec![
            (&Subject::Group("viewers".into()), None, "b-view"),
            (&Subject::User("dev".into()), Some("ns"), "edit"),
            (&sa, Some("ns"), "edit"),
        ]
    );
    assert_eq!(grants[1].role_ref.kind, RoleRefKind::Role);
    let grants = p.who_can(&res(UserInfo::default(), "get", "nodes", "", ""));
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].subject, Subject::User("ops".into()));
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn selector(pairs: &[(&str, &str)]) -> LabelSelector {
    LabelSelector {
        match_labels: labels(pairs),
        match_expressions: Vec::new(),
    }
}

fn aggregated(name: &str, own_labels: &[(&str, &str)], selectors: Vec<LabelSelector>) -> Role {
    Role {
        name: name.into(),
        labels: labels(own_labels),
        aggregation_rule: Some(selectors),
        ..Role::default()
    }
}

fn labelled(name: &str, own_labels: &[(&str, &str)], rules: Vec<PolicyRule>) -> Role {
    Role {
        name: name.into(),
        labels: labels(own_labels),
        rules,
        ..Role::default()
    }
}

#[test]
fn aggregation_is_incremental_and_transitive() {
    let r = |v: &str| rule(v, "", "pods", "");
    let mut p = Policy::new();
    // admin ← edit ← view, as in the bootstrap policy.
    p.upsert_role(aggregated(
        "admin",
        &[],
        vec![selector(&[("to-admin", "true")])],
    ));
    p.upsert_role(aggregated(
        "edit",
        &[("to-admin", "true")],
        vec![selector(&[("to-edit", "true")])],
    ));
    p.upsert_role(aggregated(
        "view",
        &[("to-edit", "true")],
        vec![selector(&[("to-view", "true")])],
    ));
    p.upsert_role(labelled("v-rules", &[("to-view", "true")], vec![r("get")]));
    p.upsert_role(labelled(
        "e-rules",
        &[("to-edit", "true")],
        vec![r("create")],
    ));
    p.upsert_role(labelled(
        "a-rules",
        &[("to-admin", "true")],
        vec![r("bind")],
    ));
    assert_eq!(p.effective_rules(None, "view"), Some(&[r("get")][..]));
    // edit: sorted by name: e-rules, then view.
    assert_eq!(
        p.effective_rules(None, "edit"),
        Some(&[r("create"), r("get")][..])
    );
    assert_eq!(
        p.effective_rules(None, "admin"),
        Some(&[r("bind"), r("create"), r("get")][..])
    );
    // Stored rules of an aggregated role are not what it grants.
    assert!(p.role(None, "admin").is_some_and(|r| r.rules.is_empty()));

    // Changing a leaf's rules flows up.
    p.upsert_role(labelled("v-rules", &[("to-view", "true")], vec![r("list")]));
    assert_eq!(
        p.effective_rules(None, "admin"),
        Some(&[r("bind"), r("create"), r("list")][..])
    );
    // Changing a leaf's labels moves its rules.
    p.upsert_role(labelled(
        "v-rules",
        &[("to-admin", "true")],
        vec![r("list")],
    ));
    assert_eq!(p.effective_rules(None, "view"), Some(&[][..]));
    assert_eq!(p.effective_rules(None, "edit"), Some(&[r("create")][..]));
    assert_eq!(
        p.effective_rules(None, "admin"),
        Some(&[r("bind"), r("create"), r("list")][..])
    );
    // Removing a leaf removes its rules.
    p.remove_role(None, "e-rules");
    assert_eq!(
        p.effective_rules(None, "admin"),
        Some(&[r("bind"), r("list")][..])
    );
    // An aggregated role losing its aggregation rule keeps its own rules.
    p.upsert_role(labelled("edit", &[("to-admin", "true")], vec![r("patch")]));
    assert_eq!(p.effective_rules(None, "edit"), Some(&[r("patch")][..]));
    assert_eq!(
        p.effective_rules(None, "admin"),
        Some(&[r("bind"), r("patch"), r("list")][..])
    );
    // Authorization follows the aggregated rules.
    p.upsert_binding(crb("admins", "admin", &["User:u"]));
    assert!(
        p.authorize(&res(user("u", ""), "patch", "pods", "", ""))
            .is_allowed()
    );
    p.remove_role(None, "edit");
    assert!(
        !p.authorize(&res(user("u", ""), "patch", "pods", "", ""))
            .is_allowed()
    );
}

#[test]
fn aggregation_matches_standalone_function() {
    let r = |v: &str| rule(v, "", "pods", "");
    let roles = vec![
        aggregated(
            "admin",
            &[],
            vec![selector(&[("a", "1")]), selector(&[("b", "1")])],
        ),
        aggregated("edit", &[("a", "1")], vec![selector(&[("b", "1")])]),
        labelled("x", &[("b", "1")], vec![r("get"), r("list")]),
        labelled("y", &[("a", "1"), ("b", "1")], vec![r("list"), r("watch")]),
    ];
    let p = policy(roles.clone(), vec![]);
    let refs: Vec<&Role> = roles.iter().collect();
    for role in &roles {
        assert_eq!(
            p.effective_rules(None, &role.name),
            Some(crate::aggregation::aggregate_rules(role, &refs).as_slice()),
            "{}",
            role.name
        );
    }
}
