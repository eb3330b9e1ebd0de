//! Tests of the escalation checks, table-driven from Kubernetes' own cases
//! (`policy_comparator_test.go`, `policy_compact_test.go`, `role/policybased/storage_test.go`)
//! plus the exact wording of `ConfirmNoEscalation`.

use std::cell::RefCell;

use kubeward_core::{Attributes, UserInfo};
use proptest::prelude::*;

use super::*;

// ---------------------------------------------------------------------------------------------
// Fixture builders.

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// A resource rule: groups, resources, verbs.
fn res(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: strings(verbs),
        api_groups: strings(groups),
        resources: strings(resources),
        ..PolicyRule::default()
    }
}

/// A resource rule limited to names.
fn named(groups: &[&str], resources: &[&str], names: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule {
        resource_names: strings(names),
        ..res(groups, resources, verbs)
    }
}

/// A non-resource rule.
fn url(urls: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: strings(verbs),
        non_resource_urls: strings(urls),
        ..PolicyRule::default()
    }
}

fn sorted(mut rules: Vec<PolicyRule>) -> Vec<PolicyRule> {
    rules.sort();
    rules
}

fn junho() -> UserInfo {
    UserInfo::new("junho", ["system:authenticated"])
}

/// What a closure-based authorizer/resolver saw.
#[derive(Default)]
struct Calls {
    authorized: RefCell<Vec<Attributes>>,
    resolved: RefCell<Vec<String>>,
}

impl Calls {
    /// An authorizer that records the question and answers `allow(attrs)`.
    fn authorizer<'a>(
        &'a self,
        allow: impl Fn(&Attributes) -> bool + 'a,
    ) -> impl Fn(&Attributes) -> bool + 'a {
        move |attrs| {
            self.authorized.borrow_mut().push(attrs.clone());
            allow(attrs)
        }
    }

    /// A rule resolver that records the namespace and answers `rules(user, ns)`.
    fn resolver<'a>(
        &'a self,
        rules: impl Fn(&UserInfo, &str) -> (Vec<PolicyRule>, Vec<String>) + 'a,
    ) -> impl Fn(&UserInfo, &str) -> (Vec<PolicyRule>, Vec<String>) + 'a {
        move |user, namespace| {
            self.resolved.borrow_mut().push(namespace.to_string());
            rules(user, namespace)
        }
    }
}

