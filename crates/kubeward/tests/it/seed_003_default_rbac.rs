//! Seed 003 with the real kubectl: the bootstrap policy, the system groups, anonymous and bad
//! credentials, and impersonation, compared with a real kube-apiserver's answers
//! (`../shared/golden/c-default-rbac`).

use kubeward_testkit::cluster::{self, Cluster};
use kubeward_testkit::golden::{self as steps, Compare};

#[test]
fn bootstrap_policy_anonymous_and_bad_tokens_as_on_a_real_cluster() {
    let cluster = Cluster::up();
    // The captures ran with kubectl's discovery cache already filled by earlier steps; without
    // it, a rejected token also fails discovery and kubectl logs that first.
    let warmed = steps::bash(&cluster, "kubectl api-resources >/dev/null");
    assert_eq!(warmed.code, 0, "{}", warmed.stderr);
    for step in [
        "c-default-rbac/04-describe-cluster-admin",
        "c-default-rbac/05-describe-basic-user",
        "c-default-rbac/06-describe-discovery",
        "c-default-rbac/07-describe-public-info-viewer",
        "c-default-rbac/08-describe-crb-basic-user",
        "c-default-rbac/14-describe-admin-edit-view",
    ] {
        steps::check(&cluster, step, Compare::Exact);
    }
    steps::check(
        &cluster,
        "c-default-rbac/09-clusterroles-table",
        Compare::Table,
    );
    steps::check(
        &cluster,
        "c-default-rbac/10-clusterrolebindings-wide",
        Compare::Table,
    );
    for step in [
        "c-default-rbac/01-can-i-list-anonymous",
        "c-default-rbac/02-can-i-list-authenticated",
        "c-default-rbac/03-can-i-list-admin",
        "c-default-rbac/29-bad-token-kubectl",
        "c-default-rbac/30-bad-token-kubectl-whoami",
    ] {
        steps::check(&cluster, step, Compare::Exact);
    }
    for step in [
        "c-default-rbac/15-anon-namespaces-403",
        "c-default-rbac/27-bad-token-401",
        "c-default-rbac/31-malformed-jwt-401",
    ] {
        steps::check(&cluster, step, Compare::Http);
    }
    let version = steps::bash(&cluster, "curl -sS --cacert $P/ca.crt $API/version");
    assert!(
        version.stdout.contains("\"gitVersion\""),
        "{}",
        version.stdout
    );
    let health = steps::bash(&cluster, "curl -sS --cacert $P/ca.crt $API/healthz");
    assert_eq!(health.stdout, "ok");
}

#[test]
fn admin_is_system_masters_and_impersonation_is_authorized() {
    let cluster = Cluster::up();
    let whoami = cluster::ok(&cluster.kubectl(&["auth", "whoami"]));
    let rows: Vec<&str> = whoami.lines().collect();
    assert_eq!(
        rows[1].split_whitespace().collect::<Vec<_>>(),
        ["Username", "kubernetes-admin"]
    );
    assert_eq!(
        rows[2].split_whitespace().collect::<Vec<_>>(),
        ["Groups", "[system:masters", "system:authenticated]"]
    );
    // Every namespace has its default ServiceAccount.
    let accounts = cluster::ok(&cluster.kubectl(&["get", "serviceaccounts", "-A", "-o", "name"]));
    assert_eq!(
        accounts.matches("serviceaccount/default").count(),
        4,
        "{accounts}"
    );

    // The admin may impersonate; the answers are the impersonated user's.
    steps::check(&cluster, "b-serviceaccount/01-ns-create", Compare::Exact);
    steps::check(&cluster, "b-serviceaccount/02-sa-create", Compare::Exact);
    steps::check(&cluster, "b-serviceaccount/11-role-apply", Compare::Exact);
    steps::check(
        &cluster,
        "b-serviceaccount/40-as-sa-impersonation",
        Compare::Exact,
    );

    // A user without the impersonate verb is refused with Kubernetes' classic message.
    let denied = steps::bash(
        &cluster,
        "kubectl create token dev-k8s -n dev-team > $W/t && \
         kubectl --server=$API --certificate-authority=$P/ca.crt --kubeconfig=/dev/null --token=$(cat $W/t) \
           get pods -n dev-team --as=someone",
    );
    assert_eq!(denied.code, 1);
    assert_eq!(
        denied.stderr,
        "Error from server (Forbidden): users \"someone\" is forbidden: User \"system:serviceaccount:dev-team:dev-k8s\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope\n"
    );
}

#[test]
fn a_labelled_cluster_role_is_aggregated_into_view_edit_and_admin() {
    let cluster = Cluster::up();
    let ran = steps::bash(
        &cluster,
        "kubectl create clusterrole node-reader --verb=get,list --resource=nodes && \
         kubectl label clusterrole node-reader rbac.authorization.k8s.io/aggregate-to-view=true >/dev/null && \
         kubectl describe clusterrole view | grep '^  nodes '; kubectl describe clusterrole admin | grep -c '^  nodes '; \
         kubectl delete clusterrole node-reader >/dev/null && kubectl describe clusterrole view | grep -c '^  nodes '",
    );
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "clusterrole.rbac.authorization.k8s.io/node-reader created"
    );
    assert_eq!(
        lines[1].split_whitespace().collect::<Vec<_>>(),
        ["nodes", "[]", "[]", "[get", "list]"]
    );
    assert_eq!(lines[2], "1", "edit and admin gather view's rules");
    assert_eq!(lines[3], "0", "deleting the role takes its rules out again");
}
