//! `kubeward up`: the data directory it creates, what it prints, and that a restart — even after
//! `kill -9` in the middle of writes — keeps every write that was acknowledged.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kubeward_testkit::cluster::{self, Cluster};
use kubeward_testkit::golden as steps;

use crate::support::{self, mode};

#[test]
fn up_creates_the_data_directory_and_says_what_to_run_next() {
    let cluster = Cluster::up();
    let data = &cluster.data_dir;
    assert!(cluster.banner.contains(&format!(
        "admin kubeconfig: {}",
        data.join("admin.kubeconfig").display()
    )));
    assert!(cluster.banner.contains(&format!(
        "cluster CA: {}",
        data.join("pki/ca.crt").display()
    )));
    assert!(cluster.banner.contains(&format!(
        "export KUBECONFIG={}",
        data.join("admin.kubeconfig").display()
    )));
    for secret in [
        "admin.kubeconfig",
        "pki/ca.key",
        "pki/apiserver.key",
        "pki/sa.key",
        "pki/admin.key",
    ] {
        assert_eq!(mode(&data.join(secret)), 0o600, "{secret}");
    }
    assert_eq!(mode(&data.join("pki/ca.crt")), 0o644);
    // A new data directory is the owner's only, as docs/api-server.md says.
    assert_eq!(mode(data), 0o700);
    assert_eq!(mode(&data.join("pki")), 0o700);
    let namespaces = cluster::ok(&cluster.kubectl(&["get", "namespaces", "-o", "name"]));
    assert_eq!(
        namespaces,
        "namespace/default\nnamespace/kube-node-lease\nnamespace/kube-public\nnamespace/kube-system\n"
    );
}

#[test]
fn kill_9_during_writes_loses_no_acknowledged_write() {
    let cluster = Cluster::up();
    // Create ConfigMaps one by one; each name is recorded only once kubectl reported success.
    let writer = std::process::Command::new("bash")
        .arg("-c")
        .arg("for i in $(seq 1 400); do kubectl create configmap cm-$i --from-literal=i=$i >/dev/null 2>&1 && echo cm-$i >> \"$ACKED\"; done")
        .env("KUBECONFIG", &cluster.admin_kubeconfig)
        .env("ACKED", cluster.scratch("acked"))
        .spawn()
        .expect("writer starts");
    let acked = cluster.scratch("acked");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::read_to_string(&acked)
        .map(|s| s.lines().count())
        .unwrap_or(0)
        < 10
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no write was acknowledged"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let (dir, data_dir) = cluster.kill();
    let mut writer = writer;
    let _ = writer.wait();
    let acknowledged = std::fs::read_to_string(dir.path().join("acked")).expect("acked names");

    let restarted = Cluster::start(dir, data_dir);
    let stored = cluster::ok(&restarted.kubectl(&["get", "configmaps", "-o", "name"]));
    for name in acknowledged.lines() {
        assert!(
            stored.contains(&format!("configmap/{name}\n")),
            "{name} was acknowledged but is gone"
        );
    }
    // The server still works after the crash, and resource versions keep growing.
    let created = steps::bash(&restarted, "kubectl create configmap after-restart");
    assert_eq!(created.code, 0, "{}", created.stderr);
}

