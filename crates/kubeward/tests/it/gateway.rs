//! `kubeward gateway` in front of a real `kubeward up` (which honours impersonation as
//! kube-apiserver does), driven with real kubectl: seed 001's OIDC user (a password-grant
//! id_token of the upstream's identity provider, trusted by the gateway through the same
//! AuthenticationConfiguration) and a static-token user only the gateway knows are denied in
//! the upstream's words with their real names, `kubectl auth whoami` shows the user as the
//! upstream sees it, a watch through the gateway sees an object created upstream, `--as` is
//! refused until the upstream lets the user impersonate, `kubectl apply` (client-side and
//! server-side) reaches the upstream as sent, and a client's own `Impersonate-*` headers never cross.
//! Upgraded connections (exec over SPDY/3.1, port-forward over WebSocket) are checked against
//! an echoing stand-in upstream, since kubeward runs no containers: the handshake crosses
//! intact both ways, the tunnel carries bytes, credentials and hop-by-hop headers do not cross.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use base64::Engine as _;
use kubeward_testkit::cluster::{Cluster, ok};
use kubeward_testkit::process::{Process, Stream};
use serde_json::Value;

use crate::support::{self, repo};

/// Seed 001's realm (user `test` in group `developers`).
const REALM_FILE: &str = "crates/idp/src/representation/seed-001-realm.json";
const CLIENT_SECRET: &str = "kubernetes-client-secret";
const PASSWORD: &str = "test-password";
const TOKENS: &str = "gateway-token-1,minjun,1001,\"dev\"\n";
const LISTENING: &str = "kubeward gateway listening on ";

/// What the upstream's admin grants during the test: group `dev` reads pods and manages
/// ConfigMaps in `default`.
pub(crate) const GRANTS_FOR_DEV: &str = "\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: dev, namespace: default}
rules:
- apiGroups: [\"\"]
  resources: [pods]
  verbs: [get, list, watch]
- apiGroups: [\"\"]
  resources: [configmaps]
  verbs: [get, list, watch, create, patch, update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: dev}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: dev}
";

/// minjun may impersonate user `bob` (and nobody else).
const IMPERSONATE_BOB: &str = "\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: impersonate-bob}
rules:
- apiGroups: [\"\"]
  resources: [users]
  resourceNames: [bob]
  verbs: [impersonate]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: minjun-impersonates-bob}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonate-bob}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: minjun}
";

const CONFIGMAP: &str = "\
apiVersion: v1
kind: ConfigMap
metadata: {name: applied, namespace: default}
data: {colour: blue}
";

/// The upstream: `kubeward up` with seed 001's realm imported.
pub(crate) fn upstream() -> Cluster {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let imported = support::kubeward(&["idp", "import", "-f"])
        .arg(repo().join(REALM_FILE))
        .arg("--data-dir")
        .arg(&data_dir)
        .output()
        .unwrap();
    assert!(imported.status.success(), "{}", text(&imported));
    Cluster::start(dir, data_dir)
}

/// A running gateway and its URL.
pub(crate) struct Gateway {
    process: Process,
    /// Where it listens (`https://127.0.0.1:PORT`).
    pub(crate) url: String,
}

/// `kubeward gateway` in front of `upstream`, with the upstream's admin credential, its serving
/// certificate, a static token file and the upstream's AuthenticationConfiguration.
pub(crate) fn gateway(upstream: &Cluster) -> Gateway {
    gateway_with(upstream, &[])
}

