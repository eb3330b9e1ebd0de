//! What kube-apiserver refuses is refused here too, in its words (issue 21, found by an outside
//! probe of `kubeward up`).

use kubeward_testkit::cluster::Cluster;
use kubeward_testkit::golden::{self as steps, Compare};

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

/// `$ADMINCURL -X POST` of `body` to `path`: the status line and the Status message.
fn post(cluster: &Cluster, path: &str, body: &str) -> (String, String) {
    let command = format!(
        "$ADMINCURL -X POST -H 'Content-Type: application/json' --data-binary @- $API{path} <<'EOF'\n{body}\nEOF"
    );
    let ran = steps::bash(cluster, &command);
    let status = ran.stdout.lines().next().unwrap_or("").trim().to_string();
    let message = ran
        .stdout
        .split_once("\n\n")
        .or_else(|| ran.stdout.split_once("\r\n\r\n"))
        .and_then(|(_, body)| serde_json::from_str::<serde_json::Value>(body).ok())
        .and_then(|status| status["message"].as_str().map(str::to_string))
        .unwrap_or_default();
    (status, message)
}

/// Every name, label and size the outside probe found accepted is refused with kube-apiserver's
/// 422 and words.
#[test]
fn names_labels_and_sizes_are_validated_on_every_kind() {
    let cluster = Cluster::up();
    let cm = |name: &str| {
        format!(
            "{{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{{\"name\":\"{name}\"}}}}"
        )
    };
    let long = "a".repeat(254);
    let cases: Vec<(&str, String, String)> = vec![
        ("/api/v1/namespaces/default/configmaps", cm("BadName"), format!("ConfigMap \"BadName\" is invalid: metadata.name: Invalid value: \"BadName\": {SUBDOMAIN}")),
        ("/api/v1/namespaces/default/configmaps", cm(".."), format!("ConfigMap \"..\" is invalid: metadata.name: Invalid value: \"..\": {SUBDOMAIN}")),
        ("/api/v1/namespaces/default/configmaps", cm("un/reachable"), format!("ConfigMap \"un/reachable\" is invalid: metadata.name: Invalid value: \"un/reachable\": {SUBDOMAIN}")),
        ("/api/v1/namespaces/default/configmaps", cm(&long), format!("ConfigMap \"{long}\" is invalid: metadata.name: Invalid value: \"{long}\": must be no more than 253 characters")),
        ("/api/v1/namespaces", format!("{{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{{\"name\":\"{}\"}}}}", "n".repeat(64)), format!("Namespace \"{0}\" is invalid: [metadata.name: Invalid value: \"{0}\": must be no more than 63 characters, metadata.labels: Invalid value: \"{0}\": must be no more than 63 bytes]", "n".repeat(64))),
        ("/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"a.b\"}}".to_string(), "Namespace \"a.b\" is invalid: metadata.name: Invalid value: \"a.b\": must not contain dots".to_string()),
        ("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"Role\",\"metadata\":{\"name\":\"x%y\"}}".to_string(), "Role.rbac.authorization.k8s.io \"x%y\" is invalid: metadata.name: Invalid value: \"x%y\": may not contain '%'".to_string()),
        ("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"Role\",\"metadata\":{\"name\":\"a/b\"}}".to_string(), "Role.rbac.authorization.k8s.io \"a/b\" is invalid: metadata.name: Invalid value: \"a/b\": may not contain '/'".to_string()),
        ("/api/v1/namespaces/default/secrets", "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"UP\"}}".to_string(), format!("Secret \"UP\" is invalid: metadata.name: Invalid value: \"UP\": {SUBDOMAIN}")),
        ("/api/v1/namespaces/default/pods", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"Pod_1\"},\"spec\":{}}".to_string(), format!("Pod \"Pod_1\" is invalid: [metadata.name: Invalid value: \"Pod_1\": {SUBDOMAIN}, spec.containers: Required value]")),
        ("/api/v1/namespaces/default/configmaps", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"l\",\"labels\":{\"bad key!\":\"v\"}}}".to_string(), "ConfigMap \"l\" is invalid: metadata.labels: Invalid value: \"bad key!\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')".to_string()),
    ];
    for (path, body, message) in cases {
        let (status, got) = post(&cluster, path, &body);
        assert_eq!(status, "HTTP/2 422", "{body}");
        assert_eq!(got, message, "{body}");
    }
    // generateName: the prefix and the generated name are both refused.
    let (status, got) = post(
        &cluster,
        "/api/v1/namespaces/default/configmaps",
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"generateName\":\"Gen_\"}}",
    );
    assert_eq!(status, "HTTP/2 422");
    assert!(
        got.contains("metadata.generateName: Invalid value: \"Gen_\""),
        "{got}"
    );
    // 2 MiB of data: over the 1 MiB limit, under the 3 MiB body limit.
    let big = steps::bash(
        &cluster,
        "python3 -c 'import json; print(json.dumps({\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"big\"},\"data\":{\"k\":\"x\"*2097152}}))' > $W/big.json && \
         $ADMINCURL -X POST -H 'Content-Type: application/json' --data-binary @$W/big.json $API/api/v1/namespaces/default/configmaps",
    );
    assert!(big.stdout.starts_with("HTTP/2 422"), "{}", big.stdout);
    assert!(
        big.stdout.contains("\"message\": \"ConfigMap \\\"big\\\" is invalid: []: Too long: must have at most 1048576 bytes\""),
        "{}",
        big.stdout
    );
    // Nothing of it was stored.
    let names = steps::bash(&cluster, "kubectl get configmaps -o name");
    assert_eq!(names.stdout, "configmap/kube-root-ca.crt\n");
}

