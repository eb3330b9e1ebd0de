//! Tests of the permission diff.

use super::*;
use crate::sources::{self, manifest};

const OLD: &str = "
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: dev}
rules: [{apiGroups: [''], resources: [pods], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-pods, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
subjects: [{kind: User, name: alice}]
";

#[test]
fn gained_and_lost_permissions_per_subject() {
    let new = OLD.replace("[get, list]", "[get, delete]");
    let old = sources::build_policy(manifest::parse(OLD, "old").unwrap(), true).policy;
    let new = sources::build_policy(manifest::parse(&new, "new").unwrap(), true).policy;
    let changes = diff(&old, &new);
    assert_eq!(
        render(&changes),
        "User/alice\n  + delete pods in namespace dev\n  - list pods in namespace dev\n"
    );
}

#[test]
fn the_same_policy_has_no_changes() {
    let old = sources::build_policy(manifest::parse(OLD, "old").unwrap(), true).policy;
    assert_eq!(diff(&old, &old), vec![]);
    assert_eq!(render(&[]), "No changes in permissions.\n");
}
