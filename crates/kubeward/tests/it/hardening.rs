//! What kube-apiserver refuses is refused here too, in its words (issue 21, found by an outside
//! probe of `kubeward up`).

use crate::cluster::Cluster;
use crate::steps::{self, Compare};

/// kube-apiserver's message for a name that is not a DNS-1123 subdomain.
const SUBDOMAIN: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
/// kube-apiserver's message for a label value.
const LABEL_VALUE: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
/// kube-apiserver's message for a name that is not a DNS-1123 label.
const LABEL: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/// The privilege escalation the probe found: an admin of namespace `team` created
/// ServiceAccount `a:b`, whose user name `system:serviceaccount:team:a:b` matched a RoleBinding
/// subject `{kind: ServiceAccount, namespace: "team:a", name: "b"}` elsewhere, and read that
/// namespace's Secret with its token. kube-apiserver refuses both names, so no such identity can
/// exist.
#[test]
fn no_service_account_name_can_pass_for_another_namespaces_account() {
    let cluster = Cluster::up();
    let setup = steps::bash(
        &cluster,
        "kubectl create namespace team >/dev/null && kubectl create namespace victim >/dev/null && \
         kubectl create secret generic crown -n victim --from-literal=k=v >/dev/null && \
         kubectl create rolebinding team-admin -n team --clusterrole=admin --user=alice >/dev/null && \
         kubectl create role read-secrets -n victim --verb=get --resource=secrets >/dev/null && \
         kubectl apply -f - >/dev/null <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: confused, namespace: victim}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: read-secrets}
subjects: [{kind: ServiceAccount, namespace: \"team:a\", name: b}]
EOF",
    );
    assert_eq!(setup.code, 0, "{}", setup.stderr);

    let account = steps::bash(
        &cluster,
        "kubectl create serviceaccount a:b -n team --as=alice",
    );
    assert_eq!(account.code, 1);
    assert_eq!(
        account.stderr,
        format!(
            "error: failed to create serviceaccount: ServiceAccount \"a:b\" is invalid: metadata.name: Invalid value: \"a:b\": {SUBDOMAIN}\n"
        )
    );
    let token = steps::bash(&cluster, "kubectl create token a:b -n team --as=alice");
    assert_eq!(
        (token.code, token.stderr.as_str()),
        (
            1,
            "error: failed to create token: serviceaccounts \"a:b\" not found\n"
        )
    );
    let namespace = steps::bash(&cluster, "kubectl create namespace team:a");
    assert_eq!(namespace.code, 1);
    // The namespace's own name label (kubernetes.io/metadata.name, set by defaulting before
    // validation) is refused with it.
    assert_eq!(
        namespace.stderr,
        format!(
            "The Namespace \"team:a\" is invalid: \n* metadata.name: Invalid value: \"team:a\": {LABEL}\n* metadata.labels: Invalid value: \"team:a\": {LABEL_VALUE}\n"
        )
    );
    // Through the raw API as well, whatever the client.
    let raw = steps::bash(
        &cluster,
        "$ADMINCURL -X POST -H 'Content-Type: application/json' \
         -d '{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"a:b\"}}' \
         $API/api/v1/namespaces/team/serviceaccounts",
    );
    assert!(raw.stdout.starts_with("HTTP/2 422"), "{}", raw.stdout);
    let accounts = steps::bash(&cluster, "kubectl get serviceaccounts -n team -o name");
    assert_eq!(accounts.stdout, "serviceaccount/default\n");
}

/// The golden capture of a bad namespace name, through kubectl and raw.
#[test]
fn a_namespace_with_a_bad_name_is_refused_as_on_a_real_cluster() {
    let cluster = Cluster::up();
    steps::check(
        &cluster,
        "c-default-rbac/51-ns-422-bad-name",
        Compare::Exact,
    );
    steps::check(
        &cluster,
        "c-default-rbac/52-ns-422-bad-name-raw",
        Compare::Http,
    );
}
