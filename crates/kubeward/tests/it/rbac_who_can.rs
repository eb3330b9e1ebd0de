//! `kubeward rbac who-can`: subjects with the binding and role that grant them.

use crate::support::{example, run};

#[test]
fn who_can_get_pods_in_dev_team() {
    let from = example("");
    let (code, out, err) = run(&[
        "rbac", "who-can", "get", "pods", "-n", "dev-team", "--from", &from,
    ]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("KIND "), "{out}");
    let has = |needle: &[&str]| {
        lines.iter().any(|line| {
            needle
                .iter()
                .all(|n| line.split_whitespace().any(|w| w == *n))
        })
    };
    assert!(
        has(&[
            "ServiceAccount",
            "dev-k8s",
            "dev-team",
            "RoleBinding/dev-team/roleB-dev-team",
            "Role/role-dev-team"
        ]),
        "{out}"
    );
    assert!(
        has(&[
            "Group",
            "system:masters",
            "ClusterRoleBinding/cluster-admin",
            "ClusterRole/cluster-admin"
        ]),
        "{out}"
    );
    assert!(
        has(&["User", "test", "ClusterRoleBinding/keycloak-crb-test"]),
        "{out}"
    );
    // infra-k8s's binding lives in another namespace.
    assert!(!out.contains("infra-k8s"), "{out}");
}

#[test]
fn who_can_for_cluster_scoped_resources_and_urls() {
    let from = example("");
    let (_, out, _) = run(&["rbac", "who-can", "list", "nodes", "--from", &from]);
    assert!(out.contains("jonnung"), "{out}");
    assert!(!out.contains("dev-k8s"), "{out}");
    let (_, out, _) = run(&["rbac", "who-can", "get", "/version", "--from", &from]);
    assert!(out.contains("system:unauthenticated"), "{out}");
}

#[test]
fn nobody_is_reported_on_stderr() {
    let from = example("seed-002-x509");
    let (code, out, err) = run(&[
        "rbac",
        "who-can",
        "frobnicate",
        "widgets",
        "--no-bootstrap",
        "--from",
        &from,
    ]);
    assert_eq!((code, out.as_str()), (0, ""));
    assert!(err.contains("No subjects found."), "{err}");
}
