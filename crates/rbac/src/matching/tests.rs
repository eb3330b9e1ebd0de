//! Ported from `TestRuleMatches` and `TestAuthorizer`'s rule cases of Kubernetes' `rbac_test.go`.

use kubeward_core::{Attributes, UserInfo};

use super::*;

fn rule(verbs: &[&str], groups: &[&str], resources: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: verbs.iter().map(|s| s.to_string()).collect(),
        api_groups: groups.iter().map(|s| s.to_string()).collect(),
        resources: resources.iter().map(|s| s.to_string()).collect(),
        ..PolicyRule::default()
    }
}

fn url_rule(verbs: &[&str], urls: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: verbs.iter().map(|s| s.to_string()).collect(),
        non_resource_urls: urls.iter().map(|s| s.to_string()).collect(),
        ..PolicyRule::default()
    }
}

fn res(verb: &str, group: &str, resource: &str) -> Attributes {
    Attributes::resource(UserInfo::default(), verb, group, resource, "")
}

fn url(verb: &str, path: &str) -> Attributes {
    Attributes::non_resource(UserInfo::default(), verb, path)
}

/// (name, rule, [(request, expected)]).
type Case = (&'static str, PolicyRule, Vec<(Attributes, bool)>);

fn resource_cases() -> Vec<Case> {
    let grid = |expect: [bool; 8]| {
        let mut v = Vec::new();
        let mut i = 0;
        for verb in ["verb1", "verb2"] {
            for (group, resource) in [
                ("group1", "resource1"),
                ("group2", "resource1"),
                ("group1", "resource2"),
                ("group2", "resource2"),
            ] {
                v.push((res(verb, group, resource), expect[i]));
                i += 1;
            }
        }
        v
    };
    vec![
        (
            "star verb, exact match other",
            rule(&["*"], &["group1"], &["resource1"]),
            grid([true, false, false, false, true, false, false, false]),
        ),
        (
            "star group, exact match other",
            rule(&["verb1"], &["*"], &["resource1"]),
            grid([true, true, false, false, false, false, false, false]),
        ),
        (
            "star resource, exact match other",
            rule(&["verb1"], &["group1"], &["*"]),
            grid([true, false, true, false, false, false, false, false]),
        ),
        (
            "tuple expansion",
            rule(
                &["verb1", "verb2"],
                &["group1", "group2"],
                &["resource1", "resource2"],
            ),
            grid([true; 8]),
        ),
        (
            "subresource expansion",
            rule(&["*"], &["*"], &["resource1/subresource1"]),
            vec![
                (
                    res("verb1", "group1", "resource1").with_subresource("subresource1"),
                    true,
                ),
                (
                    res("verb1", "group2", "resource1").with_subresource("subresource2"),
                    false,
                ),
                (
                    res("verb1", "group1", "resource2").with_subresource("subresource1"),
                    false,
                ),
                (
                    res("verb2", "group1", "resource1").with_subresource("subresource1"),
                    true,
                ),
                (res("verb2", "group1", "resource1"), false),
            ],
        ),
    ]
}

fn url_cases() -> Vec<Case> {
    let paths = [
        "/foo",
        "/foo/bar",
        "/foo/baz",
        "/foo/bar/one",
        "/foo/baz/one",
    ];
    let grid = |expect: [bool; 10]| {
        let mut v = Vec::new();
        let mut i = 0;
        for verb in ["verb1", "verb2"] {
            for p in paths {
                v.push((url(verb, p), expect[i]));
                i += 1;
            }
        }
        v
    };
    vec![
        (
            "star nonresource, exact match other",
            url_rule(&["verb1"], &["*"]),
            grid([
                true, true, true, true, true, false, false, false, false, false,
            ]),
        ),
        (
            "star nonresource subpath",
            url_rule(&["verb1"], &["/foo/*"]),
            vec![
                (url("verb1", "/foo"), false),
                (url("verb1", "/foo/bar"), true),
                (url("verb1", "/foo/baz"), true),
                (url("verb1", "/foo/bar/one"), true),
                (url("verb1", "/foo/baz/one"), true),
                (url("verb1", "/notfoo"), false),
                (url("verb1", "/notfoo/bar"), false),
                (url("verb1", "/notfoo/baz"), false),
                (url("verb1", "/notfoo/bar/one"), false),
                (url("verb1", "/notfoo/baz/one"), false),
            ],
        ),
        (
            "star verb, exact nonresource",
            url_rule(&["*"], &["/foo", "/foo/bar/one"]),
            grid([
                true, false, false, true, false, true, false, false, true, false,
            ]),
        ),
    ]
}

#[test]
fn rule_matches_table() {
    for (name, rule, requests) in resource_cases().into_iter().chain(url_cases()) {
        for (attrs, expected) in requests {
            assert_eq!(
                rule_allows(&attrs, &rule),
                expected,
                "{name}: {attrs:?} against {rule:?}"
            );
        }
    }
}

#[test]
fn subresources() {
    let pods = rule(&["get"], &[""], &["pods"]);
    assert!(rule_allows(&res("get", "", "pods"), &pods));
    assert!(!rule_allows(
        &res("get", "", "pods").with_subresource("log"),
        &pods
    ));
    assert!(!rule_allows(
        &res("get", "", "pods").with_subresource("status"),
        &pods
    ));

    let pods_log = rule(&["get"], &[""], &["pods/log"]);
    assert!(rule_allows(
        &res("get", "", "pods").with_subresource("log"),
        &pods_log
    ));
    assert!(!rule_allows(&res("get", "", "pods"), &pods_log));
    assert!(!rule_allows(
        &res("get", "", "pods").with_subresource("exec"),
        &pods_log
    ));

    let any_scale = rule(&["update"], &["*"], &["*/scale"]);
    assert!(rule_allows(
        &res("update", "apps", "deployments").with_subresource("scale"),
        &any_scale
    ));
    assert!(!rule_allows(
        &res("update", "apps", "deployments"),
        &any_scale
    ));
    assert!(!rule_allows(
        &res("update", "apps", "deployments").with_subresource("scales"),
        &any_scale
    ));

    // `pods/*` is not a wildcard in Kubernetes: it only matches the literal subresource `*`.
    let pods_star = rule(&["get"], &[""], &["pods/*"]);
    assert!(!rule_allows(
        &res("get", "", "pods").with_subresource("log"),
        &pods_star
    ));
    assert!(rule_allows(
        &res("get", "", "pods").with_subresource("*"),
        &pods_star
    ));

    let star = rule(&["get"], &[""], &["*"]);
    assert!(rule_allows(
        &res("get", "", "pods").with_subresource("log"),
        &star
    ));
}

#[test]
fn resource_names() {
    let mut named = rule(&["get", "list", "update"], &[""], &["configmaps"]);
    named.resource_names = vec!["app-config".into()];
    let get = res("get", "", "configmaps");
    assert!(rule_allows(&get.clone().with_name("app-config"), &named));
    assert!(!rule_allows(&get.clone().with_name("other"), &named));
    // A request without a name (list, create) does not match a rule with names.
    assert!(!rule_allows(&res("list", "", "configmaps"), &named));
    assert!(!rule_allows(&get, &named));
    // Without names, every name matches.
    let any = rule(&["get"], &[""], &["configmaps"]);
    assert!(rule_allows(&get.with_name("whatever"), &any));
}

#[test]
fn verbs_and_groups_are_exact() {
    let r = rule(&["get"], &[""], &["pods"]);
    assert!(!rule_allows(&res("GET", "", "pods"), &r));
    assert!(!rule_allows(&res("get", "apps", "pods"), &r));
    assert!(!rule_allows(&res("get", "", "Pods"), &r));
    // A rule without groups matches nothing.
    let no_groups = rule(&["get"], &[], &["pods"]);
    assert!(!rule_allows(&res("get", "", "pods"), &no_groups));
}

#[test]
fn non_resource_edge_cases() {
    let r = url_rule(&["get"], &["/healthz", "/api*", "/logs/**"]);
    assert!(rule_allows(&url("get", "/healthz"), &r));
    assert!(!rule_allows(&url("get", "/healthz/ready"), &r));
    assert!(rule_allows(&url("get", "/api"), &r));
    assert!(rule_allows(&url("get", "/apis/apps"), &r));
    // All trailing stars are trimmed, as Go's strings.TrimRight.
    assert!(rule_allows(&url("get", "/logs/"), &r));
    assert!(!rule_allows(&url("get", "/logs"), &r));
    // Resource rules never match non-resource requests and vice versa.
    let pods = rule(&["*"], &["*"], &["*"]);
    assert!(!rule_allows(&url("get", "/healthz"), &pods));
    let all_urls = url_rule(&["*"], &["*"]);
    assert!(!rule_allows(&res("get", "", "pods"), &all_urls));
}