#[test]
fn the_system_namespaces_cannot_be_deleted_and_deletes_honour_preconditions() {
    let cluster = Cluster::up();
    for namespace in ["default", "kube-system", "kube-public"] {
        let ran = steps::bash(&cluster, &format!("kubectl delete namespace {namespace}"));
        assert_eq!(ran.code, 1);
        assert_eq!(
            ran.stderr,
            format!(
                "Error from server (Forbidden): namespaces \"{namespace}\" is forbidden: this namespace may not be deleted\n"
            )
        );
    }
    let ran = steps::bash(
        &cluster,
        "kubectl create configmap p >/dev/null && \
         $ADMINCURL -X DELETE -H 'Content-Type: application/json' -d '{\"preconditions\":{\"uid\":\"wrong\"}}' $API/api/v1/namespaces/default/configmaps/p",
    );
    assert!(ran.stdout.starts_with("HTTP/2 409"), "{}", ran.stdout);
    assert!(
        ran.stdout
            .contains("Precondition failed: UID in precondition: wrong, UID in object meta: "),
        "{}",
        ran.stdout
    );
    let still = steps::bash(&cluster, "kubectl get configmap p -o name");
    assert_eq!(still.stdout, "configmap/p\n");
}

#[test]
fn lists_page_through_kubectl_and_raw_limits() {
    let cluster = Cluster::up();
    let created = steps::bash(
        &cluster,
        "for i in 1 2 3 4 5; do kubectl create configmap c$i >/dev/null || exit 1; done",
    );
    assert_eq!(created.code, 0, "{}", created.stderr);
    let chunked = steps::bash(&cluster, "kubectl get configmaps --chunk-size=2 -o name");
    assert_eq!(
        chunked.stdout,
        "configmap/c1\nconfigmap/c2\nconfigmap/c3\nconfigmap/c4\nconfigmap/c5\nconfigmap/kube-root-ca.crt\n"
    );
    let raw = steps::bash(
        &cluster,
        "$ADMINCURL \"$API/api/v1/namespaces/default/configmaps?limit=1\"",
    );
    let body: serde_json::Value = serde_json::from_str(
        raw.stdout
            .split_once("\n\n")
            .or_else(|| raw.stdout.split_once("\r\n\r\n"))
            .unwrap()
            .1,
    )
    .unwrap();
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    assert_eq!(body["metadata"]["remainingItemCount"], 5);
    let invalid = steps::bash(
        &cluster,
        "$ADMINCURL \"$API/api/v1/namespaces/default/configmaps?limit=1&continue=not-a-token\"",
    );
    assert!(
        invalid.stdout.starts_with("HTTP/2 400"),
        "{}",
        invalid.stdout
    );
    assert!(
        invalid
            .stdout
            .contains("\"message\": \"invalid continue token: continue key is not valid: "),
        "{}",
        invalid.stdout
    );
}

