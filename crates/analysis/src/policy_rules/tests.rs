//! Tests of `policy-rules`.

use super::*;
use crate::sources::{self, manifest};

const LAB: &str = "
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: dev-team}
rules: [{apiGroups: [''], resources: [pods, pods/log], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-pods, namespace: dev-team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
subjects: [{kind: ServiceAccount, name: dev-k8s}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: dev-view}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:basic-user}
subjects: [{kind: ServiceAccount, name: dev-k8s, namespace: dev-team}]
";

#[test]
fn one_row_per_verb_and_resource_with_where_it_comes_from() {
    let policy = sources::build_policy(manifest::parse(LAB, "lab.yaml").unwrap(), true).policy;
    let rows = policy_rules(&policy, &loose("DEV-K8S").unwrap(), false);
    let shown: Vec<(&str, &str, &str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r.verb.as_str(),
                r.namespace.as_str(),
                r.api_group.as_str(),
                r.resource.as_str(),
                r.originated_from.as_str(),
            )
        })
        .collect();
    assert!(
        shown.contains(&(
            "get",
            "dev-team",
            "",
            "pods/log",
            "Roles>>dev-team/pod-reader "
        )),
        "{shown:?}"
    );
    assert!(
        shown.contains(&(
            "list",
            "dev-team",
            "",
            "pods",
            "Roles>>dev-team/pod-reader "
        )),
        "{shown:?}"
    );
    assert!(
        shown.contains(&(
            "create",
            "*",
            "authorization.k8s.io",
            "selfsubjectaccessreviews",
            "ClusterRoles>>system:basic-user"
        )),
        "{shown:?}"
    );
    assert!(
        rows.iter()
            .all(|r| r.subject == "dev-team/dev-k8s" && r.kind == "ServiceAccount")
    );
    let table = render(&rows);
    assert!(
        table.starts_with("  TYPE           | SUBJECT          | VERBS  | NAMESPACE | API GROUP"),
        "{table}"
    );
}

#[test]
fn inverse_leaves_the_subject_out() {
    let policy = sources::build_policy(manifest::parse(LAB, "lab.yaml").unwrap(), true).policy;
    let rows = policy_rules(&policy, &loose("dev-k8s").unwrap(), true);
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| !r.subject.contains("dev-k8s")));
}
