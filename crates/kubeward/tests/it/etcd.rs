//! kubeward on etcd (`--etcd-servers`): a 3-member etcd cluster of Debian's etcd-server, a
//! `kubeward up` and a `kubeward serve` replica on it, the real kubectl against both; and the
//! storage flags' errors.

use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kubeward_testkit::cluster::{Cluster, ok};
use kubeward_testkit::etcd::EtcdCluster;
use kubeward_testkit::process::{Process, Stream};

use crate::support::run;

/// The line `kubeward serve` prints once it listens.
const LISTENING: &str = "kubeward API server listening on ";

/// A `kubeward serve` replica; killed when dropped.
pub struct Replica {
    /// The process (kill it to kill the replica).
    pub process: Process,
    /// `https://127.0.0.1:<port>`.
    pub url: String,
    /// Its identity in the leader election, when it takes part in one.
    pub identity: Option<String>,
}

/// Starts `kubeward serve … EXTRA…` on the certificates of `up`'s data directory (signing CSRs
/// with its CA) and on `servers`, with a data directory of its own named `name`.
pub fn serve_replica(up: &Cluster, servers: &str, name: &str, extra: &[&str]) -> Replica {
    let pki = up.data_dir.join("pki");
    let mut command = Command::new(kubeward_testkit::kubeward_binary());
    command
        .arg("serve")
        .args(["--bind-address", "127.0.0.1", "--secure-port", "0"])
        .arg("--tls-cert-file")
        .arg(pki.join("apiserver.crt"))
        .arg("--tls-private-key-file")
        .arg(pki.join("apiserver.key"))
        .arg("--client-ca-file")
        .arg(pki.join("ca.crt"))
        .arg("--cluster-signing-cert-file")
        .arg(pki.join("ca.crt"))
        .arg("--cluster-signing-key-file")
        .arg(pki.join("ca.key"))
        .arg(format!("--etcd-servers={servers}"))
        .arg("--data-dir")
        .arg(up.scratch(name))
        .args(extra)
        .env("RUST_LOG", "warn");
    let process = Process::start(command, Stream::Stderr, Duration::from_secs(60), |line| {
        line.starts_with(LISTENING)
    });
    let field = |prefix: &str| {
        process
            .printed
            .lines()
            .find_map(|line| line.strip_prefix(prefix))
            .map(|value| value.trim().to_string())
    };
    let url = field(LISTENING).expect("the address");
    let identity = field(CANDIDATE);
    Replica {
        process,
        url,
        identity,
    }
}

/// The line a replica taking part in the leader election prints before it listens.
const CANDIDATE: &str = "kubeward leader election: candidate ";

/// Runs `check` until it gives `true` (at most 10 s).
pub fn eventually(mut check: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "{what}: not within 10 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The value etcd holds at `key`, read through etcd's own JSON gateway with curl.
fn etcd_value(endpoint: &str, key: &str) -> Option<serde_json::Value> {
    let body = format!(r#"{{"key":"{}"}}"#, STANDARD.encode(key));
    let output = Command::new("curl")
        .args([
            "-sS",
            "-X",
            "POST",
            &format!("{endpoint}/v3/kv/range"),
            "-d",
            &body,
        ])
        .output()
        .expect("curl runs");
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    let value = STANDARD.decode(answer["kvs"][0]["value"].as_str()?).ok()?;
    serde_json::from_slice(&value).ok()
}

#[test]
fn up_and_a_serve_replica_share_one_etcd() {
    let etcd = EtcdCluster::start(3);
    let servers = etcd.endpoints().join(",");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let up = Cluster::up_with(dir, &[format!("--etcd-servers={servers}")]);
    assert!(
        !up.data_dir.join("store.redb").exists(),
        "the objects are in etcd, not in the data directory"
    );
    ok(&up.kubectl(&[
        "create",
        "configmap",
        "settings",
        "--from-literal=k=from-up",
    ]));
    // kube-apiserver's key, the object's JSON without its resourceVersion.
    let stored = etcd_value(&etcd.endpoint(2), "/registry/configmaps/default/settings")
        .expect("the configmap is in etcd");
    assert_eq!(stored["data"]["k"], "from-up");
    assert!(stored["metadata"].get("resourceVersion").is_none());

    let replica = serve_replica(&up, &servers, "replica-data", &[]);
    let on_replica = |args: &[&str]| {
        let mut all = vec!["--server", replica.url.as_str()];
        all.extend_from_slice(args);
        up.kubectl(&all)
    };
    let read = ok(&on_replica(&[
        "get",
        "configmap",
        "settings",
        "-o",
        "jsonpath={.data.k}",
    ]));
    assert_eq!(read, "from-up");
    ok(&on_replica(&[
        "create",
        "configmap",
        "second",
        "--from-literal=k=from-serve",
    ]));
    eventually(
        || {
            let output = up.kubectl(&["get", "configmap", "second", "-o", "jsonpath={.data.k}"]);
            output.status.success() && output.stdout == b"from-serve"
        },
        "the replica's write read through up",
    );
    let listed = ok(&on_replica(&["get", "namespaces", "-o", "name"]));
    assert!(listed.contains("namespace/kube-system"), "{listed}");

    // `up` dies and comes back: everything is still there, from etcd.
    let (dir, data_dir) = up.kill();
    let up = Cluster::restart_with(dir, data_dir, &[format!("--etcd-servers={servers}")]);
    let read = ok(&up.kubectl(&["get", "configmaps", "-o", "jsonpath={.items[*].data.k}"]));
    assert!(
        read.contains("from-up") && read.contains("from-serve"),
        "{read}"
    );
    drop(replica);
}

#[test]
fn storage_flags_are_checked_and_an_unreachable_etcd_is_reported() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let data_dir = dir.path().join("data");
    let data_dir = data_dir.to_str().unwrap();
    let (code, _, stderr) = run(&[
        "idp",
        "serve",
        "--data-dir",
        data_dir,
        "--storage-backend=etcd3",
    ]);
    assert_eq!(
        (code, stderr.as_str()),
        (2, "error: --etcd-servers must be specified\n")
    );
    let (code, _, stderr) = run(&[
        "idp",
        "serve",
        "--data-dir",
        data_dir,
        "--storage-backend=etcd2",
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: --storage-backend invalid, allowed values: etcd3, redb."),
        "{stderr}"
    );
    let (code, _, stderr) = run(&[
        "idp",
        "serve",
        "--data-dir",
        data_dir,
        "--etcd-servers=https://127.0.0.1:2379",
        "--etcd-certfile=/nonexistent/client.crt",
        "--etcd-keyfile=/nonexistent/client.key",
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: --etcd-certfile /nonexistent/client.crt: "),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["serve", "--etcd-compaction-interval=5 minutes"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(r#"time: unknown unit " minutes" in duration "5 minutes""#),
        "{stderr}"
    );

    // Nothing listens on the port: the provider says so and exits, without hanging.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let (code, _, stderr) = run(&[
        "idp",
        "serve",
        "--data-dir",
        data_dir,
        &format!("--etcd-servers={server}"),
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with(&format!(
            "error: storage error: cannot reach etcd at {server}: "
        )),
        "{stderr}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}
