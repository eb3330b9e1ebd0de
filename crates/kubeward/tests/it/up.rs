//! `kubeward up`: the data directory it creates, what it prints, and that a restart — even after
//! `kill -9` in the middle of writes — keeps every write that was acknowledged.

use kubeward_testkit::cluster::{self, Cluster};
use kubeward_testkit::golden as steps;

use crate::support::mode;

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
