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
    let created = steps::bash(
        &cluster,
        "kubectl create configmap p >/dev/null && kubectl get configmap p -o jsonpath='{.metadata.uid} {.metadata.resourceVersion}'",
    );
    let (uid, rv) = created
        .stdout
        .split_once(' ')
        .expect("uid and resourceVersion");
    let delete = |options: &str| {
        let ran = steps::bash(
            &cluster,
            &format!(
                "$ADMINCURL -X DELETE -H 'Content-Type: application/json' -d '{options}' $API/api/v1/namespaces/default/configmaps/p"
            ),
        );
        (
            ran.stdout.lines().next().unwrap_or("").trim().to_string(),
            body_of(&ran.stdout),
        )
    };
    // rest.BeforeDelete's words: the object named by its Kind.
    let conflict = |message: String| {
        serde_json::json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": "Conflict", "details": {"name": "p", "kind": "ConfigMap"}, "code": 409})
    };
    assert_eq!(
        delete("{\"preconditions\":{\"uid\":\"wrong\"}}"),
        (
            "HTTP/2 409".to_string(),
            conflict(format!(
                "Operation cannot be fulfilled on ConfigMap \"p\": the UID in the precondition (wrong) does not match the UID in record ({uid}). The object might have been deleted and then recreated"
            ))
        )
    );
    assert_eq!(
        delete("{\"preconditions\":{\"resourceVersion\":\"1\"}}"),
        (
            "HTTP/2 409".to_string(),
            conflict(format!(
                "Operation cannot be fulfilled on ConfigMap \"p\": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record ({rv}). The object might have been modified"
            ))
        )
    );
    // An update's preconditions: the body's uid (checked by the storage layer, in its words),
    // then its resourceVersion.
    let put = |metadata: &str| {
        let ran = steps::bash(
            &cluster,
            &format!(
                "$ADMINCURL -X PUT -H 'Content-Type: application/json' -d '{{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{metadata}}}' $API/api/v1/namespaces/default/configmaps/p"
            ),
        );
        body_of(&ran.stdout)["message"].clone()
    };
    assert_eq!(
        put(&format!(
            "{{\"name\":\"p\",\"uid\":\"wrong\",\"resourceVersion\":\"{rv}\"}}"
        )),
        format!(
            "Operation cannot be fulfilled on configmaps \"p\": StorageError: invalid object, Code: 4, Key: /registry/configmaps/default/p, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: wrong, UID in object meta: {uid}"
        )
    );
    assert_eq!(
        put("{\"name\":\"p\",\"resourceVersion\":\"1\"}"),
        "Operation cannot be fulfilled on configmaps \"p\": the object has been modified; please apply your changes to the latest version and try again"
    );
    let still = steps::bash(&cluster, "kubectl get configmap p -o name");
    assert_eq!(still.stdout, "configmap/p\n");
    // The namespace registry words its own.
    let namespace = steps::bash(
        &cluster,
        "$ADMINCURL -X DELETE -H 'Content-Type: application/json' -d '{\"preconditions\":{\"uid\":\"wrong\"}}' $API/api/v1/namespaces/kube-node-lease",
    );
    let message = body_of(&namespace.stdout)["message"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        message.starts_with("Operation cannot be fulfilled on namespaces \"kube-node-lease\": Precondition failed: UID in precondition: wrong, UID in object meta: "),
        "{}",
        namespace.stdout
    );
}

