//! `kubeward up --lab-node`: a Node registered and Ready, pods bound and run as local processes,
//! seed 004's lab with kubectl inside the pods (`kubectl exec -it` in a real terminal, kubectl
//! 1.33 over WebSocket and 1.29 over SPDY), logs, port-forward, cp, graceful deletion, and the
//! kubelet API answering curl and Python's `websockets` directly.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support;
use kubeward_testkit::cluster::Cluster;
use kubeward_testkit::golden as steps;

const KUBECTL_129: &str = "/usr/lib/google-cloud-sdk/bin/kubectl.1.29";
const KUBECTL_133: &str = "/usr/lib/google-cloud-sdk/bin/kubectl.1.33";

/// A `kubeward up --lab-node` whose node is Ready.
pub(crate) fn lab() -> Cluster {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let cluster = Cluster::up_with(dir, &["--lab-node".to_string()]);
    wait_for(&cluster, "the node to be Ready", || {
        let out = cluster.kubectl(&[
            "get",
            "node",
            "lab",
            "-o",
            "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}",
        ]);
        String::from_utf8_lossy(&out.stdout) == "True"
    });
    cluster
}

/// stdout of a kubectl run that must have succeeded; when it did not, what the server logged
/// (and whether it still runs) with it.
pub(crate) fn ok(cluster: &Cluster, output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}\nthe server ({}) logged:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        std::fs::read_to_string(format!("/proc/{}/status", cluster.pid()))
            .unwrap_or_default()
            .lines()
            .find(|line| line.starts_with("State:"))
            .unwrap_or("gone"),
        cluster.log()
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn wait_for(cluster: &Cluster, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; the server logged:\n{}",
            cluster.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn jsonpath(cluster: &Cluster, namespace: &str, pod: &str, path: &str) -> String {
    let out = cluster.kubectl(&[
        "get",
        "pod",
        pod,
        "-n",
        namespace,
        "-o",
        &format!("jsonpath={path}"),
    ]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn wait_running(cluster: &Cluster, namespace: &str, pod: &str) {
    wait_for(cluster, &format!("{namespace}/{pod} to run"), || {
        jsonpath(
            cluster,
            namespace,
            pod,
            "{.status.phase}/{.status.containerStatuses[*].ready}",
        )
        .starts_with("Running/true")
    });
}

fn sh(cluster: &Cluster, command: &str) -> steps::Ran {
    steps::bash(cluster, command)
}

/// Runs `command` in a real terminal (tmux), with `kubectl` from `kubectl` first on `PATH`, as
/// the admin; returns its exit code and the screen.
fn in_terminal(cluster: &Cluster, kubectl: &str, command: &str) -> (i32, String) {
    in_terminal_as(cluster, &cluster.admin_kubeconfig, kubectl, command)
}

/// [`in_terminal`] with `kubeconfig`.
pub(crate) fn in_terminal_as(
    cluster: &Cluster,
    kubeconfig: &std::path::Path,
    kubectl: &str,
    command: &str,
) -> (i32, String) {
    let bin = cluster.scratch(&format!("bin-{}", kubectl.replace('/', "_")));
    if !bin.exists() {
        std::fs::create_dir_all(&bin).expect("a bin folder");
        std::os::unix::fs::symlink(kubectl, bin.join("kubectl")).expect("link kubectl");
    }
    let marker = cluster.scratch(&format!("exit-{}", uuid::Uuid::new_v4()));
    let script = cluster.scratch(&format!("term-{}.sh", uuid::Uuid::new_v4()));
    std::fs::write(
        &script,
        format!(
            "export KUBECONFIG={kc}\nexport HOME={home}\nexport PATH={bin}:$PATH\nk1() {{ kubectl exec -it dev-kubectl -n dev-team -- kubectl \"$@\"; }}\nk2() {{ kubectl exec -it infra-kubectl -n infra-team -- kubectl \"$@\"; }}\n{command}\necho $? > {marker}\nsleep 600\n",
            kc = kubeconfig.display(),
            home = cluster.dir.path().display(),
            bin = bin.display(),
            marker = marker.display(),
        ),
    )
    .expect("terminal script");
    // Each terminal gets its own tmux server (socket), so that tests running at once do not
    // race to start one.
    let session = format!("kw-{}", uuid::Uuid::new_v4().simple());
    let started = Command::new("tmux")
        .args([
            "-L",
            &session,
            "new-session",
            "-d",
            "-s",
            &session,
            "-x",
            "200",
            "-y",
            "50",
        ])
        .arg(format!("bash {}", script.display()))
        .status()
        .expect("tmux runs");
    assert!(started.success(), "tmux session starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !marker.exists() {
        assert!(
            Instant::now() < deadline,
            "the terminal command did not end"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(100));
    let screen = Command::new("tmux")
        .args(["-L", &session, "capture-pane", "-p", "-J", "-t", &session])
        .output()
        .expect("tmux capture-pane");
    let _ = Command::new("tmux")
        .args(["-L", &session, "kill-server"])
        .status();
    let code = std::fs::read_to_string(&marker)
        .ok()
        .and_then(|c| c.trim().parse().ok())
        .unwrap_or(-1);
    (code, String::from_utf8_lossy(&screen.stdout).into_owned())
}

#[test]
fn seed_004_lab_runs_kubectl_inside_the_pods_with_their_service_accounts() {
    let cluster = lab();
    let nodes = ok(&cluster, &cluster.kubectl(&["get", "nodes", "-o", "wide"]));
    let row = nodes.lines().nth(1).expect("a node row");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        (cells[0], cells[1], cells[2], cells[4], cells[5], cells[6]),
        ("lab", "Ready", "<none>", "v1.33.0", "127.0.0.1", "<none>"),
        "{nodes}"
    );
    let lease = ok(
        &cluster,
        &cluster.kubectl(&[
            "get",
            "lease",
            "lab",
            "-n",
            "kube-node-lease",
            "-o",
            "jsonpath={.spec.holderIdentity} {.spec.leaseDurationSeconds}",
        ]),
    );
    assert_eq!(lease, "lab 40");
    let examples = support::example("seed-004-serviceaccounts");
    for file in [
        "00-namespaces-and-serviceaccounts.yaml",
        "30-kubectl-pods.yaml",
    ] {
        ok(
            &cluster,
            &cluster.kubectl(&["create", "-f", &format!("{examples}/{file}")]),
        );
    }
    wait_running(&cluster, "dev-team", "dev-kubectl");
    wait_running(&cluster, "infra-team", "infra-kubectl");
    let wide = ok(
        &cluster,
        &cluster.kubectl(&["get", "pods", "-n", "dev-team", "-o", "wide"]),
    );
    let cells: Vec<&str> = wide
        .lines()
        .nth(1)
        .expect("a pod row")
        .split_whitespace()
        .collect();
    assert_eq!(
        (
            cells[0], cells[1], cells[2], cells[3], cells[5], cells[6], cells[7], cells[8]
        ),
        (
            "dev-kubectl",
            "1/1",
            "Running",
            "0",
            "127.0.0.1",
            "lab",
            "<none>",
            "<none>"
        ),
        "{wide}"
    );
    let status = jsonpath(
        &cluster,
        "dev-team",
        "dev-kubectl",
        "{.status.containerStatuses[0].name} {.status.containerStatuses[0].ready} {.status.containerStatuses[0].started} {.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].image} {.status.conditions[*].type}",
    );
    assert_eq!(
        status,
        "kubectl-pod true true 0 bitnami/kubectl:1.31.4 PodReadyToStartContainers Initialized Ready ContainersReady PodScheduled"
    );
    assert!(
        !jsonpath(
            &cluster,
            "dev-team",
            "dev-kubectl",
            "{.status.containerStatuses[0].state.running.startedAt}"
        )
        .is_empty()
    );

    // Before the RBAC: the seed's Forbidden texts, through kubectl 1.33 (WebSocket) and 1.29 (SPDY).
    let (code, screen) = in_terminal(&cluster, KUBECTL_133, "k1 get pods");
    assert_eq!(code, 1, "{screen}");
    assert!(screen.contains(r#"Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:dev-team:dev-k8s" cannot list resource "pods" in API group "" in the namespace "dev-team""#), "{screen}");
    let (code, screen) = in_terminal(&cluster, KUBECTL_129, "k2 get pods");
    assert_eq!(code, 1, "{screen}");
    assert!(screen.contains(r#"Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:infra-team:infra-k8s" cannot list resource "pods" in API group "" in the namespace "infra-team""#), "{screen}");
    let (code, screen) = in_terminal(&cluster, KUBECTL_133, "k1 auth can-i get pods");
    assert_eq!((code, screen.lines().next()), (1, Some("no")), "{screen}");

    for file in ["10-roles.yaml", "20-rolebindings.yaml"] {
        ok(
            &cluster,
            &cluster.kubectl(&["create", "-f", &format!("{examples}/{file}")]),
        );
    }
    let (code, screen) = in_terminal(&cluster, KUBECTL_133, "k1 get pods");
    assert_eq!(code, 0, "{screen}");
    let lines: Vec<&str> = screen.lines().collect();
    assert_eq!(
        lines[0], "NAME          READY   STATUS    RESTARTS   AGE",
        "{screen}"
    );
    assert!(
        lines[1].starts_with("dev-kubectl   1/1     Running   0          "),
        "{screen}"
    );
    let (code, screen) = in_terminal(&cluster, KUBECTL_129, "k2 get pods");
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("infra-kubectl   1/1     Running   0"),
        "{screen}"
    );
    let (code, screen) = in_terminal(&cluster, KUBECTL_133, "k1 auth can-i get pods");
    assert_eq!((code, screen.lines().next()), (0, Some("yes")), "{screen}");
    // The other team's namespace stays closed, and the token is the pod's own.
    let (code, screen) = in_terminal(&cluster, KUBECTL_133, "k1 get pods -n infra-team");
    assert_eq!(code, 1, "{screen}");
    assert!(screen.contains(r#"User "system:serviceaccount:dev-team:dev-k8s" cannot list resource "pods" in API group "" in the namespace "infra-team""#), "{screen}");
    let (_, screen) = in_terminal(
        &cluster,
        KUBECTL_133,
        "k1 auth whoami -o jsonpath='{.status.userInfo.extra.authentication\\.kubernetes\\.io/pod-name}'",
    );
    assert!(screen.starts_with("[\"dev-kubectl\"]"), "{screen}");
}

#[test]
fn logs_exec_port_forward_cp_and_terminals_go_through_the_api_server_to_the_node() {
    let cluster = lab();
    let manifest = cluster.scratch("web.yaml");
    std::fs::write(
        &manifest,
        r#"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: http
    image: python:3
    command: ["python3", "-u", "-m", "http.server", "18093", "--bind", "127.0.0.1"]
  - name: counter
    image: busybox
    command: ["sh", "-c", "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.2; done"]
"#,
    )
    .expect("manifest");
    ok(
        &cluster,
        &cluster.kubectl(&["create", "-f", &manifest.display().to_string()]),
    );
    wait_running(&cluster, "default", "web");

    // Logs: tail, follow with timestamps, and the API server's own container errors.
    wait_for(&cluster, "five lines of log", || {
        String::from_utf8_lossy(&cluster.kubectl(&["logs", "web", "-c", "counter"]).stdout)
            .lines()
            .count()
            >= 5
    });
    let tail = ok(
        &cluster,
        &cluster.kubectl(&["logs", "web", "-c", "counter", "--tail=2"]),
    );
    assert_eq!(tail.lines().count(), 2, "{tail}");
    let followed = sh(
        &cluster,
        "timeout 10 kubectl logs -f web -c counter --timestamps | head -3",
    );
    let stamped: Vec<&str> = followed.stdout.lines().collect();
    assert_eq!(stamped.len(), 3, "{followed:?}");
    for (i, line) in stamped.iter().enumerate() {
        let (time, text) = line.split_once(' ').expect("a timestamp");
        assert_eq!(time.len(), "2026-01-01T00:00:00.000000000Z".len(), "{line}");
        assert_eq!(text, format!("line {i}"));
    }
    let both = cluster.kubectl(&["logs", "web", "-c", "nope"]);
    assert_eq!(
        String::from_utf8_lossy(&both.stderr).trim(),
        "error: container nope is not valid for pod web"
    );

    // Exec: exit codes and a missing command, in both protocols.
    for kubectl in [KUBECTL_133, KUBECTL_129] {
        let failed = Command::new(kubectl)
            .env("KUBECONFIG", &cluster.admin_kubeconfig)
            .env("HOME", cluster.dir.path())
            .args([
                "exec",
                "web",
                "-c",
                "counter",
                "--",
                "sh",
                "-c",
                "echo out; echo err >&2; exit 3",
            ])
            .stdin(Stdio::null())
            .output()
            .expect("kubectl runs");
        assert_eq!(failed.status.code(), Some(3), "{kubectl}");
        assert_eq!(String::from_utf8_lossy(&failed.stdout), "out\n");
        assert_eq!(
            String::from_utf8_lossy(&failed.stderr),
            "err\ncommand terminated with exit code 3\n"
        );
        let missing = Command::new(kubectl)
            .env("KUBECONFIG", &cluster.admin_kubeconfig)
            .env("HOME", cluster.dir.path())
            .args(["exec", "web", "-c", "counter", "--", "no-such-command"])
            .stdin(Stdio::null())
            .output()
            .expect("kubectl runs");
        assert_eq!(missing.status.code(), Some(1));
        assert_eq!(
            String::from_utf8_lossy(&missing.stderr).trim(),
            "error: Internal error occurred: error executing command in container: exec: \"no-such-command\": executable file not found in $PATH"
        );
    }
    let piped = sh(
        &cluster,
        "printf 'abc' | kubectl exec -i web -c counter -- tr a-c x-z",
    );
    assert_eq!(piped.stdout, "xyz");

    // A terminal: the size follows the client's window.
    let (code, screen) = in_terminal(
        &cluster,
        KUBECTL_133,
        "kubectl exec -it web -c counter -- sh -c 'stty size; tty'",
    );
    assert_eq!(code, 0, "{screen}");
    assert!(screen.starts_with("50 200\n/dev/pts/"), "{screen}");
    let (code, screen) = in_terminal(
        &cluster,
        KUBECTL_129,
        "kubectl exec -it web -c counter -- sh -c 'stty size'",
    );
    assert_eq!(
        (code, screen.lines().next()),
        (0, Some("50 200")),
        "{screen}"
    );

    // Port forwarding, then curl through it.
    for (kubectl, port) in [(KUBECTL_133, 28193), (KUBECTL_129, 28194)] {
        let forward = sh(
            &cluster,
            &format!(
                "{kubectl} port-forward pod/web {port}:18093 > $A/pf-{port}.log 2>&1 & pid=$!; \
                 for i in $(seq 1 100); do grep -q Forwarding $A/pf-{port}.log && break; sleep 0.1; done; \
                 curl -s -o /dev/null -w '%{{http_code}} ' http://127.0.0.1:{port}/; \
                 curl -s http://127.0.0.1:{port}/ | grep -q 'Directory listing' && echo listed; kill $pid"
            ),
        );
        assert_eq!(forward.stdout, "200 listed\n", "{kubectl}: {forward:?}");
    }

    // kubectl cp both ways (tar over exec, stdin closed at its end).
    let copied = sh(
        &cluster,
        "head -c 2000000 /dev/urandom > $A/blob && kubectl cp $A/blob web:blob -c counter && \
         kubectl cp web:blob $A/blob.back -c counter && cmp $A/blob $A/blob.back && echo same",
    );
    assert_eq!(copied.stdout, "same\n", "{copied:?}");
}

#[test]
fn deleted_pods_stop_gracefully_and_failed_starts_back_off() {
    let cluster = lab();
    let marker = cluster.scratch("term-received");
    ok(
        &cluster,
        &cluster.kubectl(&[
            "run",
            "graceful",
            "--image=busybox",
            "--command",
            "--",
            "sh",
            "-c",
            &format!(
                "trap 'echo term > {}; exit 0' TERM; while true; do sleep 0.1; done",
                marker.display()
            ),
        ]),
    );
    ok(
        &cluster,
        &cluster.kubectl(&[
            "run",
            "missing",
            "--image=nginx",
            "--command",
            "--",
            "no-such-command",
        ]),
    );
    ok(
        &cluster,
        &cluster.kubectl(&[
            "run",
            "done",
            "--image=busybox",
            "--restart=Never",
            "--command",
            "--",
            "sh",
            "-c",
            "exit 0",
        ]),
    );
    ok(
        &cluster,
        &cluster.kubectl(&[
            "run",
            "failed",
            "--image=busybox",
            "--restart=Never",
            "--command",
            "--",
            "sh",
            "-c",
            "exit 2",
        ]),
    );
    wait_running(&cluster, "default", "graceful");
    let deleted = ok(&cluster, &cluster.kubectl(&["delete", "pod", "graceful"]));
    assert_eq!(deleted, "pod \"graceful\" deleted\n");
    assert_eq!(
        std::fs::read_to_string(&marker).unwrap_or_default(),
        "term\n"
    );
    let gone = cluster.kubectl(&["get", "pod", "graceful"]);
    assert_eq!(
        String::from_utf8_lossy(&gone.stderr).trim(),
        "Error from server (NotFound): pods \"graceful\" not found"
    );

    wait_for(&cluster, "the back-off of a failed start", || {
        jsonpath(
            &cluster,
            "default",
            "missing",
            "{.status.containerStatuses[0].state.waiting.reason}",
        ) == "CrashLoopBackOff"
    });
    let last = jsonpath(
        &cluster,
        "default",
        "missing",
        "{.status.containerStatuses[0].lastState.terminated.reason} {.status.containerStatuses[0].lastState.terminated.exitCode} {.status.containerStatuses[0].lastState.terminated.message}",
    );
    assert_eq!(
        last,
        "StartError 128 exec: \"no-such-command\": executable file not found in $PATH"
    );
    let waiting = jsonpath(
        &cluster,
        "default",
        "missing",
        "{.status.containerStatuses[0].state.waiting.message}",
    );
    let uid = jsonpath(&cluster, "default", "missing", "{.metadata.uid}");
    assert!(
        waiting.starts_with("back-off ")
            && waiting.ends_with(&format!(
                " restarting failed container=missing pod=missing_default({uid})"
            )),
        "{waiting}"
    );
    wait_for(&cluster, "the finished pods", || {
        let pods =
            String::from_utf8_lossy(&cluster.kubectl(&["get", "pods", "done", "failed"]).stdout)
                .into_owned();
        pods.contains("done     0/1     Completed") && pods.contains("failed   0/1     Error")
    });
    assert_eq!(
        jsonpath(&cluster, "default", "done", "{.status.phase}"),
        "Succeeded"
    );
    assert_eq!(
        jsonpath(&cluster, "default", "failed", "{.status.phase}"),
        "Failed"
    );
}

#[test]
fn the_kubelet_api_answers_curl_and_websocket_clients_directly() {
    let cluster = lab();
    ok(
        &cluster,
        &cluster.kubectl(&[
            "run",
            "echo",
            "--image=busybox",
            "--command",
            "--",
            "sh",
            "-c",
            "echo first; echo second; python3 -m http.server 18094 --bind 127.0.0.1",
        ]),
    );
    wait_running(&cluster, "default", "echo");
    let port = String::from_utf8_lossy(
        &cluster
            .kubectl(&[
                "get",
                "node",
                "lab",
                "-o",
                "jsonpath={.status.daemonEndpoints.kubeletEndpoint.Port}",
            ])
            .stdout,
    )
    .into_owned();
    let kubelet = format!("https://127.0.0.1:{port}");
    let pki = cluster.data_dir.join("pki");
    let (ca, cert, key) = (
        pki.join("ca.crt").display().to_string(),
        pki.join("admin.crt").display().to_string(),
        pki.join("admin.key").display().to_string(),
    );
    // No client certificate: 401 as the kubelet answers it.
    let anonymous = sh(
        &cluster,
        &format!("curl -s -w ' %{{http_code}}' --cacert {ca} {kubelet}/pods"),
    );
    assert_eq!(anonymous.stdout, "Unauthorized 401");
    // A user of the cluster CA without nodes/proxy: the kubelet's Forbidden text.
    let jane = sh(
        &cluster,
        &format!(
            "openssl req -new -newkey rsa:2048 -nodes -keyout $A/jane.key -subj /CN=jane -out $A/jane.csr 2>/dev/null && \
             printf 'extendedKeyUsage=clientAuth' > $A/jane.ext && \
             openssl x509 -req -in $A/jane.csr -CA {ca} -CAkey $P/ca.key -CAcreateserial -extfile $A/jane.ext -out $A/jane.crt -days 1 2>/dev/null && \
             curl -s -w ' %{{http_code}}' --cacert {ca} --cert $A/jane.crt --key $A/jane.key -X POST '{kubelet}/exec/default/echo/echo?command=id&output=1'"
        ),
    );
    assert_eq!(
        jane.stdout,
        "Forbidden (user=jane, verb=create, resource=nodes, subresource=proxy) 403"
    );
    let curl = format!("curl -s --cacert {ca} --cert {cert} --key {key}");
    wait_for(&cluster, "the first lines of log", || {
        sh(
            &cluster,
            &format!("{curl} {kubelet}/containerLogs/default/echo/echo"),
        )
        .stdout
        .starts_with("first\nsecond\n")
    });
    let last = sh(
        &cluster,
        &format!("{curl} '{kubelet}/containerLogs/default/echo/echo?tailLines=1'"),
    );
    assert_eq!(last.stdout, "second\n");
    let missing = sh(
        &cluster,
        &format!("{curl} -w ' %{{http_code}}' {kubelet}/containerLogs/default/echo/nope"),
    );
    assert_eq!(
        missing.stdout,
        "container \"nope\" not found in pod \"echo\" 404"
    );
    let invalid = sh(
        &cluster,
        &format!(
            "{curl} -w ' %{{http_code}}' '{kubelet}/containerLogs/default/echo/echo?tailLines=-1'"
        ),
    );
    assert_eq!(invalid.stdout, "{\"message\": \"Invalid request.\"} 422");

    // Exec over WebSocket with a client we did not write: v5 (close signal), v4 base64.
    let client = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/it/lab_node/ws_client.py"
    );
    let wss = kubelet.replace("https://", "wss://");
    let run = |args: &[&str]| -> serde_json::Value {
        let out = Command::new("python3")
            .arg(client)
            .args(args)
            .args([&ca, &cert, &key])
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let exec_url = format!(
        "{wss}/exec/default/echo/echo?command=sh&command=-c&command=cat;echo%20done%20%3E%262;exit%205&input=1&output=1&error=1"
    );
    let v5 = run(&["exec", &exec_url, "v5.channel.k8s.io", "hello\n"]);
    assert_eq!(v5["protocol"], "v5.channel.k8s.io");
    assert_eq!(v5["first"], serde_json::json!({"channel": 1, "length": 0}));
    assert_eq!(v5["stdout"], "hello\n");
    assert_eq!(v5["stderr"], "done\n");
    let status: serde_json::Value =
        serde_json::from_str(v5["error"].as_str().unwrap()).expect("a Status");
    assert_eq!(status["reason"], "NonZeroExitCode");
    assert_eq!(
        status["details"]["causes"][0],
        serde_json::json!({"reason": "ExitCode", "message": "5"})
    );
    let ok_url = format!("{wss}/exec/default/echo/echo?command=echo&command=hi&output=1");
    let v4 = run(&["exec", &ok_url, "v4.base64.channel.k8s.io", ""]);
    assert_eq!(v4["protocol"], "v4.base64.channel.k8s.io");
    assert_eq!(v4["stdout"], "hi\n");
    assert_eq!(v4["error"], r#"{"metadata":{},"status":"Success"}"#);

    // The kubelet's own WebSocket port forward: port prefixes, then the bytes.
    let forward = run(&[
        "portforward",
        &format!("{wss}/portForward/default/echo?port=18094"),
        "GET / HTTP/1.0\r\n\r\n",
    ]);
    assert_eq!(forward["protocol"], "v4.channel.k8s.io");
    assert_eq!(
        forward["prefixes"],
        serde_json::json!([[0, 18094], [1, 18094]])
    );
    assert!(
        forward["data"]
            .as_str()
            .unwrap()
            .starts_with("HTTP/1.0 200 OK"),
        "{forward}"
    );
    let refused = run(&[
        "portforward",
        &format!("{wss}/portForward/default/echo?port=1"),
        "x",
    ]);
    let uid = jsonpath(&cluster, "default", "echo", "{.metadata.uid}");
    assert_eq!(
        refused["error"],
        format!(
            "error forwarding port 1 to pod echo, uid {uid}: dial tcp4 127.0.0.1:1: connect: connection refused"
        )
    );
}

#[test]
fn every_kubectl_from_1_27_to_1_33_execs_and_forwards_ports() {
    let cluster = lab();
    ok(
        &cluster,
        &cluster.kubectl(&[
            "run",
            "http",
            "--image=python:3",
            "--command",
            "--",
            "python3",
            "-m",
            "http.server",
            "18096",
            "--bind",
            "127.0.0.1",
        ]),
    );
    wait_running(&cluster, "default", "http");
    for minor in 27..=33 {
        let kubectl = format!("/usr/lib/google-cloud-sdk/bin/kubectl.1.{minor}");
        let port = 28200 + minor;
        let ran = sh(
            &cluster,
            &format!(
                "echo in | {kubectl} exec -i http -- sh -c 'cat; exit 2'; echo rc=$?; \
                 : > $A/pf-{minor}.log; {kubectl} port-forward pod/http {port}:18096 > $A/pf-{minor}.log 2>&1 & pid=$!; \
                 for i in $(seq 1 100); do grep -q Forwarding $A/pf-{minor}.log && break; sleep 0.1; done; \
                 curl -s -o /dev/null -w '%{{http_code}}\\n' http://127.0.0.1:{port}/; kill $pid"
            ),
        );
        assert_eq!(ran.stdout, "in\nrc=2\n200\n", "kubectl 1.{minor}: {ran:?}");
        assert_eq!(
            ran.stderr, "command terminated with exit code 2\n",
            "kubectl 1.{minor}"
        );
    }
}
