//! Tests of the lint checks over the bootstrap policy plus risky manifests.

use super::*;
use crate::sources::{self, manifest};

const RISKY: &str = include_str!("risky.yaml");

fn lint_of(text: &str) -> Vec<Finding> {
    let loaded = sources::build_policy(manifest::parse(text, "risky.yaml").unwrap(), true);
    lint(&loaded.policy, &loaded.origins)
}

fn has(findings: &[Finding], rule: &str, object: &str, severity: Severity) -> bool {
    findings
        .iter()
        .any(|f| f.rule == rule && f.object == object && f.severity == severity)
}

#[test]
fn the_bootstrap_policy_alone_is_clean() {
    let loaded = sources::build_policy(Default::default(), true);
    let findings = lint(&loaded.policy, &loaded.origins);
    assert_eq!(findings, vec![], "{}", render(&findings));
}

#[test]
fn every_check_fires_on_the_risky_manifests() {
    let findings = lint_of(RISKY);
    let table = render(&findings);
    for (rule, object, severity) in [
        (
            "wildcard",
            "Role/dev-team/role-dev-team",
            Severity::Critical,
        ),
        (
            "secrets-cluster-wide",
            "ClusterRoleBinding/read-secrets",
            Severity::High,
        ),
        ("escalate-bind", "ClusterRole/escalator", Severity::High),
        ("impersonate", "ClusterRole/escalator", Severity::High),
        ("pods-exec", "ClusterRole/debugger", Severity::High),
        ("nodes-proxy", "ClusterRole/debugger", Severity::High),
        (
            "serviceaccount-token",
            "ClusterRole/debugger",
            Severity::High,
        ),
        ("csr-approve", "ClusterRole/approver", Severity::High),
        (
            "cluster-admin-binding",
            "ClusterRoleBinding/alice-admin",
            Severity::Critical,
        ),
        (
            "system-authenticated-binding",
            "ClusterRoleBinding/everyone-reads",
            Severity::High,
        ),
        (
            "system-unauthenticated-binding",
            "ClusterRoleBinding/anonymous-reads",
            Severity::Critical,
        ),
        ("missing-role", "RoleBinding/dev-team/ghost", Severity::Low),
        ("unused-role", "ClusterRole/approver", Severity::Info),
    ] {
        assert!(
            has(&findings, rule, object, severity),
            "{rule} {object} {severity}\n{table}"
        );
    }
    assert!(
        findings.iter().all(|f| f.location == "risky.yaml"),
        "{table}"
    );
    assert!(fails(&findings, Severity::Critical));
}

#[test]
fn findings_are_ordered_most_severe_first() {
    let findings = lint_of(RISKY);
    assert!(findings.windows(2).all(|w| w[0].severity >= w[1].severity));
}

#[test]
fn sarif_is_version_2_1_0_with_a_result_per_finding() {
    let findings = lint_of(RISKY);
    let log = sarif(&findings);
    assert_eq!(log["version"], "2.1.0");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "risky.yaml"
    );
    assert_eq!(results[0]["level"], "error");
}

#[test]
fn an_unknown_level_is_named() {
    assert_eq!(
        "severe".parse::<Severity>().unwrap_err().to_string(),
        "unknown severity \"severe\" (use info, low, medium, high or critical)"
    );
}

#[test]
fn a_check_accepted_by_its_object_s_annotation_is_shown_but_does_not_fail() {
    let text = "\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: gateway
  annotations:
    lint.kubeward.io/accept-impersonate: the gateway acts as whoever signs in
rules:
- {apiGroups: [''], resources: [users, groups], verbs: [impersonate]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: other}
rules:
- {apiGroups: [''], resources: [users], verbs: [impersonate]}
";
    let loaded = sources::build_policy(manifest::parse(text, "gateway.yaml").unwrap(), true);
    let mut findings = lint(&loaded.policy, &loaded.origins);
    accept(&mut findings, &loaded.accepted);
    let impersonation: Vec<(&str, Option<&str>)> = findings
        .iter()
        .filter(|f| f.rule == "impersonate")
        .map(|f| (f.object.as_str(), f.accepted.as_deref()))
        .collect();
    assert_eq!(
        impersonation,
        [
            (
                "ClusterRole/gateway",
                Some("the gateway acts as whoever signs in")
            ),
            ("ClusterRole/other", None)
        ]
    );
    assert!(
        fails(&findings, Severity::High),
        "the other one still fails"
    );
    let accepted_only: Vec<Finding> = findings
        .iter()
        .filter(|f| f.object == "ClusterRole/gateway" && f.rule == "impersonate")
        .cloned()
        .collect();
    assert!(!fails(&accepted_only, Severity::Info));
    assert!(render(&accepted_only).contains("(accepted: the gateway acts as whoever signs in)"));
    assert_eq!(
        sarif(&accepted_only)["runs"][0]["results"][0]["suppressions"][0]["justification"],
        "the gateway acts as whoever signs in"
    );
}