fn message(result: Result<(), EscalationError>) -> String {
    match result {
        Ok(()) => panic!("expected a denial"),
        Err(err) => err.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// covers: policy_comparator_test.go.

struct CoverCase {
    name: &'static str,
    owner: Vec<PolicyRule>,
    servant: Vec<PolicyRule>,
    covered: bool,
    uncovered: Vec<PolicyRule>,
}

#[test]
fn covers_matches_kubernetes_cases() {
    let cases = vec![
        CoverCase {
            name: "TestCoversExactMatch",
            owner: vec![res(&["v1"], &["builds"], &["get"])],
            servant: vec![res(&["v1"], &["builds"], &["get"])],
            covered: true,
            uncovered: vec![],
        },
        CoverCase {
            name: "TestCoversSubresourceWildcard",
            owner: vec![res(&["v1"], &["*/scale"], &["get"])],
            servant: vec![res(&["v1"], &["foo/scale"], &["get"])],
            covered: true,
            uncovered: vec![],
        },
        CoverCase {
            name: "TestCoversMultipleRulesCoveringSingleRule",
            owner: vec![
                res(&["v1"], &["deployments"], &["delete"]),
                res(&["v1"], &["builds"], &["delete"]),
                res(&["v1"], &["builds", "deployments"], &["update"]),
            ],
            servant: vec![res(
                &["v1"],
                &["builds", "deployments"],
                &["delete", "update"],
            )],
            covered: true,
            uncovered: vec![],
        },
        CoverCase {
            name: "TestCoversMultipleAPIGroupsCoveringSingleRule",
            owner: vec![
                res(&["group1"], &["deployments"], &["delete"]),
                res(&["group1"], &["builds"], &["delete"]),
                res(&["group1"], &["builds", "deployments"], &["update"]),
                res(&["group2"], &["deployments"], &["delete"]),
                res(&["group2"], &["builds"], &["delete"]),
                res(&["group2"], &["builds", "deployments"], &["update"]),
            ],
            servant: vec![res(
                &["group1", "group2"],
                &["builds", "deployments"],
                &["delete", "update"],
            )],
            covered: true,
            uncovered: vec![],
        },
        CoverCase {
            name: "TestCoversSingleAPIGroupsCoveringMultiple",
            owner: vec![res(
                &["group1", "group2"],
                &["builds", "deployments"],
                &["delete", "update"],
            )],
            servant: vec![
                res(&["group1"], &["deployments"], &["delete"]),
                res(&["group1"], &["builds"], &["delete"]),
                res(&["group1"], &["builds", "deployments"], &["update"]),
                res(&["group2"], &["deployments"], &["delete"]),
                res(&["group2"], &["builds"], &["delete"]),
                res(&["group2"], &["builds", "deployments"], &["update"]),
            ],
            covered: true,
            uncovered: vec![],
        },
        CoverCase {
            name: "TestCoversMultipleRulesMissingSingleVerbResourceCombination",
            owner: vec![
                res(&["v1"], &["builds", "deployments"], &["delete", "update"]),
                res(&["v1"], &["pods"], &["delete"]),
            ],
            servant: vec![res(
                &["v1"],
                &["builds", "deployments", "pods"],
                &["delete", "update"],
            )],
            covered: false,
            uncovered: vec![res(&["v1"], &["pods"], &["update"])],
        },
        CoverCase {
            name: "TestCoversAPIGroupStarCoveringMultiple",
            owner: vec![res(&["*"], &["roles"], &["get"])],
            servant: vec![res(&["group1", "group2"], &["roles"], &["get"])],
            covered: true,
            uncovered: vec![],
        },
        CoverCase {
            name: "TestCoversEnumerationNotCoveringAPIGroupStar",
            owner: vec![res(&["dummy-group"], &["roles"], &["get"])],
            servant: vec![res(&["*"], &["roles"], &["get"])],
            covered: false,
            uncovered: vec![res(&["*"], &["roles"], &["get"])],
        },
        CoverCase {
            name: "TestCoversAPIGroupStarCoveringStar",
            owner: vec![res(&["*"], &["roles"], &["get"])],
            servant: vec![res(&["*"], &["roles"], &["get"])],
            covered: true,
            uncovered: vec![],
        },
        CoverCase {
            name: "TestCoversVerbStarCoveringMultiple",
            owner: vec![res(&["v1"], &["roles"], &["*"])],
            servant: vec![res(&["v1"], &["roles"], &["watch", "list"])],
            covered: true,
            uncovered: vec![],
        },
        CoverCase {
            name: "TestCoversEnumerationNotCoveringVerbStar",
            owner: vec![res(
                &["v1"],
                &["roles"],
                &["get", "list", "watch", "create", "update", "delete", "exec"],
            )],
            servant: vec![res(&["v1"], &["roles"], &["*"])],
            covered: false,
            uncovered: vec![res(&["v1"], &["roles"], &["*"])],
        },
        CoverCase {
            name: "TestCoversVerbStarCoveringStar",
            owner: vec![res(&["v1"], &["roles"], &["*"])],
            servant: vec![res(&["v1"], &["roles"], &["*"])],
            covered: true,
            uncovered: vec![],
        },
        CoverCase {
            name: "TestCoversResourceStarCoveringMultiple",
            owner: vec![res(&["v1"], &["*"], &["get"])],
            servant: vec![res(&["v1"], &["resourcegroup:deployments"], &["get"])],
            covered: true,
            uncovered: vec![],
        },
        CoverCase {
            name: "TestCoversEnumerationNotCoveringResourceStar",
            owner: vec![res(
                &["v1"],
                &["roles", "resourcegroup:deployments"],
                &["get"],
            )],
            servant: vec![res(&["v1"], &["*"], &["get"])],
            covered: false,
            uncovered: vec![res(&["v1"], &["*"], &["get"])],
        },
        CoverCase {
            name: "TestCoversResourceStarCoveringStar",
            owner: vec![res(&["v1"], &["*"], &["get"])],
            servant: vec![res(&["v1"], &["*"], &["get"])],
            covered: true,
            uncovered: vec![],
        },
        CoverCase {
            name: "TestCoversResourceNameEmptyCoveringMultiple",
            owner: vec![named(&["v1"], &["pods"], &[], &["get"])],
            servant: vec![named(&["v1"], &["pods"], &["foo", "bar"], &["get"])],
            covered: true,
            uncovered: vec![],
        },
        CoverCase {
            name: "TestCoversEnumerationNotCoveringResourceNameEmpty",
            owner: vec![named(&["v1"], &["pods"], &["foo", "bar"], &["get"])],
            servant: vec![named(&["v1"], &["pods"], &[], &["get"])],
            covered: false,
            uncovered: vec![res(&["v1"], &["pods"], &["get"])],
        },
        CoverCase {
            name: "TestCoversNonResourceURLs",
            owner: vec![url(&["/apis"], &["*"])],
            servant: vec![url(&["/apis"], &["*"])],
            covered: true,
            uncovered: vec![],
        },
        CoverCase {
            name: "TestCoversNonResourceURLsStar",
            owner: vec![url(&["*"], &["*"])],
            servant: vec![url(&["/apis", "/apis/v1", "/"], &["*"])],
            covered: true,
            uncovered: vec![],
        },
        CoverCase {
            name: "TestCoversNonResourceURLsStarAfterPrefixDoesntCover",
            owner: vec![url(&["/apis/*"], &["*"])],
            servant: vec![url(&["/apis", "/apis/v1"], &["get"])],
            covered: false,
            uncovered: vec![url(&["/apis"], &["get"])],
        },
        CoverCase {
            name: "TestCoversNonResourceURLsStarAfterPrefix",
            owner: vec![url(&["/apis/*"], &["*"])],
            servant: vec![url(&["/apis/v1/foo", "/apis/v1"], &["get"])],
            covered: true,
            uncovered: vec![],
        },
        CoverCase {
            name: "TestCoversNonResourceURLsWithOtherFields",
            owner: vec![PolicyRule {
                non_resource_urls: strings(&["/apis"]),
                ..res(&["v1"], &["builds"], &["get"])
            }],
            servant: vec![PolicyRule {
                non_resource_urls: strings(&["/apis"]),
                ..res(&["v1"], &["builds"], &["get"])
            }],
            covered: true,
            uncovered: vec![],
        },
        CoverCase {
            name: "TestCoversNonResourceURLsWithOtherFieldsFailure",
            owner: vec![res(&["v1"], &["builds"], &["get"])],
            servant: vec![PolicyRule {
                non_resource_urls: strings(&["/apis"]),
                ..res(&["v1"], &["builds"], &["get"])
            }],
            covered: false,
            uncovered: vec![url(&["/apis"], &["get"])],
        },
        // Subresource semantics beyond Kubernetes' table.
        CoverCase {
            name: "*/scale does not cover another subresource",
            owner: vec![res(&["apps"], &["*/scale"], &["get"])],
            servant: vec![res(&["apps"], &["deployments/status"], &["get"])],
            covered: false,
            uncovered: vec![res(&["apps"], &["deployments/status"], &["get"])],
        },
        CoverCase {
            name: "*/scale does not cover the resource itself",
            owner: vec![res(&["apps"], &["*/scale"], &["get"])],
            servant: vec![res(&["apps"], &["deployments"], &["get"])],
            covered: false,
            uncovered: vec![res(&["apps"], &["deployments"], &["get"])],
        },
        CoverCase {
            name: "* covers subresources",
            owner: vec![res(&[""], &["*"], &["get"])],
            servant: vec![res(&[""], &["pods/log", "pods/exec"], &["get"])],
            covered: true,
            uncovered: vec![],
        },
        CoverCase {
            name: "a resource does not cover its subresources",
            owner: vec![res(&[""], &["pods"], &["get"])],
            servant: vec![res(&[""], &["pods/log"], &["get"])],
            covered: false,
            uncovered: vec![res(&[""], &["pods/log"], &["get"])],
        },
        CoverCase {
            name: "pods/* is compared literally, as Kubernetes does",
            owner: vec![res(&[""], &["pods/*"], &["get"])],
            servant: vec![res(&[""], &["pods/log", "pods/*"], &["get"])],
            covered: false,
            uncovered: vec![res(&[""], &["pods/log"], &["get"])],
        },
        CoverCase {
            name: "a requested */scale needs an owner */scale or *",
            owner: vec![res(&["apps"], &["deployments/scale"], &["get"])],
            servant: vec![res(&["apps"], &["*/scale"], &["get"])],
            covered: false,
            uncovered: vec![res(&["apps"], &["*/scale"], &["get"])],
        },
        // Resource names.
        CoverCase {
            name: "named owner covers the same name",
            owner: vec![named(&[""], &["configmaps"], &["a", "b"], &["get"])],
            servant: vec![named(&[""], &["configmaps"], &["b"], &["get"])],
            covered: true,
            uncovered: vec![],
        },
        CoverCase {
            name: "named owner does not cover another name",
            owner: vec![named(&[""], &["configmaps"], &["a"], &["get"])],
            servant: vec![named(
                &[""],
                &["configmaps"],
                &["a", "c"],
                &["get", "update"],
            )],
            covered: false,
            uncovered: vec![
                named(&[""], &["configmaps"], &["c"], &["get"]),
                named(&[""], &["configmaps"], &["a"], &["update"]),
                named(&[""], &["configmaps"], &["c"], &["update"]),
            ],
        },
        // Degenerate shapes.
        CoverCase {
            name: "nothing requested is covered by nothing",
            owner: vec![],
            servant: vec![],
            covered: true,
            uncovered: vec![],
        },
        CoverCase {
            name: "a rule without groups breaks down to nothing",
            owner: vec![],
            servant: vec![res(&[], &["pods"], &["get"])],
            covered: true,
            uncovered: vec![],
        },
        CoverCase {
            name: "a non-resource owner does not cover resources",
            owner: vec![url(&["*"], &["*"])],
            servant: vec![res(&[""], &["pods"], &["get"])],
            covered: false,
            uncovered: vec![res(&[""], &["pods"], &["get"])],
        },
        CoverCase {
            name: "a resource owner does not cover non-resource URLs",
            owner: vec![res(&["*"], &["*"], &["*"])],
            servant: vec![url(&["/healthz"], &["get"])],
            covered: false,
            uncovered: vec![url(&["/healthz"], &["get"])],
        },
    ];
    for case in cases {
        let (covered, uncovered) = covers(&case.owner, &case.servant);
        assert_eq!(covered, case.covered, "{}", case.name);
        assert_eq!(sorted(uncovered), sorted(case.uncovered), "{}", case.name);
    }
}

#[test]
fn non_resource_url_covers_matches_kubernetes_table() {
    // TestNonResourceURLCovers.
    let cases = [
        ("*", "", true),
        ("*", "/", true),
        ("*", "/api", true),
        ("/*", "", false),
        ("/*", "/", true),
        ("/*", "/foo", true),
        ("/api", "/api", true),
        ("/apis", "/api", false),
        ("/api/v1", "/api", false),
        ("/api/v1", "/api/v1", true),
        ("/api/*", "/api/v1", true),
        ("/api/*", "/api", false),
        ("/api/*/*", "/api/v1", false),
        ("/*/v1/*", "/api/v1", false),
    ];
    for (owner, requested, want) in cases {
        assert_eq!(
            non_resource_url_covers(owner, requested),
            want,
            "{owner:?} covers {requested:?}"
        );
        let (covered, _) = covers(&[url(&[owner], &["get"])], &[url(&[requested], &["get"])]);
        assert_eq!(covered, want, "covers: {owner:?} / {requested:?}");
    }
}

#[test]
fn breakdown_splits_every_dimension_in_kubernetes_order() {
    let rule = PolicyRule {
        non_resource_urls: strings(&["/healthz"]),
        ..named(&["", "apps"], &["pods"], &["a", "b"], &["get", "list"])
    };
    assert_eq!(
        breakdown_rule(&rule),
        vec![
            named(&[""], &["pods"], &["a"], &["get"]),
            named(&[""], &["pods"], &["b"], &["get"]),
            named(&[""], &["pods"], &["a"], &["list"]),
            named(&[""], &["pods"], &["b"], &["list"]),
            named(&["apps"], &["pods"], &["a"], &["get"]),
            named(&["apps"], &["pods"], &["b"], &["get"]),
            named(&["apps"], &["pods"], &["a"], &["list"]),
            named(&["apps"], &["pods"], &["b"], &["list"]),
            url(&["/healthz"], &["get"]),
            url(&["/healthz"], &["list"]),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// compact_rules / compact_string: policy_compact_test.go and CompactString.

fn by_string(rules: Vec<PolicyRule>) -> Vec<String> {
    let mut described: Vec<String> = rules.iter().map(compact_string).collect();
    described.sort();
    described
}

#[test]
fn compact_rules_matches_kubernetes_cases() {
    let cases: Vec<(&str, Vec<PolicyRule>, Vec<PolicyRule>)> = vec![
        ("empty", vec![], vec![]),
        (
            "simple",
            vec![
                res(&[""], &["builds"], &["get"]),
                res(&[""], &["builds"], &["list"]),
                res(&[""], &["builds"], &["update", "patch"]),
                res(&["extensions"], &["daemonsets"], &["create"]),
                res(&["extensions"], &["daemonsets"], &["delete"]),
                named(&["extensions"], &["daemonsets"], &[""], &["patch"]),
                named(&["extensions"], &["daemonsets"], &["foo"], &["get"]),
                named(&["extensions"], &["daemonsets"], &["foo"], &["list"]),
                res(&[""], &["dolphins"], &["educate"]),
                res(&[""], &["pirates"], &[]),
                res(&[""], &["pods"], &[]),
                res(&[""], &["pods"], &["create"]),
            ],
            vec![
                res(&["extensions"], &["daemonsets"], &["create", "delete"]),
                named(&["extensions"], &["daemonsets"], &[""], &["patch"]),
                named(&["extensions"], &["daemonsets"], &["foo"], &["get", "list"]),
                res(&[""], &["builds"], &["get", "list", "update", "patch"]),
                res(&[""], &["dolphins"], &["educate"]),
                res(&[""], &["pirates"], &[]),
                res(&[""], &["pods"], &["create"]),
            ],
        ),
        (
            "complex multi-group",
            vec![
                res(&["", "builds.openshift.io"], &["builds"], &["get"]),
                res(&["", "builds.openshift.io"], &["builds"], &["list"]),
            ],
            vec![
                res(&["", "builds.openshift.io"], &["builds"], &["get"]),
                res(&["", "builds.openshift.io"], &["builds"], &["list"]),
            ],
        ),
        (
            "complex multi-resource",
            vec![
                res(&[""], &["builds", "images"], &["get"]),
                res(&[""], &["builds", "images"], &["list"]),
            ],
            vec![
                res(&[""], &["builds", "images"], &["get"]),
                res(&[""], &["builds", "images"], &["list"]),
            ],
        ),
        (
            "complex named-resource",
            vec![
                named(&[""], &["builds"], &["mybuild"], &["get"]),
                named(&[""], &["builds"], &["mybuild2"], &["list"]),
            ],
            vec![
                named(&[""], &["builds"], &["mybuild"], &["get"]),
                named(&[""], &["builds"], &["mybuild2"], &["list"]),
            ],
        ),
        (
            "complex non-resource",
            vec![
                PolicyRule {
                    non_resource_urls: strings(&["/"]),
                    ..res(&[""], &["builds"], &["get"])
                },
                PolicyRule {
                    non_resource_urls: strings(&["/foo"]),
                    ..res(&[""], &["builds"], &["get"])
                },
            ],
            vec![
                PolicyRule {
                    non_resource_urls: strings(&["/"]),
                    ..res(&[""], &["builds"], &["get"])
                },
                PolicyRule {
                    non_resource_urls: strings(&["/foo"]),
                    ..res(&[""], &["builds"], &["get"])
                },
            ],
        ),
    ];
    for (name, rules, expected) in cases {
        let compacted = compact_rules(&rules);
        assert!(
            covers(&compacted, &rules).0,
            "{name}: compacted covers original"
        );
        assert!(
            covers(&rules, &compacted).0,
            "{name}: original covers compacted"
        );
        assert_eq!(by_string(compacted), by_string(expected), "{name}");
    }
}

#[test]
fn compact_rules_keeps_complex_rules_first_then_merged_in_first_seen_order() {
    let rules = vec![
        res(&[""], &["pods"], &["get"]),
        url(&["/healthz"], &["get"]),
        res(&["apps"], &["deployments"], &["create"]),
        res(&[""], &["pods"], &["list"]),
    ];
    assert_eq!(
        compact_rules(&rules),
        vec![
            url(&["/healthz"], &["get"]),
            res(&[""], &["pods"], &["get", "list"]),
            res(&["apps"], &["deployments"], &["create"]),
        ]
    );
}

#[test]
fn compact_string_matches_kubernetes_form() {
    let cases = [
        (
            res(&[""], &["pods"], &["*"]),
            r#"{APIGroups:[""], Resources:["pods"], Verbs:["*"]}"#,
        ),
        (
            res(&[""], &["secrets"], &["get", "list", "create", "patch"]),
            r#"{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list" "create" "patch"]}"#,
        ),
        (
            named(&["", "apps"], &["configmaps"], &["app-config"], &["get"]),
            r#"{APIGroups:["" "apps"], Resources:["configmaps"], ResourceNames:["app-config"], Verbs:["get"]}"#,
        ),
        (
            url(&["/healthz", "/api/*"], &["get"]),
            r#"{NonResourceURLs:["/healthz" "/api/*"], Verbs:["get"]}"#,
        ),
        (PolicyRule::default(), "{}"),
        (
            res(&[""], &["pirates"], &[]),
            r#"{APIGroups:[""], Resources:["pirates"]}"#,
        ),
        (
            res(
                &["we\"ird"],
                &["back\\slash", "tab\there", "nl\n"],
                &["g\u{7f}t", "\u{e9}t\u{e9}"],
            ),
            r#"{APIGroups:["we\"ird"], Resources:["back\\slash" "tab\there" "nl\n"], Verbs:["g\x7ft" "été"]}"#,
        ),
        (
            res(
                &["\u{85}", "\u{a0}", "\u{200b}", "\u{1f600}", "\u{f0000}"],
                &["x"],
                &["get"],
            ),
            r#"{APIGroups:["\u0085" "\u00a0" "\u200b" "😀" "\U000f0000"], Resources:["x"], Verbs:["get"]}"#,
        ),
    ];
    for (rule, want) in cases {
        assert_eq!(compact_string(&rule), want);
    }
}

// ---------------------------------------------------------------------------------------------
// confirm_no_escalation: the exact message.

const HEADER: &str = r#"user "junho" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:"#;

#[test]
fn message_with_one_missing_rule() {
    let result = confirm_no_escalation(
        &junho(),
        &[res(&[""], &["pods"], &["get", "list"])],
        &[res(&[""], &["services"], &["*"])],
        &[],
    );
    assert_eq!(
        result,
        Err(EscalationError::NotCurrentlyHeld {
            user: "junho".into(),
            groups: strings(&["system:authenticated"]),
            missing: vec![res(&[""], &["pods"], &["get", "list"])],
            resolution_errors: vec![],
        })
    );
    assert_eq!(
        message(result),
        format!("{HEADER}\n{{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"get\" \"list\"]}}")
    );
}

#[test]
fn message_with_several_missing_rules_is_compacted_and_sorted() {
    let requested = [
        res(&[""], &["pods", "services"], &["get"]),
        res(&["apps"], &["deployments"], &["create"]),
        url(&["/healthz"], &["get"]),
        named(&[""], &["configmaps"], &["app-config"], &["get", "list"]),
        // Asked twice: the verbs merge, repeated, as Kubernetes appends them.
        res(&["apps"], &["deployments"], &["create"]),
    ];
    let owner = [res(&[""], &["pods"], &["get"])];
    let got = message(confirm_no_escalation(&junho(), &requested, &owner, &[]));
    let want = [
        HEADER,
        r#"{APIGroups:[""], Resources:["configmaps"], ResourceNames:["app-config"], Verbs:["get" "list"]}"#,
        r#"{APIGroups:[""], Resources:["services"], Verbs:["get"]}"#,
        r#"{APIGroups:["apps"], Resources:["deployments"], Verbs:["create" "create"]}"#,
        r#"{NonResourceURLs:["/healthz"], Verbs:["get"]}"#,
    ]
    .join("\n");
    assert_eq!(got, want);
}

#[test]
fn message_lists_rules_with_several_names_one_per_name_and_verb() {
    let got = message(confirm_no_escalation(
        &junho(),
        &[named(&[""], &["secrets"], &["a", "b"], &["get"])],
        &[],
        &[],
    ));
    assert_eq!(
        got,
        [
            HEADER,
            r#"{APIGroups:[""], Resources:["secrets"], ResourceNames:["a"], Verbs:["get"]}"#,
            r#"{APIGroups:[""], Resources:["secrets"], ResourceNames:["b"], Verbs:["get"]}"#,
        ]
        .join("\n")
    );
}

#[test]
fn message_with_one_resolution_error() {
    let got = message(confirm_no_escalation(
        &junho(),
        &[res(&["batch"], &["jobs"], &["create"])],
        &[],
        &[r#"roles.rbac.authorization.k8s.io "missing-role" not found"#.into()],
    ));
    assert_eq!(
        got,
        format!(
            "{HEADER}\n{{APIGroups:[\"batch\"], Resources:[\"jobs\"], Verbs:[\"create\"]}}; resolution errors: [roles.rbac.authorization.k8s.io \"missing-role\" not found]"
        )
    );
}

#[test]
fn message_with_several_resolution_errors_aggregates_them() {
    let errors = strings(&[
        r#"clusterroles.rbac.authorization.k8s.io "gone" not found"#,
        r#"roles.rbac.authorization.k8s.io "x" not found"#,
        r#"clusterroles.rbac.authorization.k8s.io "gone" not found"#,
    ]);
    let got = message(confirm_no_escalation(
        &junho(),
        &[res(&[""], &["secrets"], &["get"])],
        &[],
        &errors,
    ));
    assert_eq!(
        got,
        format!(
            "{HEADER}\n{{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\"]}}; resolution errors: [[clusterroles.rbac.authorization.k8s.io \"gone\" not found, roles.rbac.authorization.k8s.io \"x\" not found]]"
        )
    );
    // The same message twice is shown once, without the inner brackets.
    let twice = strings(&["boom", "boom"]);
    let got = message(confirm_no_escalation(
        &junho(),
        &[url(&["/x"], &["get"])],
        &[],
        &twice,
    ));
    assert!(got.ends_with("; resolution errors: [boom]"), "{got}");
}

#[test]
fn resolution_errors_alone_do_not_deny() {
    let errors = strings(&[r#"roles.rbac.authorization.k8s.io "x" not found"#]);
    assert_eq!(
        confirm_no_escalation(
            &junho(),
            &[res(&[""], &["pods"], &["get"])],
            &[res(&["*"], &["*"], &["*"])],
            &errors
        ),
        Ok(())
    );
}

#[test]
fn message_quotes_user_and_groups_as_go_does() {
    let cases = [
        (
            UserInfo::new("another-user", Vec::<String>::new()),
            r#"user "another-user" (groups=[]) is attempting"#,
        ),
        (
            UserInfo::new(
                "system:serviceaccount:rbac:privesc",
                [
                    "system:serviceaccounts",
                    "system:serviceaccounts:rbac",
                    "system:authenticated",
                ],
            ),
            r#"user "system:serviceaccount:rbac:privesc" (groups=["system:serviceaccounts" "system:serviceaccounts:rbac" "system:authenticated"]) is attempting"#,
        ),
        (
            UserInfo::new("o\"brien", ["a\\b"]),
            r#"user "o\"brien" (groups=["a\\b"]) is attempting"#,
        ),
    ];
    for (user, prefix) in cases {
        let got = message(confirm_no_escalation(
            &user,
            &[url(&["/x"], &["get"])],
            &[],
            &[],
        ));
        assert!(got.starts_with(prefix), "{got}");
    }
}

// ---------------------------------------------------------------------------------------------
// check_role_write: role/policybased/storage_test.go TestEscalation and the escalate verb.

fn superuser() -> UserInfo {
    UserInfo::new("superuser", ["system:masters"])
}

#[test]
fn role_write_follows_kubernetes_storage_test() {
    let role_rules = [res(&[""], &["pods"], &["get"])];
    // steve is allowed by the authorizer; alice holds `*` cluster-wide; bob has nothing.
    let allow_steve = |attrs: &Attributes| attrs.user.name == "steve";
    let alice_admin = |user: &UserInfo, _: &str| {
        if user.name == "alice" {
            (vec![res(&["*"], &["*"], &["*"])], vec![])
        } else {
            (vec![], vec![])
        }
    };
    // (user, expect authorizer asked, expect allowed)
    let cases = [
        (superuser(), false, true),
        (UserInfo::new("bob", Vec::<String>::new()), true, false),
        (UserInfo::new("steve", Vec::<String>::new()), true, true),
        (UserInfo::new("alice", Vec::<String>::new()), true, true),
    ];
    for (user, expect_authz, expect_allowed) in cases {
        // Create (the request has no name), then update (it has the role's name).
        for request_name in ["", "myrole"] {
            let calls = Calls::default();
            let result = check_role_write(
                &user,
                Some("myns"),
                request_name,
                &role_rules,
                calls.authorizer(allow_steve),
                calls.resolver(alice_admin),
            );
            assert_eq!(
                result.is_ok(),
                expect_allowed,
                "{} {request_name:?}",
                user.name
            );
            assert_eq!(
                !calls.authorized.borrow().is_empty(),
                expect_authz,
                "{} {request_name:?}",
                user.name
            );
        }
    }
}

#[test]
fn role_write_asks_escalate_with_kubernetes_attributes() {
    let user = UserInfo::new("minjun", ["devs", "system:authenticated"]);
    let calls = Calls::default();
    let result = check_role_write(
        &user,
        Some("dev-team"),
        "pod-reader",
        &[res(&[""], &["pods"], &["get"])],
        calls.authorizer(|_| true),
        calls.resolver(|_, _| panic!("rules are not needed once escalate is allowed")),
    );
    assert_eq!(result, Ok(()));
    assert_eq!(
        calls.authorized.borrow().as_slice(),
        [Attributes {
            user: user.clone(),
            verb: "escalate".into(),
            resource_request: true,
            namespace: "dev-team".into(),
            api_group: "rbac.authorization.k8s.io".into(),
            api_version: "*".into(),
            resource: "roles".into(),
            subresource: String::new(),
            name: "pod-reader".into(),
            path: String::new(),
        }]
    );

    // A ClusterRole: cluster scope, `clusterroles`.
    let calls = Calls::default();
    let result = check_role_write(
        &user,
        None,
        "",
        &[res(&[""], &["nodes"], &["get"])],
        calls.authorizer(|_| false),
        calls.resolver(|_, _| (vec![], vec![])),
    );
    assert!(result.is_err());
    let asked = calls.authorized.borrow();
    let [attrs] = asked.as_slice() else {
        panic!("one question expected, got {asked:?}")
    };
    assert_eq!(
        (
            attrs.verb.as_str(),
            attrs.resource.as_str(),
            attrs.namespace.as_str(),
            attrs.name.as_str()
        ),
        ("escalate", "clusterroles", "", "")
    );
    assert_eq!(calls.resolved.borrow().as_slice(), [String::new()]);
}

#[test]
fn role_write_checks_rules_held_in_the_namespace() {
    let user = junho();
    // junho may edit pods in dev-team only.
    let rules_for = |_: &UserInfo, namespace: &str| {
        if namespace == "dev-team" {
            (vec![res(&[""], &["pods"], &["*"])], vec![])
        } else {
            (vec![], vec![])
        }
    };
    let rules = [res(&[""], &["pods"], &["get", "list"])];
    let calls = Calls::default();
    assert_eq!(
        check_role_write(
            &user,
            Some("dev-team"),
            "",
            &rules,
            |_| false,
            calls.resolver(rules_for)
        ),
        Ok(())
    );
    assert_eq!(calls.resolved.borrow().as_slice(), ["dev-team".to_string()]);
    assert_eq!(
        message(check_role_write(
            &user,
            Some("prod"),
            "",
            &rules,
            |_| false,
            rules_for
        )),
        format!("{HEADER}\n{{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"get\" \"list\"]}}")
    );
    // A ClusterRole needs the rules cluster-wide.
    assert!(check_role_write(&user, None, "", &rules, |_| false, rules_for).is_err());
}

#[test]
fn role_write_prints_resolution_errors_as_the_registry_words_them() {
    let rules_for = |_: &UserInfo, _: &str| {
        (
            vec![],
            strings(&[
                r#"role.rbac.authorization.k8s.io "gone" not found"#,
                r#"clusterrole.rbac.authorization.k8s.io "old" not found"#,
                "something else",
            ]),
        )
    };
    let got = message(check_role_write(
        &junho(),
        Some("dev-team"),
        "",
        &[res(&[""], &["pods"], &["get"])],
        |_| false,
        rules_for,
    ));
    assert_eq!(
        got,
        format!(
            "{HEADER}\n{{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"get\"]}}; resolution errors: [[roles.rbac.authorization.k8s.io \"gone\" not found, clusterroles.rbac.authorization.k8s.io \"old\" not found, something else]]"
        )
    );
}

#[test]
fn aggregation_rule_needs_full_authority() {
    let admin = |_: &UserInfo, _: &str| {
        (
            vec![res(&["*"], &["*"], &["*"]), url(&["*"], &["*"])],
            vec![],
        )
    };
    let resources_only = |_: &UserInfo, _: &str| (vec![res(&["*"], &["*"], &["*"])], vec![]);
    assert_eq!(
        check_aggregation_rule_write(&junho(), "", |_| false, admin),
        Ok(())
    );
    let denied = check_aggregation_rule_write(&junho(), "", |_| false, resources_only);
    assert_eq!(
        denied,
        Err(EscalationError::AggregationRuleRequiresClusterAdmin)
    );
    assert_eq!(
        message(denied),
        "must have cluster-admin privileges to use the aggregationRule"
    );
    assert_eq!(
        AGGREGATION_RULE_MESSAGE,
        EscalationError::AggregationRuleRequiresClusterAdmin.to_string()
    );
    // Superusers and users who may escalate clusterroles skip it.
    assert_eq!(
        check_aggregation_rule_write(&superuser(), "", |_| false, resources_only),
        Ok(())
    );
    let calls = Calls::default();
    assert_eq!(
        check_aggregation_rule_write(
            &junho(),
            "monitoring",
            calls.authorizer(|a| a.verb == "escalate" && a.resource == "clusterroles"),
            resources_only
        ),
        Ok(())
    );
    assert_eq!(calls.authorized.borrow()[0].name, "monitoring");
}

// ---------------------------------------------------------------------------------------------
// check_binding_write: the bind verb and role-ref resolution.

fn role_ref(kind: RoleRefKind, name: &str) -> RoleRef {
    RoleRef {
        kind,
        name: name.into(),
    }
}

#[test]
fn binding_write_asks_bind_with_kubernetes_attributes() {
    let user = junho();
    let cases = [
        // RoleBinding to a Role.
        (
            Some("dev-team"),
            role_ref(RoleRefKind::Role, "pod-reader"),
            "dev-team",
            "roles",
        ),
        // RoleBinding to a ClusterRole: checked in the binding's namespace.
        (
            Some("dev-team"),
            role_ref(RoleRefKind::ClusterRole, "view"),
            "dev-team",
            "clusterroles",
        ),
        // ClusterRoleBinding.
        (
            None,
            role_ref(RoleRefKind::ClusterRole, "view"),
            "",
            "clusterroles",
        ),
    ];
    for (namespace, role_ref, want_namespace, want_resource) in cases {
        let calls = Calls::default();
        let result = check_binding_write(
            &user,
            namespace,
            &role_ref,
            &[res(&["*"], &["*"], &["*"])],
            calls.authorizer(|_| true),
            calls.resolver(|_, _| panic!("rules are not needed once bind is allowed")),
        );
        assert_eq!(result, Ok(()));
        assert_eq!(
            calls.authorized.borrow().as_slice(),
            [Attributes {
                user: user.clone(),
                verb: "bind".into(),
                resource_request: true,
                namespace: want_namespace.into(),
                api_group: "rbac.authorization.k8s.io".into(),
                api_version: "*".into(),
                resource: want_resource.into(),
                subresource: String::new(),
                name: role_ref.name.clone(),
                path: String::new(),
            }]
        );
    }
}

#[test]
fn binding_write_without_bind_needs_the_role_rules() {
    let user = junho();
    let view = role_ref(RoleRefKind::ClusterRole, "view");
    let view_rules = [res(
        &["", "apps"],
        &["pods", "deployments"],
        &["get", "list", "watch"],
    )];
    let holds_view_in_dev = |_: &UserInfo, namespace: &str| {
        if namespace == "dev-team" {
            (vec![res(&["*"], &["*"], &["get", "list", "watch"])], vec![])
        } else {
            (vec![], vec![])
        }
    };
    // Covered in dev-team.
    let calls = Calls::default();
    assert_eq!(
        check_binding_write(
            &user,
            Some("dev-team"),
            &view,
            &view_rules,
            calls.authorizer(|_| false),
            calls.resolver(holds_view_in_dev)
        ),
        Ok(())
    );
    assert_eq!(calls.authorized.borrow().len(), 1);
    assert_eq!(calls.resolved.borrow().as_slice(), ["dev-team".to_string()]);
    // Not in prod, nor cluster-wide.
    for namespace in [Some("prod"), None] {
        let got = message(check_binding_write(
            &user,
            namespace,
            &view,
            &view_rules,
            |_| false,
            holds_view_in_dev,
        ));
        assert_eq!(
            got,
            [
                HEADER,
                r#"{APIGroups:[""], Resources:["deployments"], Verbs:["get" "list" "watch"]}"#,
                r#"{APIGroups:[""], Resources:["pods"], Verbs:["get" "list" "watch"]}"#,
                r#"{APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "list" "watch"]}"#,
                r#"{APIGroups:["apps"], Resources:["pods"], Verbs:["get" "list" "watch"]}"#,
            ]
            .join("\n")
        );
    }
    // bind on another role's name does not help.
    let bind_edit_only = |a: &Attributes| a.verb == "bind" && a.name == "edit";
    assert!(
        check_binding_write(
            &user,
            Some("prod"),
            &view,
            &view_rules,
            bind_edit_only,
            holds_view_in_dev
        )
        .is_err()
    );
}

#[test]
fn superuser_binds_anything_without_asking() {
    let calls = Calls::default();
    assert_eq!(
        check_binding_write_with_lookup(
            &superuser(),
            None,
            &role_ref(RoleRefKind::ClusterRole, "cluster-admin"),
            None,
            calls.authorizer(|_| false),
            calls.resolver(|_, _| (vec![], vec![])),
        ),
        Ok(())
    );
    assert!(calls.authorized.borrow().is_empty());
    assert!(calls.resolved.borrow().is_empty());
}

#[test]
fn binding_a_missing_role() {
    let user = junho();
    let nothing = |_: &UserInfo, _: &str| (vec![], vec![]);
    // With bind: allowed, the role is never resolved.
    assert_eq!(
        check_binding_write_with_lookup(
            &user,
            Some("dev-team"),
            &role_ref(RoleRefKind::Role, "later"),
            None,
            |_| true,
            nothing
        ),
        Ok(())
    );
    // Without: the registry's NotFound.
    let cases = [
        (
            RoleRefKind::Role,
            r#"roles.rbac.authorization.k8s.io "later" not found"#,
        ),
        (
            RoleRefKind::ClusterRole,
            r#"clusterroles.rbac.authorization.k8s.io "later" not found"#,
        ),
    ];
    for (kind, want) in cases {
        let result = check_binding_write_with_lookup(
            &user,
            Some("dev-team"),
            &role_ref(kind, "later"),
            None,
            |_| false,
            nothing,
        );
        assert_eq!(
            result,
            Err(EscalationError::RoleRefNotFound {
                kind,
                name: "later".into()
            })
        );
        assert_eq!(message(result), want);
    }
}

#[test]
fn binding_an_empty_role_is_always_allowed() {
    assert_eq!(
        check_binding_write(
            &junho(),
            None,
            &role_ref(RoleRefKind::ClusterRole, "empty"),
            &[],
            |_| false,
            |_, _| (vec![], vec![]),
        ),
        Ok(())
    );
}

#[test]
fn superuser_is_system_masters_only() {
    assert!(is_superuser(&superuser()));
    assert!(is_superuser(&UserInfo::new("x", ["a", "system:masters"])));
    assert!(!is_superuser(&UserInfo::new(
        "system:masters",
        ["system:authenticated"]
    )));
    assert!(!is_superuser(&UserInfo::new(
        "x",
        ["system:master", "System:Masters"]
    )));
}

// ---------------------------------------------------------------------------------------------
// Properties: no panics, compaction is lossless.

fn vocabulary() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop::sample::select(vec![
            "", "*", "get", "pods", "pods/log", "*/log", "/api*", "/api", "a\"b",
        ]),
        0..3,
    )
    .prop_map(|v| v.into_iter().map(String::from).collect())
}

fn any_rule() -> impl Strategy<Value = PolicyRule> {
    (
        vocabulary(),
        vocabulary(),
        vocabulary(),
        vocabulary(),
        vocabulary(),
    )
        .prop_map(
            |(verbs, api_groups, resources, resource_names, non_resource_urls)| PolicyRule {
                verbs,
                api_groups,
                resources,
                resource_names,
                non_resource_urls,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn never_panics_and_compaction_is_lossless(
        owner in prop::collection::vec(any_rule(), 0..4),
        requested in prop::collection::vec(any_rule(), 0..4),
        errors in prop::collection::vec("[a-z\"]{0,4}", 0..3),
    ) {
        let (covered, missing) = covers(&owner, &requested);
        prop_assert_eq!(covered, missing.is_empty());
        let compacted = compact_rules(&missing);
        prop_assert!(covers(&compacted, &missing).0);
        prop_assert!(covers(&missing, &compacted).0);
        let user = UserInfo::new("u\u{0}", ["g\n"]);
        let result = confirm_no_escalation(&user, &requested, &owner, &errors);
        prop_assert_eq!(result.is_ok(), covered);
        if let Err(err) = result {
            let text = err.to_string();
            prop_assert!(text.starts_with(r#"user "u\x00" (groups=["g\n"]) is attempting"#));
        }
    }
}