#[test]
fn bodies_are_decoded_as_kube_apiserver_decodes_them() {
    let cluster = Cluster::up();
    let cm = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"m\"}}";
    for content_type in ["text/plain", "application/xml", "application/cbor"] {
        let ran = steps::bash(
            &cluster,
            &format!(
                "$ADMINCURL -X POST -H 'Content-Type: {content_type}' -d '{cm}' $API/api/v1/namespaces/default/configmaps"
            ),
        );
        assert!(
            ran.stdout.starts_with("HTTP/2 415"),
            "{content_type}: {}",
            ran.stdout
        );
        assert!(
            ran.stdout.contains("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf"),
            "{}",
            ran.stdout
        );
    }
    let duplicate = steps::bash(
        &cluster,
        "$ADMINCURL -X POST -H 'Content-Type: application/json' -d '{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\",\"name\":\"b\"}}' \"$API/api/v1/namespaces/default/configmaps?fieldValidation=Strict\"",
    );
    assert!(
        duplicate.stdout.starts_with("HTTP/2 400"),
        "{}",
        duplicate.stdout
    );
    assert!(
        duplicate.stdout.contains("ConfigMap in version \\\"v1\\\" cannot be handled as a ConfigMap: strict decoding error: duplicate field \\\"metadata.name\\\""),
        "{}",
        duplicate.stdout
    );
    // 50 MB sent chunked over HTTP/1.1: an answer (413), not a dropped connection.
    let chunked = steps::bash(
        &cluster,
        "head -c 50000000 /dev/zero | $ADMINCURL --http1.1 -X POST -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @- $API/api/v1/namespaces/default/configmaps",
    );
    assert!(
        chunked.stdout.contains("HTTP/1.1 413 Payload Too Large"),
        "{}\n{}",
        chunked.stdout,
        chunked.stderr
    );
    assert!(
        chunked
            .stdout
            .contains("\"message\": \"Request entity too large: limit is 3145728\""),
        "{}",
        chunked.stdout
    );
}

/// kube-apiserver's union goes on to the bearer token when a client certificate fails, and a
/// bearer token that is not text is 401, not anonymous.
#[test]
fn the_authentication_union_is_kube_apiserver_s() {
    let cluster = Cluster::up();
    steps::run(&cluster, "c-default-rbac/35-expired-client-cert");
    let ran = steps::bash(
        &cluster,
        "kubectl create serviceaccount probe >/dev/null && TOKEN=$(kubectl create token probe) && \
         curl -sS --cacert $P/ca.crt --cert $W/old.crt --key $W/old.key -H \"Authorization: Bearer $TOKEN\" \
           -H 'Content-Type: application/json' -X POST -d '{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}' \
           $API/apis/authentication.k8s.io/v1/selfsubjectreviews",
    );
    assert!(
        ran.stdout
            .contains("\"username\": \"system:serviceaccount:default:probe\""),
        "{}\n{}",
        ran.stdout,
        ran.stderr
    );
    let non_ascii = steps::bash(
        &cluster,
        "curl -sS -o /dev/null -w '%{http_code}' --cacert $P/ca.crt -H $'Authorization: Bearer t\\xc3\\xb6ken' $API/api/v1/namespaces",
    );
    assert_eq!(non_ascii.stdout, "401");
}

/// Connections that never start TLS, and slow clients, are cut at the deadlines, on the API
/// server's port and the identity provider's; the file descriptors come back.
#[test]
fn hostile_connections_are_cut_at_the_deadlines() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let cluster = Cluster::up_with(
        dir,
        &[
            "--tls-handshake-timeout=1s".to_string(),
            "--request-header-timeout=1s".to_string(),
        ],
    );
    // What the server holds once it has settled (its runtimes and listeners all started).
    let warm = steps::bash(&cluster, "kubectl get namespaces -o name");
    assert_eq!(warm.code, 0, "{}", warm.stderr);
    let mut before = cluster.open_files();
    for _ in 0..50 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let now = cluster.open_files();
        if now == before {
            break;
        }
        before = now;
    }
    let script = r#"
import socket, ssl, sys, time
results = []
for url in sys.argv[2:]:
    host, port = url.removeprefix("https://").split(":")
    idle = [socket.create_connection((host, int(port))) for _ in range(200)]
    context = ssl.create_default_context(cafile=sys.argv[1])
    slow = context.wrap_socket(socket.create_connection((host, int(port))), server_hostname="127.0.0.1")
    slow.sendall(b"GET /api HTTP/1.1\r\nHost: x\r\n")
    start = time.time()
    for s in idle + [slow]:
        s.settimeout(10)
        try:
            while s.recv(1024):
                pass
        except (ConnectionResetError, ssl.SSLError, OSError):
            pass
    results.append("closed" if time.time() - start < 8 else "open")
print(" ".join(results))
"#;
    let ran = steps::bash(
        &cluster,
        &format!(
            "python3 - \"$P/ca.crt\" \"$API\" \"{}\" <<'EOF'\n{script}\nEOF",
            cluster.idp
        ),
    );
    assert_eq!(ran.stdout.trim(), "closed closed", "{}", ran.stderr);
    // The server closes its side at once; on a busy machine it may take it a moment to run.
    for _ in 0..50 {
        if cluster.open_files() <= before + 10 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        cluster.open_files() <= before + 10,
        "{} file descriptors after, {before} before",
        cluster.open_files()
    );
    let alive = steps::bash(&cluster, "kubectl get namespaces -o name");
    assert_eq!(alive.code, 0, "{}", alive.stderr);
}