/// [`gateway`] with `extra` flags.
fn gateway_with(upstream: &Cluster, extra: &[&str]) -> Gateway {
    let tokens = upstream.scratch("gateway-tokens.csv");
    std::fs::write(&tokens, TOKENS).unwrap();
    let pki = upstream.data_dir.join("pki");
    let mut command = Command::new(kubeward_testkit::kubeward_binary());
    command
        .args([
            "gateway",
            "--bind-address",
            "127.0.0.1",
            "--secure-port",
            "0",
        ])
        .arg("--upstream-kubeconfig")
        .arg(&upstream.admin_kubeconfig)
        .arg("--tls-cert-file")
        .arg(pki.join("apiserver.crt"))
        .arg("--tls-private-key-file")
        .arg(pki.join("apiserver.key"))
        .arg("--token-auth-file")
        .arg(&tokens)
        .arg("--authentication-config")
        .arg(upstream.data_dir.join("authentication-config.json"))
        .args(extra)
        .env("RUST_LOG", "warn");
    let process = Process::start(command, Stream::Stderr, Duration::from_secs(60), |line| {
        line.starts_with(LISTENING)
    });
    let url = process
        .printed
        .lines()
        .find_map(|line| line.strip_prefix(LISTENING))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the gateway says where it listens")
        .to_string();
    Gateway { process, url }
}

impl Gateway {
    /// The gateway's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.process.id()
    }
}

/// A kubeconfig for the gateway presenting bearer `token`.
pub(crate) fn kubeconfig(
    upstream: &Cluster,
    gateway: &Gateway,
    name: &str,
    token: &str,
) -> PathBuf {
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: gateway\n  cluster:\n    server: {}\n    certificate-authority-data: {}\nusers:\n- name: {name}\n  user:\n    token: {token}\ncontexts:\n- name: {name}@gateway\n  context: {{cluster: gateway, user: {name}}}\ncurrent-context: {name}@gateway\n",
        gateway.url,
        base64::engine::general_purpose::STANDARD.encode(upstream.ca_pem()),
    );
    let path = upstream.scratch(&format!("{name}.gateway.kubeconfig"));
    std::fs::write(&path, text).unwrap();
    path
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The id_token of seed 001's user `test` (password grant, as the seed's curl gets it).
pub(crate) fn id_token(upstream: &Cluster) -> String {
    let out = Command::new("curl")
        .args(["-sS", "--fail", "--cacert"])
        .arg(upstream.data_dir.join("pki/ca.crt"))
        .arg(format!(
            "{}/realms/kubernetes/protocol/openid-connect/token",
            upstream.idp
        ))
        .args([
            "-d",
            "grant_type=password",
            "-d",
            "client_id=kubernetes-client",
            "-d",
            "username=test",
            "-d",
            &format!("password={PASSWORD}"),
            "-d",
            "scope=openid",
            "-d",
            &format!("client_secret={CLIENT_SECRET}"),
        ])
        .output()
        .unwrap();
    let answer: Value = serde_json::from_str(&ok(&out)).unwrap();
    answer["id_token"]
        .as_str()
        .expect("an id_token")
        .to_string()
}

fn apply(upstream: &Cluster, name: &str, manifest: &str) {
    let path = upstream.scratch(name);
    std::fs::write(&path, manifest).unwrap();
    ok(&upstream.kubectl(&["apply", "-f", &path.display().to_string()]));
}

