//! kube-apiserver's `checker_test.go`, case for case.

use kubeward_core::{RequestInfo, UserInfo};

use super::*;
use crate::level::Stage;

fn tim() -> UserInfo {
    UserInfo::new("tim@k8s.io", ["humans", "developers"])
}

fn resource(
    verb: &str,
    group: &str,
    resource: &str,
    sub: &str,
    ns: &str,
    name: &str,
) -> RequestInfo {
    RequestInfo {
        is_resource_request: true,
        verb: verb.to_string(),
        api_group: group.to_string(),
        resource: resource.to_string(),
        subresource: sub.to_string(),
        namespace: ns.to_string(),
        name: name.to_string(),
        ..RequestInfo::default()
    }
}

/// The requests of the Go test, with their users (`None`: failed authentication).
fn request(name: &str) -> (Option<UserInfo>, RequestInfo) {
    match name {
        "namespaced" => (
            Some(tim()),
            resource("get", "", "pods", "", "default", "busybox"),
        ),
        "cluster" => (
            Some(tim()),
            resource(
                "get",
                "rbac.authorization.k8s.io",
                "clusterroles",
                "",
                "",
                "edit",
            ),
        ),
        "nonResource" => (
            Some(tim()),
            RequestInfo {
                verb: "get".into(),
                path: "/logs/kubelet.log".into(),
                ..RequestInfo::default()
            },
        ),
        "subresource" => (
            Some(tim()),
            resource("get", "", "pods", "log", "default", "busybox"),
        ),
        "Unauthorized" => (None, resource("get", "", "pods", "", "default", "busybox")),
        "ClusterRoleUpdate" => (
            Some(tim()),
            resource(
                "update",
                "rbac.authorization.k8s.io",
                "clusterroles",
                "status",
                "",
                "somerole",
            ),
        ),
        other => panic!("no request {other}"),
    }
}

