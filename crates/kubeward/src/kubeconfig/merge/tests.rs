//! What a merge keeps, replaces and refuses.

use super::*;

const SOURCE: &str = "
apiVersion: v1
kind: Config
clusters:
- name: kubernetes
  cluster: {server: 'https://127.0.0.1:6443', certificate-authority-data: Q0E=}
users:
- name: kubernetes-admin
  user: {client-certificate-data: Q0VSVA==, client-key-data: S0VZ}
contexts:
- name: default/kubernetes/kubernetes-admin
  context: {cluster: kubernetes, user: kubernetes-admin, namespace: default}
current-context: default/kubernetes/kubernetes-admin
";

const NAMES: Names<'static> = Names {
    cluster: "kubeward",
    user: "kubeward-admin",
    context: "kubeward",
};

fn source() -> Kubeconfig {
    Kubeconfig::from_yaml(SOURCE).unwrap()
}

#[test]
fn an_empty_target_gets_the_current_context_under_the_new_names() {
    let merged = merge(Kubeconfig::default(), &source(), NAMES).unwrap();
    assert_eq!(merged.clusters.len(), 1);
    assert_eq!(merged.clusters[0].name, "kubeward");
    let cluster = merged.clusters[0].cluster.as_ref().unwrap();
    assert_eq!(cluster.server.as_deref(), Some("https://127.0.0.1:6443"));
    assert_eq!(merged.auth_infos[0].name, "kubeward-admin");
    let context = merged.contexts[0].context.as_ref().unwrap();
    assert_eq!(
        (merged.contexts[0].name.as_str(), context.cluster.as_str()),
        ("kubeward", "kubeward")
    );
    assert_eq!(context.user.as_deref(), Some("kubeward-admin"));
    assert_eq!(context.namespace.as_deref(), Some("default"));
    assert_eq!(merged.api_version.as_deref(), Some("v1"));
    // The caller decides the current context.
    assert_eq!(merged.current_context, None);
}

#[test]
fn other_entries_stay_and_entries_of_the_same_name_are_replaced() {
    let target = Kubeconfig::from_yaml(
        "
apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster: {server: 'https://prod.example.com'}
- name: kubeward
  cluster: {server: 'https://127.0.0.1:1'}
users:
- name: me
  user: {token: abc}
contexts:
- name: prod
  context: {cluster: prod, user: me}
current-context: prod
",
    )
    .unwrap();
    let merged = merge(target, &source(), NAMES).unwrap();
    let names: Vec<&str> = merged.clusters.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["prod", "kubeward"]);
    assert_eq!(
        merged.clusters[1]
            .cluster
            .as_ref()
            .unwrap()
            .server
            .as_deref(),
        Some("https://127.0.0.1:6443")
    );
    let users: Vec<&str> = merged.auth_infos.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(users, ["me", "kubeward-admin"]);
    let contexts: Vec<&str> = merged.contexts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(contexts, ["prod", "kubeward"]);
    assert_eq!(merged.current_context.as_deref(), Some("prod"));
}

#[test]
fn a_source_without_its_current_context_is_refused() {
    let mut broken = source();
    broken.current_context = Some("nope".into());
    assert_eq!(
        merge(Kubeconfig::default(), &broken, NAMES).unwrap_err(),
        MergeError::Incomplete("has no context \"nope\"".into())
    );
    broken.current_context = None;
    assert!(merge(Kubeconfig::default(), &broken, NAMES).is_err());
}