fn whoami(upstream: &Cluster, kubeconfig: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["auth", "whoami", "-o", "json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&ok(&upstream.kubectl_as(kubeconfig, &args))).unwrap()
}

#[test]
fn kubectl_through_the_gateway_is_the_user_upstream() {
    let upstream = upstream();
    let gateway = gateway(&upstream);

    // Seed 001's OIDC user, authenticated by the gateway, denied by the upstream by name.
    let oidc = kubeconfig(&upstream, &gateway, "test", &id_token(&upstream));
    let denied = upstream.kubectl_as(&oidc, &["get", "pods"]);
    assert!(!denied.status.success());
    assert_eq!(
        String::from_utf8_lossy(&denied.stderr).trim(),
        "Error from server (Forbidden): pods is forbidden: User \"test\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""
    );
    let seen = whoami(&upstream, &oidc, &[]);
    assert_eq!(seen["status"]["userInfo"]["username"], "test", "{seen}");
    assert_eq!(
        seen["status"]["userInfo"]["groups"],
        serde_json::json!([
            "kubernetes:developers",
            "kubernetes:kubernetes:admin",
            "system:authenticated"
        ]),
        "{seen}"
    );

    // A static-token user only the gateway knows; the upstream's RBAC decides.
    let minjun = kubeconfig(&upstream, &gateway, "minjun", "gateway-token-1");
    let denied = upstream.kubectl_as(&minjun, &["get", "pods"]);
    assert!(
        text(&denied).contains("User \"minjun\" cannot list resource \"pods\""),
        "{}",
        text(&denied)
    );
    let seen = whoami(&upstream, &minjun, &[]);
    assert_eq!(seen["status"]["userInfo"]["username"], "minjun", "{seen}");
    assert_eq!(seen["status"]["userInfo"]["uid"], "1001", "{seen}");
    assert_eq!(
        seen["status"]["userInfo"]["groups"],
        serde_json::json!(["dev", "system:authenticated"]),
        "{seen}"
    );
    // A bad token is the gateway's own 401, the upstream never asked.
    let stranger = kubeconfig(&upstream, &gateway, "stranger", "not-a-token");
    let refused = upstream.kubectl_as(&stranger, &["get", "pods"]);
    assert!(
        text(&refused).contains("error: You must be logged in to the server (Unauthorized)"),
        "{}",
        text(&refused)
    );

    apply(&upstream, "grants.yaml", GRANTS_FOR_DEV);
    assert_eq!(
        ok(&upstream.kubectl_as(&minjun, &["get", "pods"])).trim(),
        "",
        "no pods yet"
    );

    // A watch through the gateway sees what the admin creates upstream, as it happens.
    let mut watch = Command::new(kubeward_testkit::KUBECTL)
        .env("KUBECONFIG", &minjun)
        .env("HOME", upstream.dir.path())
        .args(["get", "configmaps", "-w", "-o", "name"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (lines, seen_lines) = mpsc::channel();
    let stdout = watch.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    // The watch is established once the existing list (kube-root-ca.crt) is printed.
    let first = seen_lines
        .recv_timeout(Duration::from_secs(30))
        .expect("the watch lists first");
    assert_eq!(first, "configmap/kube-root-ca.crt");
    ok(&upstream.kubectl(&["create", "configmap", "watched", "--from-literal=a=b"]));
    let next = seen_lines
        .recv_timeout(Duration::from_secs(30))
        .expect("the watch sees the new ConfigMap");
    assert_eq!(next, "configmap/watched");
    let _ = watch.kill();
    let _ = watch.wait();

    // --as: refused in the upstream's words until the upstream allows it, then honoured.
    let refused = upstream.kubectl_as(&minjun, &["--as=bob", "get", "pods"]);
    assert_eq!(
        String::from_utf8_lossy(&refused.stderr).trim(),
        "Error from server (Forbidden): users \"bob\" is forbidden: User \"minjun\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"
    );
    apply(&upstream, "impersonate.yaml", IMPERSONATE_BOB);
    // The refusal above is cached for at most 10 s, as the upstream's own webhook cache would.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let seen = loop {
        let out = upstream.kubectl_as(&minjun, &["--as=bob", "auth", "whoami", "-o", "json"]);
        if out.status.success() {
            break serde_json::from_slice::<Value>(&out.stdout).unwrap();
        }
        assert!(std::time::Instant::now() < deadline, "{}", text(&out));
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(seen["status"]["userInfo"]["username"], "bob", "{seen}");
    let refused = upstream.kubectl_as(&minjun, &["--as=alice", "get", "pods"]);
    assert!(
        text(&refused).contains("User \"minjun\" cannot impersonate resource \"users\""),
        "{}",
        text(&refused)
    );

    // A client's own Impersonate-* header, sent raw with its bearer token, never crosses.
    let raw = Command::new("curl")
        .args(["-sS", "--cacert"])
        .arg(upstream.data_dir.join("pki/ca.crt"))
        .args([
            "-H",
            "Authorization: Bearer gateway-token-1",
            "-H",
            "Impersonate-User: system:admin",
            "-H",
            "Impersonate-Group: system:masters",
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "-d",
            r#"{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}"#,
        ])
        .arg(format!(
            "{}/apis/authentication.k8s.io/v1/selfsubjectreviews",
            gateway.url
        ))
        .output()
        .unwrap();
    let answer: Value = serde_json::from_str(&ok(&raw)).unwrap();
    assert_eq!(answer["code"], 403, "{answer}");
    assert_eq!(
        answer["message"],
        "users \"system:admin\" is forbidden: User \"minjun\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"
    );

    // Apply through the gateway. Server-side apply reaches the upstream as kubectl sent it and
    // creates the object there; the admin's direct apply of the same manifest is the same
    // manager's (kubectl) and changes nothing; client-side apply lands upstream too.
    let manifest = upstream.scratch("applied.yaml");
    std::fs::write(&manifest, CONFIGMAP).unwrap();
    let manifest = manifest.display().to_string();
    let ssa = ["apply", "--server-side", "-f", manifest.as_str()];
    let through = ok(&upstream.kubectl_as(&minjun, &ssa));
    assert_eq!(through.trim(), "configmap/applied serverside-applied");
    let direct = ok(&upstream.kubectl(&ssa));
    assert_eq!(direct.trim(), "configmap/applied serverside-applied");
    let applied = ok(&upstream.kubectl_as(&minjun, &["apply", "-f", &manifest]));
    assert_eq!(applied.trim(), "configmap/applied configured");
    let stored: Value = serde_json::from_str(&ok(&upstream.kubectl(&[
        "get",
        "configmap",
        "applied",
        "-o",
        "json",
    ])))
    .unwrap();
    assert_eq!(stored["data"]["colour"], "blue", "{stored}");
}

const AUDIT_POLICY: &str = "\
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
";

#[test]
fn the_gateway_audits_what_it_forwards_with_the_users_name() {
    let upstream = upstream();
    let policy = upstream.scratch("audit-policy.yaml");
    std::fs::write(&policy, AUDIT_POLICY).unwrap();
    let log = upstream.scratch("gateway-audit.log");
    let gateway = gateway_with(
        &upstream,
        &[
            "--audit-policy-file",
            &policy.display().to_string(),
            "--audit-log-path",
            &log.display().to_string(),
        ],
    );
    let minjun = kubeconfig(&upstream, &gateway, "minjun", "gateway-token-1");
    let denied = upstream.kubectl_as(&minjun, &["get", "pods", "-n", "kube-system"]);
    assert!(!denied.status.success());
    let stranger = kubeconfig(&upstream, &gateway, "stranger", "not-a-token");
    assert!(
        !upstream
            .kubectl_as(&stranger, &["get", "pods"])
            .status
            .success()
    );
    // The log is written as events complete; wait for the two requests.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let events = loop {
        let events: Vec<Value> = std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        let pods = events.iter().any(|e| e["objectRef"]["resource"] == "pods");
        let refused = events.iter().any(|e| e["responseStatus"]["code"] == 401);
        if pods && refused {
            break events;
        }
        assert!(std::time::Instant::now() < deadline, "{events:?}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let listed = events
        .iter()
        .find(|e| e["objectRef"]["resource"] == "pods")
        .unwrap();
    assert_eq!(listed["kind"], "Event", "{listed}");
    assert_eq!(listed["level"], "Metadata", "{listed}");
    assert_eq!(listed["stage"], "ResponseComplete", "{listed}");
    assert_eq!(listed["verb"], "list", "{listed}");
    assert_eq!(listed["user"]["username"], "minjun", "{listed}");
    assert_eq!(listed["user"]["uid"], "1001", "{listed}");
    assert_eq!(listed["objectRef"]["namespace"], "kube-system", "{listed}");
    assert_eq!(
        listed["requestURI"], "/api/v1/namespaces/kube-system/pods?limit=500",
        "{listed}"
    );
    // The upstream's answer (its 403) is what the gateway records.
    assert_eq!(listed["responseStatus"]["code"], 403, "{listed}");
    let refused = events
        .iter()
        .find(|e| e["responseStatus"]["code"] == 401)
        .unwrap();
    assert_eq!(refused["stage"], "ResponseStarted", "{refused}");
    assert_eq!(
        refused["responseStatus"]["message"], "Unauthorized",
        "{refused}"
    );
}

#[test]
fn a_sigterm_writes_every_event_the_gateway_queued_before_it_exits() {
    let upstream = upstream();
    let policy = upstream.scratch("batch-audit-policy.yaml");
    std::fs::write(
        &policy,
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  resources: [{group: '', resources: [configmaps]}]\n- level: None\n",
    )
    .unwrap();
    let log = upstream.scratch("gateway-batch-audit.log");
    // Batches of 1,000 events that wait an hour to fill: nothing is written until the shutdown.
    let mut gateway = gateway_with(
        &upstream,
        &[
            "--audit-policy-file",
            &policy.display().to_string(),
            "--audit-log-path",
            &log.display().to_string(),
            "--audit-log-mode",
            "batch",
            "--audit-log-batch-max-size",
            "1000",
            "--audit-log-batch-max-wait",
            "1h",
        ],
    );
    let minjun = kubeconfig(&upstream, &gateway, "minjun", "gateway-token-1");
    let names: Vec<String> = (0..5).map(|i| format!("queued-{i}")).collect();
    for name in &names {
        // Denied upstream (minjun holds no grant): answered, and audited all the same.
        let got = upstream.kubectl_as(&minjun, &["get", "configmap", name]);
        assert!(!got.status.success(), "{}", text(&got));
    }
    assert_eq!(
        std::fs::read_to_string(&log).expect("the log exists from the start"),
        "",
        "the events wait in the queue"
    );
    gateway.process.terminate(Duration::from_secs(20));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut said = String::new();
    while !said.contains("kubeward gateway: stopped") && std::time::Instant::now() < deadline {
        said.extend(gateway.process.take_lines().into_iter().map(|l| l + "\n"));
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        said.contains("kubeward gateway: SIGTERM received, shutting down\n"),
        "{said}"
    );
    assert!(said.contains("kubeward gateway: stopped\n"), "{said}");
    let events: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    for name in &names {
        let stages: Vec<&str> = events
            .iter()
            .filter(|e| e["objectRef"]["name"] == name.as_str() && e["verb"] == "get")
            .map(|e| e["stage"].as_str().unwrap())
            .collect();
        assert_eq!(
            stages,
            ["RequestReceived", "ResponseComplete"],
            "{name}: both events written at the SIGTERM: {events:?}"
        );
    }
}

/// A stand-in for a kubelet behind an API server (kubeward runs no containers): plain HTTP on
/// loopback that answers every request with `101` in the protocol it was asked for and then
/// echoes what it receives. Each request's head goes to `heads`.
fn echoing_upstream() -> (String, mpsc::Receiver<String>) {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (heads, seen) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let heads = heads.clone();
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if stream.read(&mut byte).unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
                let value = |name: &str| {
                    head.lines()
                        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                        .unwrap_or("")
                        .trim()
                        .to_string()
                };
                let answer = if value("upgrade") == "websocket" {
                    format!(
                        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: accepted-{}\r\nSec-WebSocket-Protocol: {}\r\n\r\n",
                        value("sec-websocket-key"),
                        value("sec-websocket-protocol")
                            .split(',')
                            .next()
                            .unwrap_or("")
                            .trim()
                    )
                } else {
                    "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n".to_string()
                };
                let _ = heads.send(head);
                if stream.write_all(answer.as_bytes()).is_err() {
                    return;
                }
                let mut buffer = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buffer) {
                    if n == 0 || stream.write_all(&buffer[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    (url, seen)
}

/// A client that speaks the upgrade handshake itself over TLS (Python's ssl module): sends
/// `request`, prints the answer's head, then sends `ping` and prints what comes back.
const UPGRADE_CLIENT: &str = r#"
import socket, ssl, sys
context = ssl.create_default_context(cafile=sys.argv[3])
context.set_alpn_protocols(["http/1.1"])
with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20) as raw:
    with context.wrap_socket(raw, server_hostname=sys.argv[1]) as tls:
        tls.sendall(sys.argv[4].replace("\\r\\n", "\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = tls.recv(1)
            if not chunk:
                break
            head += chunk
        sys.stdout.write(head.decode())
        sys.stdout.flush()
        if b" 101 " in head.split(b"\r\n")[0]:
            tls.sendall(b"ping through the tunnel")
            echoed = b""
            while len(echoed) < len(b"ping through the tunnel"):
                chunk = tls.recv(64)
                if not chunk:
                    break
                echoed += chunk
            sys.stdout.write("ECHO:" + echoed.decode())
        else:
            sys.stdout.write(tls.recv(4096).decode())
"#;

#[test]
fn exec_and_port_forward_upgrades_are_joined_through_the_gateway() {
    let dir = tempfile::tempdir().unwrap();
    let scratch = |name: &str| dir.path().join(name);
    let serving = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    std::fs::write(scratch("gateway.crt"), serving.cert.pem()).unwrap();
    std::fs::write(scratch("gateway.key"), serving.signing_key.serialize_pem()).unwrap();
    std::fs::write(scratch("tokens.csv"), TOKENS).unwrap();
    let (url, heads) = echoing_upstream();
    std::fs::write(
        scratch("upstream.kubeconfig"),
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: up\n  cluster: {{server: '{url}'}}\nusers:\n- name: gw\n  user: {{token: gateway-credential}}\ncontexts:\n- name: gw\n  context: {{cluster: up, user: gw}}\ncurrent-context: gw\n"
        ),
    )
    .unwrap();
    let mut command = Command::new(kubeward_testkit::kubeward_binary());
    command
        .args([
            "gateway",
            "--bind-address",
            "127.0.0.1",
            "--secure-port",
            "0",
        ])
        .arg("--upstream-kubeconfig")
        .arg(scratch("upstream.kubeconfig"))
        .arg("--tls-cert-file")
        .arg(scratch("gateway.crt"))
        .arg("--tls-private-key-file")
        .arg(scratch("gateway.key"))
        .arg("--token-auth-file")
        .arg(scratch("tokens.csv"))
        .args(["--upstream-token-review", "false"])
        .env("RUST_LOG", "warn");
    let process = Process::start(command, Stream::Stderr, Duration::from_secs(60), |line| {
        line.starts_with(LISTENING)
    });
    let port = process
        .printed
        .lines()
        .find_map(|line| line.strip_prefix(LISTENING))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|url| url.rsplit(':').next())
        .expect("the gateway says where it listens")
        .to_string();
    let exchange = |request: &str| -> String {
        let out = Command::new("python3")
            .args(["-c", UPGRADE_CLIENT, "127.0.0.1", &port])
            .arg(scratch("gateway.crt"))
            .arg(request)
            .output()
            .unwrap();
        ok(&out)
    };

    // exec over SPDY/3.1 (kubectl up to 1.29), with the client's own smuggling attempts.
    let answer = exchange(
        "POST /api/v1/namespaces/default/pods/web/exec?command=sh&stdin=true&stdout=true&tty=true HTTP/1.1\\r\\nHost: gateway\\r\\nAuthorization: Bearer gateway-token-1\\r\\nConnection: Upgrade, X-Hop\\r\\nX-Hop: secret\\r\\nUpgrade: SPDY/3.1\\r\\nX-Stream-Protocol-Version: v4.channel.k8s.io\\r\\nProxy-Authorization: Basic c2VjcmV0\\r\\nContent-Length: 0\\r\\n\\r\\n",
    );
    assert!(
        answer.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
        "{answer}"
    );
    let lower = answer.to_ascii_lowercase();
    assert!(lower.contains("\r\nupgrade: spdy/3.1\r\n"), "{answer}");
    assert!(
        lower.contains("\r\nx-stream-protocol-version: v4.channel.k8s.io\r\n"),
        "{answer}"
    );
    assert!(answer.ends_with("ECHO:ping through the tunnel"), "{answer}");
    let head = heads.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(
        head.starts_with("post /api/v1/namespaces/default/pods/web/exec?command=sh&stdin=true&stdout=true&tty=true http/1.1\r\n"),
        "{head}"
    );
    for expected in [
        "\r\nupgrade: spdy/3.1\r\n",
        "\r\nconnection: upgrade\r\n",
        "\r\nx-stream-protocol-version: v4.channel.k8s.io\r\n",
        "\r\nauthorization: bearer gateway-credential\r\n",
        "\r\nimpersonate-user: minjun\r\n",
        "\r\nimpersonate-uid: 1001\r\n",
        "\r\nimpersonate-group: dev\r\n",
    ] {
        assert!(head.contains(expected), "{expected:?} missing: {head}");
    }
    for absent in [
        "gateway-token-1",
        "x-hop",
        "proxy-authorization",
        "c2vjcmv0",
    ] {
        assert!(!head.contains(absent), "{absent} crossed: {head}");
    }

    // port-forward over WebSocket (kubectl 1.31+), the handshake's headers intact both ways.
    let answer = exchange(
        "GET /api/v1/namespaces/default/pods/web/portforward?ports=8080 HTTP/1.1\\r\\nHost: gateway\\r\\nAuthorization: Bearer gateway-token-1\\r\\nConnection: Upgrade\\r\\nUpgrade: websocket\\r\\nSec-WebSocket-Version: 13\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\nSec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io, portforward.k8s.io\\r\\n\\r\\n",
    );
    assert!(
        answer.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
        "{answer}"
    );
    let lower = answer.to_ascii_lowercase();
    assert!(
        lower.contains("\r\nsec-websocket-accept: accepted-dghlihnhbxbszsbub25jzq==\r\n"),
        "{answer}"
    );
    assert!(
        lower.contains("\r\nsec-websocket-protocol: spdy/3.1+portforward.k8s.io\r\n"),
        "{answer}"
    );
    assert!(answer.ends_with("ECHO:ping through the tunnel"), "{answer}");
    let head = heads.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(
        head.contains("\r\nsec-websocket-key: dghlihnhbxbszsbub25jzq==\r\n"),
        "{head}"
    );
    assert!(head.contains("\r\nimpersonate-user: minjun\r\n"), "{head}");

    // A lone Impersonate-Group is kube-apiserver's 400; no credentials, the gateway's own 401:
    // nothing reaches the upstream.
    let answer = exchange(
        "GET /api/v1/namespaces/default/pods/web/exec HTTP/1.1\\r\\nHost: gateway\\r\\nAuthorization: Bearer gateway-token-1\\r\\nImpersonate-Group: system:masters\\r\\nConnection: Upgrade\\r\\nUpgrade: SPDY/3.1\\r\\n\\r\\n",
    );
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    assert!(
        answer.contains(
            "requested impersonation of groups, uid or extras without impersonating a user"
        ),
        "{answer}"
    );
    let answer = exchange(
        "GET /api/v1/namespaces/default/pods/web/exec HTTP/1.1\\r\\nHost: gateway\\r\\nConnection: Upgrade\\r\\nUpgrade: SPDY/3.1\\r\\n\\r\\n",
    );
    assert!(answer.starts_with("HTTP/1.1 401 "), "{answer}");
    assert!(heads.try_recv().is_err());
    drop(process);
}

#[test]
fn up_runs_a_gateway_and_gateway_kubeconfig_writes_a_users_kubeconfig() {
    let upstream = Cluster::up();
    let front = Cluster::up_with(
        tempfile::tempdir().unwrap(),
        &[
            "--gateway-upstream-kubeconfig".to_string(),
            upstream.admin_kubeconfig.display().to_string(),
            "--gateway-port".to_string(),
            "0".to_string(),
        ],
    );
    let line = front
        .banner
        .lines()
        .find_map(|line| line.strip_prefix("Gateway: "))
        .unwrap_or_else(|| panic!("the banner names the gateway: {}", front.banner));
    let (gateway_url, upstream_url) = line.split_once(" in front of ").unwrap();
    assert_eq!(upstream_url, upstream.server);
    let written = front.data_dir.join("gateway.kubeconfig");
    assert!(
        front.banner.contains(&format!(
            "Gateway kubeconfig (kubectl oidc-login): {}",
            written.display()
        )),
        "{}",
        front.banner
    );
    // Read as a file: kubectl with it needs `kubectl-oidc_login` on PATH (without it, kubectl
    // 1.33 runs `kubectl oidc-login` over and over, each with the same kubeconfig).
    let written_config: Value =
        serde_json::from_str(&std::fs::read_to_string(&written).unwrap()).unwrap();
    assert_eq!(
        written_config["clusters"][0]["cluster"]["server"], gateway_url,
        "{written_config}"
    );
    let args = written_config["users"][0]["user"]["exec"]["args"]
        .as_array()
        .unwrap();
    assert_eq!(
        args[..3],
        [
            serde_json::json!("oidc-login"),
            serde_json::json!("get-token"),
            serde_json::json!(format!("--oidc-issuer-url={}/realms/kubernetes", front.idp)),
        ],
        "{written_config}"
    );

    // A user of front's CA, with a certificate `kubeward gateway kubeconfig` issues.
    let pki = front.data_dir.join("pki");
    let jane = front.scratch("jane.kubeconfig");
    let wrote = support::kubeward(&["gateway", "kubeconfig", "--user", "jane", "--group", "dev"])
        .args(["--server", gateway_url])
        .arg("--certificate-authority")
        .arg(pki.join("ca.crt"))
        .arg("--client-ca-cert")
        .arg(pki.join("ca.crt"))
        .arg("--client-ca-key")
        .arg(pki.join("ca.key"))
        .arg("-o")
        .arg(&jane)
        .output()
        .unwrap();
    assert!(wrote.status.success(), "{}", text(&wrote));
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&jane).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let seen = whoami(&front, &jane, &[]);
    assert_eq!(seen["status"]["userInfo"]["username"], "jane", "{seen}");
    assert_eq!(
        seen["status"]["userInfo"]["groups"],
        serde_json::json!(["dev", "system:authenticated"]),
        "{seen}"
    );
    let denied = front.kubectl_as(&jane, &["get", "pods"]);
    assert_eq!(
        String::from_utf8_lossy(&denied.stderr).trim(),
        "Error from server (Forbidden): pods is forbidden: User \"jane\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""
    );

    // The exec-plugin form names the issuer and client.
    let out = support::kubeward(&["gateway", "kubeconfig", "--user", "test"])
        .args(["--server", gateway_url])
        .arg("--certificate-authority")
        .arg(pki.join("ca.crt"))
        .args([
            "--oidc-issuer-url",
            "https://idp.example/realms/kubernetes",
            "--oidc-client-id",
            "kubernetes",
        ])
        .output()
        .unwrap();
    let config: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        config["users"][0]["user"]["exec"]["args"],
        serde_json::json!([
            "oidc-login",
            "get-token",
            "--oidc-issuer-url=https://idp.example/realms/kubernetes",
            "--oidc-client-id=kubernetes"
        ]),
        "{config}"
    );
}