fn group(group: &str, resources: &[&str], names: &[&str]) -> GroupResources {
    GroupResources {
        group: group.into(),
        resources: resources.iter().map(|s| s.to_string()).collect(),
        resource_names: names.iter().map(|s| s.to_string()).collect(),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn rule(name: &str) -> PolicyRule {
    let level = |level| PolicyRule {
        level,
        ..PolicyRule::default()
    };
    match name {
        "default" => level(Level::Metadata),
        "create" => PolicyRule {
            verbs: strings(&["create"]),
            ..level(Level::Request)
        },
        "tims" => PolicyRule {
            users: strings(&["tim@k8s.io"]),
            ..level(Level::Metadata)
        },
        "humans" => PolicyRule {
            user_groups: strings(&["humans"]),
            ..level(Level::Metadata)
        },
        "serviceAccounts" => PolicyRule {
            user_groups: strings(&["system:serviceaccounts"]),
            ..level(Level::Request)
        },
        "getPods" => PolicyRule {
            verbs: strings(&["get"]),
            resources: vec![group("", &["pods"], &[])],
            ..level(Level::RequestResponse)
        },
        "getPodLogs" => PolicyRule {
            verbs: strings(&["get"]),
            resources: vec![group("", &["pods/log"], &[])],
            ..level(Level::Request)
        },
        "getPodWildcardMatching" => PolicyRule {
            verbs: strings(&["get"]),
            resources: vec![group("", &["*"], &[])],
            ..level(Level::Request)
        },
        "getPodResourceWildcardMatching" => PolicyRule {
            verbs: strings(&["get"]),
            resources: vec![group("", &["*/log"], &[])],
            ..level(Level::Request)
        },
        "getPodSubResourceWildcardMatching" => PolicyRule {
            verbs: strings(&["get"]),
            resources: vec![group("", &["pods/*"], &[])],
            ..level(Level::Request)
        },
        "getClusterRoles" => PolicyRule {
            verbs: strings(&["get"]),
            resources: vec![group("rbac.authorization.k8s.io", &["clusterroles"], &[])],
            namespaces: strings(&[""]),
            ..level(Level::RequestResponse)
        },
        "getGroupWildCardMatchingWithSubresourceWildcardMatching" => PolicyRule {
            verbs: strings(&["update"]),
            resources: vec![group("*", &["*/status"], &[])],
            ..level(Level::RequestResponse)
        },
        "getLogs" => PolicyRule {
            verbs: strings(&["get"]),
            non_resource_urls: strings(&["/logs*"]),
            ..level(Level::RequestResponse)
        },
        "getMetrics" => PolicyRule {
            verbs: strings(&["get"]),
            non_resource_urls: strings(&["/metrics"]),
            ..level(Level::Request)
        },
        "clusterRoleEdit" => PolicyRule {
            resources: vec![group(
                "rbac.authorization.k8s.io",
                &["clusterroles"],
                &["edit"],
            )],
            ..level(Level::Request)
        },
        "omit RequestReceived" => PolicyRule {
            omit_stages: Stages::NONE.with(Stage::RequestReceived),
            ..level(Level::Request)
        },
        "only audit panic" => PolicyRule {
            omit_stages: [
                Stage::RequestReceived,
                Stage::ResponseStarted,
                Stage::ResponseComplete,
            ]
            .into_iter()
            .collect(),
            ..level(Level::Request)
        },
        other => panic!("no rule {other}"),
    }
}

fn check(req: &str, level: Level, policy_stages: Stages, omit: Stages, rules: &[&str]) {
    let policy = Policy {
        rules: rules.iter().map(|r| rule(r)).collect(),
        omit_stages: policy_stages,
        omit_managed_fields: false,
    };
    let (user, info) = request(req);
    let config = policy.evaluate(user.as_ref(), &info);
    assert_eq!(config.level, level, "request {req}, rules {rules:?}");
    assert_eq!(config.omit_stages, omit, "request {req}, rules {rules:?}");
}

fn audit_levels(stages: Stages) {
    use Level::*;
    let s = stages;
    check("namespaced", Metadata, s, s, &["default"]);
    check("namespaced", None, s, s, &["create"]);
    check("namespaced", Metadata, s, s, &["tims"]);
    check("namespaced", Metadata, s, s, &["humans"]);
    check("namespaced", None, s, s, &["serviceAccounts"]);
    check("namespaced", RequestResponse, s, s, &["getPods"]);
    check("namespaced", None, s, s, &["getClusterRoles"]);
    check("namespaced", None, s, s, &["getLogs"]);
    check("namespaced", None, s, s, &["getMetrics"]);
    check(
        "namespaced",
        Metadata,
        s,
        s,
        &["getMetrics", "serviceAccounts", "default"],
    );
    check(
        "namespaced",
        RequestResponse,
        s,
        s,
        &["getMetrics", "getPods", "default"],
    );
    check(
        "namespaced",
        RequestResponse,
        s,
        s,
        &["getPodLogs", "getPods"],
    );

    check("cluster", Metadata, s, s, &["default"]);
    check("cluster", None, s, s, &["create"]);
    check("cluster", Metadata, s, s, &["tims"]);
    check("cluster", Metadata, s, s, &["humans"]);
    check("cluster", None, s, s, &["serviceAccounts"]);
    check("cluster", None, s, s, &["getPods"]);
    check("cluster", RequestResponse, s, s, &["getClusterRoles"]);
    check(
        "cluster",
        Request,
        s,
        s,
        &["clusterRoleEdit", "getClusterRoles"],
    );
    check("cluster", None, s, s, &["getLogs"]);
    check("cluster", None, s, s, &["getMetrics"]);
    check(
        "cluster",
        Metadata,
        s,
        s,
        &["getMetrics", "serviceAccounts", "default"],
    );
    check(
        "cluster",
        RequestResponse,
        s,
        s,
        &["getMetrics", "getClusterRoles", "default"],
    );
    check("cluster", None, s, s, &["getPodLogs", "getPods"]);

    check("nonResource", Metadata, s, s, &["default"]);
    check("nonResource", None, s, s, &["create"]);
    check("nonResource", Metadata, s, s, &["tims"]);
    check("nonResource", Metadata, s, s, &["humans"]);
    check("nonResource", None, s, s, &["serviceAccounts"]);
    check("nonResource", None, s, s, &["getPods"]);
    check("nonResource", None, s, s, &["getClusterRoles"]);
    check("nonResource", RequestResponse, s, s, &["getLogs"]);
    check("nonResource", None, s, s, &["getMetrics"]);
    check(
        "nonResource",
        Metadata,
        s,
        s,
        &["getMetrics", "serviceAccounts", "default"],
    );
    check(
        "nonResource",
        RequestResponse,
        s,
        s,
        &["getLogs", "getClusterRoles", "default"],
    );
    check("nonResource", None, s, s, &["getPodLogs", "getPods"]);

    check("subresource", Request, s, s, &["getPodLogs", "getPods"]);
    check("subresource", Request, s, s, &["getPodWildcardMatching"]);
    check(
        "subresource",
        Request,
        s,
        s,
        &["getPodResourceWildcardMatching"],
    );
    check(
        "subresource",
        Request,
        s,
        s,
        &["getPodSubResourceWildcardMatching"],
    );

    check("Unauthorized", None, s, s, &["tims"]);
    check("Unauthorized", Metadata, s, s, &["tims", "default"]);
    check("Unauthorized", None, s, s, &["humans"]);
    check("Unauthorized", Metadata, s, s, &["humans", "default"]);
    check(
        "ClusterRoleUpdate",
        RequestResponse,
        s,
        s,
        &["getGroupWildCardMatchingWithSubresourceWildcardMatching"],
    );
}

fn stages(list: &[Stage]) -> Stages {
    list.iter().copied().collect()
}

#[test]
fn checker() {
    audit_levels(Stages::NONE);
    let received = stages(&[Stage::RequestReceived]);
    let all_but_panic = stages(&[
        Stage::RequestReceived,
        Stage::ResponseStarted,
        Stage::ResponseComplete,
    ]);
    let none = Stages::NONE;
    for req in ["namespaced", "cluster", "nonResource"] {
        check(
            req,
            Level::Request,
            none,
            received,
            &["omit RequestReceived", "getPods", "default"],
        );
        check(
            req,
            Level::Request,
            none,
            all_but_panic,
            &["only audit panic", "getPods", "default"],
        );
    }
}

#[test]
fn policy_omit_stages_are_added_to_each_rule() {
    let policy_stages = stages(&[Stage::RequestReceived, Stage::ResponseStarted]);
    audit_levels(policy_stages);
    let all_but_panic = stages(&[
        Stage::RequestReceived,
        Stage::ResponseStarted,
        Stage::ResponseComplete,
    ]);
    for req in ["namespaced", "cluster"] {
        check(
            req,
            Level::Request,
            policy_stages,
            policy_stages,
            &["omit RequestReceived", "getPods", "default"],
        );
        check(
            req,
            Level::Request,
            policy_stages,
            all_but_panic,
            &["only audit panic", "getPods", "default"],
        );
    }
    check(
        "nonResource",
        Level::Metadata,
        policy_stages,
        policy_stages,
        &["default", "omit RequestReceived", "getPods"],
    );
    check(
        "nonResource",
        Level::Request,
        policy_stages,
        all_but_panic,
        &["only audit panic", "getPods", "default"],
    );
}

#[test]
fn a_rule_overrides_the_policy_s_omit_managed_fields() {
    let info = RequestInfo {
        verb: "get".into(),
        ..RequestInfo::default()
    };
    let matching = |omit| PolicyRule {
        level: Level::RequestResponse,
        verbs: strings(&["get"]),
        omit_managed_fields: omit,
        ..PolicyRule::default()
    };
    let cases = [
        (false, None, false),
        (true, None, true),
        (false, Some(true), true),
        (true, Some(false), false),
    ];
    for (global, rule, want) in cases {
        let policy = Policy {
            rules: vec![matching(rule)],
            omit_managed_fields: global,
            ..Policy::default()
        };
        assert_eq!(
            policy.evaluate(Some(&tim()), &info).omit_managed_fields,
            want,
            "{global} {rule:?}"
        );
    }
    // No rule matches: the policy's default stands.
    let policy = Policy {
        rules: vec![PolicyRule {
            verbs: strings(&["create"]),
            ..matching(Some(false))
        }],
        omit_managed_fields: true,
        ..Policy::default()
    };
    let config = policy.evaluate(Some(&tim()), &info);
    assert_eq!(
        (config.level, config.omit_managed_fields),
        (Level::None, true)
    );
}

#[test]
fn non_resource_urls_match_exactly_by_star_or_by_prefix() {
    for (spec, path, want) in [
        ("*", "/anything", true),
        ("/healthz", "/healthz", true),
        ("/healthz", "/healthz/etcd", false),
        ("/healthz*", "/healthz/etcd", true),
        ("/healthz*", "/healthz", true),
        ("/healthz/*", "/healthz", false),
        ("/api**", "/apis", true),
    ] {
        assert_eq!(path_matches(path, spec), want, "{spec} {path}");
    }
}

#[test]
fn a_namespace_rule_never_matches_a_non_resource_request() {
    let rule = PolicyRule {
        level: Level::Metadata,
        namespaces: strings(&[""]),
        ..PolicyRule::default()
    };
    let (user, info) = request("nonResource");
    assert!(!rule.matches(user.as_ref(), &info));
    let (user, info) = request("cluster");
    assert!(rule.matches(user.as_ref(), &info));
}

#[test]
fn resource_names_limit_only_their_group_s_resources() {
    let rule = PolicyRule {
        level: Level::Metadata,
        resources: vec![
            group("", &["pods"], &["other"]),
            group("", &["pods/log"], &[]),
        ],
        ..PolicyRule::default()
    };
    let (user, info) = request("namespaced");
    assert!(!rule.matches(user.as_ref(), &info), "busybox is not named");
    let (user, info) = request("subresource");
    assert!(rule.matches(user.as_ref(), &info));
}