/// The JSON body of a `curl -i` answer.
fn body_of(answer: &str) -> serde_json::Value {
    answer
        .split_once("\n\n")
        .or_else(|| answer.split_once("\r\n\r\n"))
        .and_then(|(_, body)| serde_json::from_str(body).ok())
        .unwrap_or(serde_json::Value::Null)
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
    // Go's strconv words, not Rust's.
    let limit = steps::bash(
        &cluster,
        "$ADMINCURL \"$API/api/v1/namespaces/default/configmaps?limit=abc\"",
    );
    assert!(limit.stdout.starts_with("HTTP/2 400"), "{}", limit.stdout);
    assert_eq!(
        body_of(&limit.stdout)["message"],
        "strconv.ParseInt: parsing \"abc\": invalid syntax"
    );
    let version = steps::bash(
        &cluster,
        "$ADMINCURL \"$API/api/v1/namespaces/default/configmaps?limit=1&resourceVersion=abc\"",
    );
    assert!(
        version.stdout.starts_with("HTTP/2 400"),
        "{}",
        version.stdout
    );
    assert_eq!(
        body_of(&version.stdout)["message"],
        "invalid resource version: resourceVersion: Invalid value: \"abc\": strconv.ParseUint: parsing \"abc\": invalid syntax"
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
    // A YAML body repeating a key: go-yaml's strict error under Strict; the last value and a
    // warning otherwise.
    let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ya\n  name: yb\n";
    let strict = steps::bash(
        &cluster,
        &format!(
            "printf '{yaml}' | $ADMINCURL -X POST -H 'Content-Type: application/yaml' --data-binary @- \"$API/api/v1/namespaces/default/configmaps?fieldValidation=Strict\""
        ),
    );
    assert!(strict.stdout.starts_with("HTTP/2 400"), "{}", strict.stdout);
    assert_eq!(
        body_of(&strict.stdout),
        serde_json::json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: yaml: unmarshal errors:\n  line 5: key \"name\" already set in map",
            "reason": "BadRequest", "code": 400})
    );
    let lenient = steps::bash(
        &cluster,
        &format!(
            "printf '{yaml}' | $ADMINCURL -X POST -H 'Content-Type: application/yaml' --data-binary @- $API/api/v1/namespaces/default/configmaps"
        ),
    );
    assert!(
        lenient.stdout.starts_with("HTTP/2 201"),
        "{}",
        lenient.stdout
    );
    assert!(
        lenient.stdout.contains(
            "warning: 299 - \"yaml: unmarshal errors:\\n  line 5: key \\\"name\\\" already set in map\""
        ),
        "{}",
        lenient.stdout
    );
    assert_eq!(body_of(&lenient.stdout)["metadata"]["name"], "yb");
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
    // A second space before the token: no credential (anonymous), with kube-apiserver's warning.
    let spaced = steps::bash(
        &cluster,
        "curl -sS -i --cacert $P/ca.crt -H 'Authorization: Bearer  abc' $API/api/v1/namespaces",
    );
    assert!(spaced.stdout.starts_with("HTTP/2 403"), "{}", spaced.stdout);
    assert!(
        spaced.stdout.contains("warning: 299 - \"the provided Authorization header contains extra space before the bearer token, and is ignored\""),
        "{}",
        spaced.stdout
    );
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

/// Past `--max-mutating-requests-inflight` a write gets kube-apiserver's 429 with `Retry-After`
/// (reads have their own budget); connections with nothing in flight are closed after
/// `--idle-connection-timeout`, HTTP/1.1 keep-alive and HTTP/2 alike; past
/// `--max-open-connections` a client waits until another connection closes.
#[test]
fn request_budgets_idle_connections_and_the_connection_cap() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let cluster = Cluster::up_with(
        dir,
        &[
            "--max-requests-inflight=1".to_string(),
            "--max-mutating-requests-inflight=1".to_string(),
            "--idle-connection-timeout=1s".to_string(),
            "--max-open-connections=6".to_string(),
        ],
    );
    let setup = steps::bash(
        &cluster,
        "kubectl create serviceaccount load >/dev/null && \
         kubectl create clusterrolebinding load --clusterrole=cluster-admin --serviceaccount=default:load >/dev/null && \
         kubectl create token load > $W/load.token",
    );
    assert_eq!(setup.code, 0, "{}", setup.stderr);
    // One write held in flight (its body not finished), as a user who is not system:masters.
    let budgets = r#"
import socket, ssl, subprocess, sys, time
ca, api, token = sys.argv[1], sys.argv[2], open(sys.argv[3]).read().strip()
host, port = api.removeprefix("https://").split(":")
context = ssl.create_default_context(cafile=ca)
context.set_alpn_protocols(["http/1.1"])
held = context.wrap_socket(socket.create_connection((host, int(port))), server_hostname="127.0.0.1")
body = b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"held"}}'
held.sendall(b"POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
             + token.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: "
             + str(len(body)).encode() + b"\r\n\r\n" + body[:10])
def curl(*args):
    return subprocess.run(["curl", "-sS", "-i", "--cacert", ca, "-H", "Authorization: Bearer " + token, *args],
                          capture_output=True, text=True).stdout
for _ in range(100):
    refused = curl("-X", "POST", "-H", "Content-Type: application/json",
                   "-d", '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"w-"}}',
                   api + "/api/v1/namespaces/default/configmaps")
    if refused.startswith("HTTP/2 429"):
        break
    time.sleep(0.1)
