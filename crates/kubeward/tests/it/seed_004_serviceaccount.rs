//! Seed 004's ServiceAccount lab with the real kubectl: namespaces, ServiceAccounts,
//! `kubectl create token`, Forbidden before the Role, allowed after, other namespaces denied;
//! compared with a real kube-apiserver's answers (`../shared/golden/b-serviceaccount`).

use crate::cluster::Cluster;
use crate::steps::{self, Compare};

fn token_kubeconfig(cluster: &Cluster) {
    let made = steps::bash(
        cluster,
        "kubectl config --kubeconfig=$W/dev-k8s.kubeconfig set-cluster c --server=$API --certificate-authority=$P/ca.crt --embed-certs=true >/dev/null \
         && kubectl config --kubeconfig=$W/dev-k8s.kubeconfig set-credentials dev-k8s --token=$(cat $W/dev-k8s.token) >/dev/null \
         && kubectl config --kubeconfig=$W/dev-k8s.kubeconfig set-context dev-k8s --cluster=c --user=dev-k8s >/dev/null \
         && kubectl config --kubeconfig=$W/dev-k8s.kubeconfig use-context dev-k8s >/dev/null",
    );
    assert_eq!(made.code, 0, "{}", made.stderr);
}

#[test]
fn seed_004_service_account_lab_as_on_a_real_cluster() {
    let cluster = Cluster::up();
    steps::check(&cluster, "b-serviceaccount/01-ns-create", Compare::Exact);
    steps::check(&cluster, "b-serviceaccount/02-sa-create", Compare::Exact);
    steps::check(&cluster, "b-serviceaccount/04-sa-list", Compare::Table);
    let created = steps::run(&cluster, "b-serviceaccount/05-create-token");
    assert_eq!(created.code, 0, "{}", created.stderr);
    assert!(
        created.stdout.starts_with("eyJhbGciOiJSUzI1NiIs"),
        "{}",
        created.stdout
    );
    token_kubeconfig(&cluster);

    let claims = steps::run(&cluster, "b-serviceaccount/07-token-claims");
    for line in [
        "\"iss\": \"https://kubernetes.default.svc\"",
        "\"namespace\": \"dev-team\"",
        "\"name\": \"dev-k8s\"",
        "\"sub\": \"system:serviceaccount:dev-team:dev-k8s\"",
    ] {
        assert!(claims.stdout.contains(line), "{line} in {}", claims.stdout);
    }

    steps::check(
        &cluster,
        "b-serviceaccount/08-sa-get-pods-forbidden",
        Compare::Exact,
    );
    steps::check(&cluster, "b-serviceaccount/10-sa-can-i-no", Compare::Exact);
    steps::check(&cluster, "b-serviceaccount/11-role-apply", Compare::Exact);
    steps::check(
        &cluster,
        "b-serviceaccount/12-sa-get-pods-ok",
        Compare::Exact,
    );
    steps::check(&cluster, "b-serviceaccount/13-sa-can-i-yes", Compare::Exact);
    steps::check(
        &cluster,
        "b-serviceaccount/14-sa-can-i-list",
        Compare::Exact,
    );
    steps::check(
        &cluster,
        "b-serviceaccount/15-sa-can-i-list-default",
        Compare::Exact,
    );
    steps::check(&cluster, "b-serviceaccount/17-sa-cross-ns", Compare::Exact);
    steps::check(
        &cluster,
        "b-serviceaccount/18-sa-cross-ns-can-i",
        Compare::Exact,
    );
    steps::check(
        &cluster,
        "b-serviceaccount/19-sa-cluster-scope",
        Compare::Exact,
    );
    steps::check(&cluster, "b-serviceaccount/20-sa-get-nodes", Compare::Exact);
    steps::check(
        &cluster,
        "b-serviceaccount/24-token-duration-too-short",
        Compare::Exact,
    );
}
