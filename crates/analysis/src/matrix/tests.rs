//! Tests of the access matrix over the bootstrap policy plus seed 004's dev-team Role.

use kubeward_core::discovery;
use kubeward_core::user::impersonated_user;

use super::*;
use crate::sources::{self, manifest};

const DEV_TEAM: &str = "
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: role-dev-team, namespace: dev-team}
rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: roleB-dev-team, namespace: dev-team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: role-dev-team}
subjects: [{kind: ServiceAccount, name: dev-k8s, namespace: dev-team}]
";

fn policy() -> Policy {
    sources::build_policy(manifest::parse(DEV_TEAM, "dev-team.yaml").unwrap(), true).policy
}

fn verbs() -> Vec<String> {
    DEFAULT_VERBS.iter().map(|v| v.to_string()).collect()
}

#[test]
fn the_dev_team_service_account_may_do_everything_in_its_namespace_only() {
    let policy = policy();
    let user = impersonated_user("system:serviceaccount:dev-team:dev-k8s", vec![]);
    let catalog = discovery::builtin();
    let own = for_user(
        &policy,
        &user,
        "dev-team",
        &verbs(),
        &resources(catalog, "dev-team"),
    );
    let pods = own.rows.iter().find(|r| r.name == "pods").unwrap();
    assert_eq!(pods.cells, vec![Cell::Allowed; 4]);
    let other = for_user(
        &policy,
        &user,
        "infra-team",
        &verbs(),
        &resources(catalog, "infra-team"),
    );
    let pods = other.rows.iter().find(|r| r.name == "pods").unwrap();
    assert_eq!(pods.cells, vec![Cell::Denied; 4]);
    assert!(
        own.rows.iter().all(|r| r.name != "nodes"),
        "cluster-scoped rows in a namespace"
    );
}

#[test]
fn verbs_a_resource_lacks_are_not_applicable() {
    let policy = policy();
    let user = impersonated_user("admin", vec!["system:masters".into()]);
    let catalog = discovery::builtin();
    let all = for_user(&policy, &user, "", &verbs(), &resources(catalog, ""));
    let reviews = all
        .rows
        .iter()
        .find(|r| r.name == "selfsubjectaccessreviews.authorization.k8s.io")
        .unwrap();
    assert_eq!(
        reviews.cells,
        vec![
            Cell::NotApplicable,
            Cell::Allowed,
            Cell::NotApplicable,
            Cell::NotApplicable
        ]
    );
}

#[test]
fn for_a_resource_the_rows_are_the_subjects() {
    let matrix = for_resource(&policy(), "", "pods", "dev-team", &verbs());
    let text = render(&matrix, Paint::PLAIN);
    let line = text
        .lines()
        .find(|l| l.starts_with("dev-k8s "))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(
        line.split_whitespace().collect::<Vec<_>>(),
        ["dev-k8s", "ServiceAccount", "dev-team", "✔", "✔", "✔", "✔"]
    );
    assert!(text.starts_with("NAME "), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("system:masters ")),
        "{text}"
    );
}
