//! Tests of `explain` on seed 004's dev-team Role and the bootstrap policy.

use kubeward_core::user::impersonated_user;

use super::*;
use crate::sources::{self, manifest};

const POLICY: &str = "
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: dev-team}
rules:
  - {apiGroups: [''], resources: [pods], verbs: [get, list]}
  - {apiGroups: [''], resources: [configmaps], resourceNames: [app-config], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-pods, namespace: dev-team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
subjects: [{kind: ServiceAccount, name: dev-k8s, namespace: dev-team}]
";

fn policy() -> Policy {
    sources::build_policy(manifest::parse(POLICY, "p.yaml").unwrap(), true).policy
}

fn dev_k8s() -> UserInfo {
    let mut user = impersonated_user("system:serviceaccount:dev-team:dev-k8s", vec![]);
    user.groups = vec![
        "system:serviceaccounts".into(),
        "system:serviceaccounts:dev-team".into(),
        "system:authenticated".into(),
    ];
    user
}

#[test]
fn an_allowed_request_names_the_matching_rule() {
    let attrs = Attributes::resource(dev_k8s(), "list", "", "pods", "dev-team");
    let e = explain(&policy(), &attrs);
    assert!(e.allowed);
    let binding = e
        .bindings
        .iter()
        .find(|b| b.binding == "RoleBinding/dev-team/read-pods")
        .unwrap();
    assert_eq!(binding.matched_rule, Some(1));
    assert_eq!(binding.via, "ServiceAccount/dev-team/dev-k8s");
    assert!(
        render(&e, "q")
            .contains("ALLOWS: rule 1 verbs=[get,list] apiGroups=[\"\"] resources=[pods]")
    );
}

#[test]
fn a_denied_request_names_what_the_nearest_rule_lacks() {
    let attrs = Attributes::resource(dev_k8s(), "delete", "", "pods", "dev-team");
    let e = explain(&policy(), &attrs);
    assert!(!e.allowed);
    let binding = e
        .bindings
        .iter()
        .find(|b| b.binding == "RoleBinding/dev-team/read-pods")
        .unwrap();
    assert_eq!(binding.nearest_miss, Some((1, vec![Lack::Verb])));

    let log =
        Attributes::resource(dev_k8s(), "get", "", "pods", "dev-team").with_subresource("log");
    let e = explain(&policy(), &log);
    let binding = e
        .bindings
        .iter()
        .find(|b| b.binding == "RoleBinding/dev-team/read-pods")
        .unwrap();
    assert_eq!(binding.nearest_miss, Some((1, vec![Lack::Subresource])));

    let other =
        Attributes::resource(dev_k8s(), "get", "", "configmaps", "dev-team").with_name("other");
    let e = explain(&policy(), &other);
    let binding = e
        .bindings
        .iter()
        .find(|b| b.binding == "RoleBinding/dev-team/read-pods")
        .unwrap();
    assert_eq!(binding.nearest_miss, Some((2, vec![Lack::Name])));
}

#[test]
fn another_namespace_is_reported_as_the_lack() {
    let attrs = Attributes::resource(dev_k8s(), "get", "", "pods", "infra-team");
    let e = explain(&policy(), &attrs);
    assert!(!e.allowed);
    assert!(
        e.bindings
            .iter()
            .all(|b| b.binding.starts_with("ClusterRoleBinding/"))
    );
    assert_eq!(e.elsewhere.len(), 1);
    assert_eq!(
        e.elsewhere[0].nearest_miss,
        Some((1, vec![Lack::Namespace]))
    );
    let text = render(&e, "q");
    assert!(
        text.contains(
            "Would be allowed in another namespace by:\n  RoleBinding/dev-team/read-pods"
        ),
        "{text}"
    );
}