print(refused.replace("\r\n", "\n"))
print("read:", curl("-o", "/dev/null", "-w", "%{http_code}", api + "/api/v1/namespaces/default/configmaps"))
held.sendall(body[10:])
print("held:", held.recv(65536).split(b"\r\n")[0].decode())
"#;
    let ran = steps::bash(
        &cluster,
        &format!("python3 - \"$P/ca.crt\" \"$API\" \"$W/load.token\" <<'EOF'\n{budgets}\nEOF"),
    );
    assert!(
        ran.stdout.starts_with("HTTP/2 429"),
        "{}\n{}",
        ran.stdout,
        ran.stderr
    );
    assert!(ran.stdout.contains("\nretry-after: 1\n"), "{}", ran.stdout);
    assert!(
        ran.stdout
            .contains("\n\nToo many requests, please try again later.\n"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("read: 200"), "{}", ran.stdout);
    assert!(
        ran.stdout.contains("held: HTTP/1.1 201 Created"),
        "{}",
        ran.stdout
    );

    // Idle connections: one HTTP/1.1 after its request, one HTTP/2 that never sends one.
    let idle = r#"
import socket, ssl, sys, time
ca, api = sys.argv[1], sys.argv[2]
host, port = api.removeprefix("https://").split(":")
def open_with(protocol):
    context = ssl.create_default_context(cafile=ca)
    context.set_alpn_protocols([protocol])
    return context.wrap_socket(socket.create_connection((host, int(port))), server_hostname="127.0.0.1")
keep_alive = open_with("http/1.1")
keep_alive.sendall(b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")
h2 = open_with("h2")
h2.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
results = []
for s in (keep_alive, h2):
    s.settimeout(10)
    start = time.time()
    try:
        while s.recv(65536):
            pass
    except (ConnectionResetError, ssl.SSLError, OSError):
        pass
    results.append("closed" if time.time() - start < 8 else "open")
print(" ".join(results))
"#;
    let ran = steps::bash(
        &cluster,
        &format!("python3 - \"$P/ca.crt\" \"$API\" <<'EOF'\n{idle}\nEOF"),
    );
    assert_eq!(ran.stdout.trim(), "closed closed", "{}", ran.stderr);

    // The cap: six connections that never start TLS take every place; a seventh client waits.
    let cap = r#"
import socket, subprocess, sys
ca, api = sys.argv[1], sys.argv[2]
host, port = api.removeprefix("https://").split(":")
taken = [socket.create_connection((host, int(port))) for _ in range(6)]
def livez():
    return subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3",
                           "--cacert", ca, api + "/livez"], capture_output=True, text=True).stdout
waiting = livez()
for s in taken:
    s.close()
print("full:", waiting, "freed:", livez())
"#;
    let ran = steps::bash(
        &cluster,
        &format!("python3 - \"$P/ca.crt\" \"$API\" <<'EOF'\n{cap}\nEOF"),
    );
    assert_eq!(
        ran.stdout.trim(),
        // curl's code for no answer within --max-time is 000.
        "full: 000 freed: 200",
        "{}",
        ran.stderr
    );
}

/// An object stored by an earlier version that did not validate names is reported when the
/// server starts, and kept: it can still be read and deleted.
#[test]
fn stored_objects_that_break_the_rules_are_reported_at_start_and_kept() {
    use kubeward_store::{ObjectKey, RedbStore, Store as _};
    let dir = tempfile::tempdir().expect("a temporary folder");
    let flags = ["--tls-handshake-timeout=32s".to_string()];
    let cluster = Cluster::up_with(dir, &flags);
    let (dir, data_dir) = cluster.terminate();
    {
        let store = RedbStore::open(&data_dir.join("store.redb")).expect("the store");
        let key = |name: &str| ObjectKey {
            group: String::new(),
            resource: "configmaps".to_string(),
            namespace: Some("default".to_string()),
            name: name.to_string(),
        };
        let mut object = store
            .get(&key("kube-root-ca.crt"))
            .expect("read")
            .expect("the root CA ConfigMap");
        object["metadata"]["name"] = serde_json::json!("BadName");
        object["metadata"]["uid"] = serde_json::json!(uuid::Uuid::new_v4().to_string());
        if let Some(metadata) = object["metadata"].as_object_mut() {
            metadata.remove("resourceVersion");
        }
        store.create(&key("BadName"), object).expect("written");
    }
    let cluster = Cluster::restart_with(dir, data_dir, &flags);
    let log = cluster.log();
    let report = log
        .lines()
        .find(|line| line.contains("a stored object does not pass validation"))
        .unwrap_or_else(|| panic!("no report in the log:\n{log}"));
    assert!(report.contains("BadName"), "{report}");
    assert!(
        report
            .contains("metadata.name: Invalid value: \"BadName\": a lowercase RFC 1123 subdomain"),
        "{report}"
    );
    let kept = steps::bash(&cluster, "kubectl get configmap BadName -o name");
    assert_eq!(kept.stdout, "configmap/BadName\n", "{}", kept.stderr);
    let deleted = steps::bash(&cluster, "kubectl delete configmap BadName");
    assert_eq!(
        deleted.stdout, "configmap \"BadName\" deleted\n",
        "{}",
        deleted.stderr
    );
}
