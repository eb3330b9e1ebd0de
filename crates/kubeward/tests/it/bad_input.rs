//! Bad credentials and bad objects get Kubernetes' own answers, byte for byte in the body
//! (`../shared/golden/c-default-rbac`): ignored Basic and empty Bearer headers, untrusted,
//! expired and server-only client certificates, 404, 409 and 422 with field causes.

use kubeward_testkit::cluster::Cluster;
use kubeward_testkit::golden::{self as steps, Compare};

#[test]
fn bad_credentials_are_anonymous_or_unauthorized_as_on_a_real_cluster() {
    let cluster = Cluster::up();
    for step in [
        "c-default-rbac/32-basic-auth-header",
        "c-default-rbac/33-empty-bearer",
        "c-default-rbac/34-untrusted-client-cert",
        "c-default-rbac/35-expired-client-cert",
        "c-default-rbac/36-server-auth-only-cert",
    ] {
        steps::check(&cluster, step, Compare::Http);
    }
}

#[test]
fn huge_bearer_tokens_get_401_up_to_go_header_limit_then_431() {
    let cluster = Cluster::up();
    // kube-apiserver reads header blocks up to Go's 1 MiB `MaxHeaderBytes`, over HTTP/1.1 as
    // over HTTP/2: a 500 kB token is authenticated (and refused), not dropped with the connection.
    // (Python's client: curl splits a header read with `-H @file` into lines of its own.)
    let ran = steps::bash(
        &cluster,
        "python3 - \"${API#https://}\" \"$P/ca.crt\" <<'EOF'\n\
import http.client, ssl, sys\n\
host, port = sys.argv[1].split(':')\n\
context = ssl.create_default_context(cafile=sys.argv[2])\n\
for size in (500000, 3000000): \
connection = http.client.HTTPSConnection(host, int(port), context=context, timeout=30); \
connection.request('GET', '/api', headers={'Authorization': 'Bearer ' + 'a' * size}); \
print(connection.getresponse().status)\n\
EOF",
    );
    assert_eq!(ran.stdout, "401\n431\n", "{}", ran.stderr);
}

#[test]
fn not_found_conflict_and_invalid_as_on_a_real_cluster() {
    let cluster = Cluster::up();
    let setup = steps::bash(
        &cluster,
        "kubectl create namespace dev-team >/dev/null && kubectl create role pod-reader --verb=get --resource=pods -n default >/dev/null",
    );
    assert_eq!(setup.code, 0, "{}", setup.stderr);
    steps::check(&cluster, "c-default-rbac/37-get-pod-404", Compare::Exact);
    steps::check(&cluster, "c-default-rbac/41-ns-409", Compare::Exact);
    steps::check(
        &cluster,
        "c-default-rbac/44-role-422-no-verbs",
        Compare::Exact,
    );
    for step in [
        "c-default-rbac/38-get-pod-404-raw",
        "c-default-rbac/39-get-role-404-raw",
        "c-default-rbac/40-unknown-path-404",
        "c-default-rbac/42-ns-409-raw",
        "c-default-rbac/43-role-409-raw",
        "c-default-rbac/45-role-422-raw",
        "c-default-rbac/46-role-422-nonresource",
        "c-default-rbac/47-clusterrole-422-mixed",
        "c-default-rbac/48-rolebinding-422-bad-roleref",
        "c-default-rbac/49-rolebinding-422-sa-no-ns",
    ] {
        steps::check(&cluster, step, Compare::Http);
    }
}

#[test]
fn oversized_and_malformed_bodies_are_refused() {
    let cluster = Cluster::up();
    let oversized = steps::bash(
        &cluster,
        "head -c 3200000 /dev/zero | tr '\\0' 'a' > $W/big && \
         $ADMINCURL -X POST -H 'Content-Type: application/json' --data-binary @$W/big $API/api/v1/namespaces/default/configmaps",
    );
    assert!(
        oversized.stdout.starts_with("HTTP/2 413"),
        "{}",
        oversized.stdout
    );
    assert!(
        oversized
            .stdout
            .contains("\"reason\": \"RequestEntityTooLarge\""),
        "{}",
        oversized.stdout
    );
    let malformed = steps::bash(
        &cluster,
        "$ADMINCURL -X POST -H 'Content-Type: application/json' -d '{\"kind\": ' $API/api/v1/namespaces/default/configmaps",
    );
    assert!(
        malformed.stdout.starts_with("HTTP/2 400"),
        "{}",
        malformed.stdout
    );
    let yaml = steps::bash(
        &cluster,
        "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: from-yaml\\ndata:\\n  k: v\\n' | \
         $ADMINCURL -X POST -H 'Content-Type: application/yaml' --data-binary @- $API/api/v1/namespaces/default/configmaps",
    );
    assert!(yaml.stdout.starts_with("HTTP/2 201"), "{}", yaml.stdout);
    let bad_yaml = steps::bash(
        &cluster,
        "printf 'kind: [' | $ADMINCURL -X POST -H 'Content-Type: application/yaml' --data-binary @- $API/api/v1/namespaces/default/configmaps",
    );
    assert!(
        bad_yaml.stdout.starts_with("HTTP/2 400"),
        "{}",
        bad_yaml.stdout
    );
    let garbage_protobuf = steps::bash(
        &cluster,
        "printf 'k8s\\0\\n\\377' | $ADMINCURL -X POST -H 'Content-Type: application/vnd.kubernetes.protobuf' --data-binary @- $API/api/v1/namespaces/default/configmaps",
    );
    assert!(
        garbage_protobuf.stdout.starts_with("HTTP/2 400"),
        "{}",
        garbage_protobuf.stdout
    );
    // The server is still there.
    let alive = steps::bash(&cluster, "kubectl get namespaces -o name");
    assert_eq!(alive.code, 0, "{}", alive.stderr);
}

#[test]
fn unknown_fields_are_refused_when_kubectl_asks_for_strict_validation() {
    let cluster = Cluster::up();
    let ran = steps::bash(
        &cluster,
        "cat <<EOF | kubectl apply -f -\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: typo, namespace: default}\nrules:\n- apiGroups: [\"\"]\n  resources: [pods]\n  verb: [get]\n  verbs: [get]\nEOF",
    );
    assert_eq!(ran.code, 1);
    assert_eq!(
        ran.stderr,
        "Error from server (BadRequest): error when creating \"STDIN\": Role in version \"v1\" cannot be handled as a Role: strict decoding error: unknown field \"rules[0].verb\"\n"
    );
    // Without the directive (the API's default, Warn) the object is stored and a warning sent.
    let warned = steps::bash(
        &cluster,
        "$ADMINCURL -X POST -H 'Content-Type: application/json' -d '{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"date\":{}, \"colour\":\"red\"}' $API/api/v1/namespaces/default/configmaps",
    );
    assert!(warned.stdout.starts_with("HTTP/2 201"), "{}", warned.stdout);
    assert!(
        warned
            .stdout
            .contains("warning: 299 - \"unknown field \\\"colour\\\"\""),
        "{}",
        warned.stdout
    );
}