#[test]
fn a_restart_reconciles_the_bootstrap_policy_unless_told_not_to() {
    let cluster = Cluster::up();
    let changed = steps::bash(
        &cluster,
        "kubectl patch clusterrole system:basic-user --type=json -p '[{\"op\":\"remove\",\"path\":\"/rules\"}]' >/dev/null && \
         kubectl patch clusterrole system:discovery --type=json -p '[{\"op\":\"remove\",\"path\":\"/rules\"}]' >/dev/null && \
         kubectl annotate clusterrole system:discovery rbac.authorization.kubernetes.io/autoupdate=false --overwrite >/dev/null && \
         kubectl get clusterrole admin -o jsonpath='{.metadata.resourceVersion}'",
    );
    assert_eq!(changed.code, 0, "{}", changed.stderr);
    let admin_version = changed.stdout.clone();
    let (dir, data_dir) = cluster.kill();
    let restarted = Cluster::start(dir, data_dir);
    steps::check(
        &restarted,
        "c-default-rbac/05-describe-basic-user",
        steps::Compare::Exact,
    );
    let discovery = steps::bash(
        &restarted,
        "kubectl get clusterrole system:discovery -o jsonpath='{.rules}'",
    );
    assert_eq!(
        discovery.stdout, "",
        "an opted-out role is left as the administrator made it"
    );
    let unchanged = steps::bash(
        &restarted,
        "kubectl get clusterrole admin -o jsonpath='{.metadata.resourceVersion}'",
    );
    assert_eq!(
        unchanged.stdout, admin_version,
        "reconciling an intact role writes nothing"
    );
}

#[test]
fn a_second_up_on_busy_ports_says_so_and_creates_nothing() {
    let cluster = Cluster::up();
    let busy = |url: &str| url.rsplit(':').next().unwrap_or_default().to_string();
    let here = cluster.scratch("second");
    std::fs::create_dir_all(&here).unwrap();
    for (args, what, flag, port) in [
        (
            vec![
                "up",
                "--secure-port",
                &busy(&cluster.server),
                "--idp-port",
                "0",
            ],
            "the API server",
            "--secure-port",
            busy(&cluster.server),
        ),
        (
            vec![
                "up",
                "--secure-port",
                "0",
                "--idp-port",
                &busy(&cluster.idp),
            ],
            "the identity provider",
            "--idp-port",
            busy(&cluster.idp),
        ),
    ] {
        let out = support::kubeward(&args)
            .current_dir(&here)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!(
                "error: 127.0.0.1:{port} is already in use, so {what} cannot listen there (is another kubeward running?): stop it, or choose another port with {flag}\n"
            )
        );
        assert!(
            !here.join("kubeward-data").exists(),
            "no stray data directory"
        );
    }
}

/// `kubeward up` as a shell starts a background job: SIGINT ignored (`trap "" INT`, kept by
/// `exec`), stdout piped, logs (`RUST_LOG=info`) to a file.
fn up_in_the_background(data_dir: &std::path::Path, log: &std::path::Path) -> std::process::Child {
    let mut child = Command::new("bash")
        .arg("-c")
        .arg("trap '' INT; exec \"$0\" up --secure-port 0 --idp-port 0 --data-dir \"$1\" 2>\"$2\"")
        .arg(assert_cmd::cargo::cargo_bin("kubeward"))
        .arg(data_dir)
        .arg(log)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .spawn()
        .expect("kubeward up starts");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let ready = stdout
        .lines()
        .map_while(Result::ok)
        .any(|line| line.trim() == "kubectl auth whoami");
    if !ready {
        let _ = child.wait();
        panic!(
            "kubeward up ended before it was ready: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
    }
    child
}

fn wait_for_exit(child: &mut std::process::Child) -> Option<i32> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("waits") {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("kubeward up did not stop within 30 s");
}

#[test]
fn up_in_the_background_stops_on_sigint_and_sigterm_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    for (signal, name) in [("-INT", "SIGINT"), ("-TERM", "SIGTERM")] {
        let log = dir.path().join(format!("{name}.log"));
        let mut child = up_in_the_background(&data_dir, &log);
        let killed = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        assert_eq!(wait_for_exit(&mut child), Some(0), "{name}");
        let logged = std::fs::read_to_string(&log).unwrap();
        assert!(
            logged.contains(&format!("kubeward up: {name} received, shutting down\n")),
            "{logged}"
        );
        assert!(logged.ends_with("kubeward up: stopped\n"), "{logged}");
        // A log written to a file carries no terminal colour codes.
        assert!(logged.contains(" INFO "), "{logged}");
        assert!(!logged.contains('\u{1b}'), "{logged:?}");
    }
}
