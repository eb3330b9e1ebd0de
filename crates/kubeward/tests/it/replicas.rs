//! Three kubeward replicas on one 3-member etcd — `kubeward up` and two `kubeward serve` — with
//! the real kubectl against each: a role created through one authorizes on the others, a watch
//! through one sees writes made through another, and when the replica that leads (the holder of
//! the Lease `kube-system/kube-controller-manager`) and an etcd member are killed with SIGKILL
//! during a stream of writes, no acknowledged write is lost, the others keep answering, and a
//! CSR approved while no replica leads is signed once another has taken the Lease over.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use kubeward_testkit::cluster::{Cluster, ok};
use kubeward_testkit::etcd::EtcdCluster;

use crate::etcd::{Replica, eventually, serve_replica};

/// kubectl with `kubeconfig` against the replica at `server`.
fn kubectl(kubeconfig: &Path, server: &str, args: &[&str]) -> Output {
    Command::new(kubeward_testkit::KUBECTL)
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", kubeconfig.parent().expect("a folder"))
        .arg(format!("--server={server}"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("kubectl runs")
}

/// The holder of the Lease, read through `server`.
fn holder(admin: &Path, server: &str) -> String {
    let output = kubectl(
        admin,
        server,
        &[
            "get",
            "lease",
            "-n",
            "kube-system",
            "kube-controller-manager",
            "-o",
            "jsonpath={.spec.holderIdentity}",
        ],
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A CSR of `name` for user `carol` in group `dev`, made with openssl.
fn csr_manifest(dir: &Path, name: &str) -> String {
    use base64::Engine as _;
    let key = dir.join("carol.key");
    let request = dir.join("carol.csr");
    let openssl = |args: &[&str]| {
        let status = Command::new("openssl")
            .args(args)
            .status()
            .expect("openssl");
        assert!(status.success());
    };
    openssl(&["genrsa", "-out", key.to_str().unwrap(), "2048"]);
    openssl(&[
        "req",
        "-new",
        "-key",
        key.to_str().unwrap(),
        "-subj",
        "/CN=carol/O=dev",
        "-out",
        request.to_str().unwrap(),
    ]);
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(std::fs::read(&request).unwrap());
    format!(
        "apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata:\n  name: {name}\nspec:\n  request: {encoded}\n  signerName: kubernetes.io/kube-apiserver-client\n  usages: [client auth]\n"
    )
}

/// `kubectl apply -f -` of `manifest` through `server`.
fn apply(admin: &Path, server: &str, manifest: &str) {
    use std::io::Write as _;
    let mut child = Command::new(kubeward_testkit::KUBECTL)
        .env("KUBECONFIG", admin)
        .env("HOME", admin.parent().unwrap())
        .args([&format!("--server={server}"), "apply", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(manifest.as_bytes())
        .unwrap();
    ok(&child.wait_with_output().unwrap());
}

/// One of the three replicas.
enum Member {
    Up(Cluster),
    Serve(Replica),
}

#[test]
fn three_replicas_on_etcd_share_policy_watches_and_the_controllers_lease() {
    let mut etcd = EtcdCluster::start(3);
    let servers = etcd.endpoints().join(",");
    let up = Cluster::up_with(
        tempfile::tempdir().unwrap(),
        &[format!("--etcd-servers={servers}")],
    );
    let admin: PathBuf = up.scratch("admin.kubeconfig");
    std::fs::copy(&up.admin_kubeconfig, &admin).unwrap();
    let up_identity = up
        .banner
        .lines()
        .find_map(|l| l.strip_prefix("Leader election: candidate "))
        .expect("up on etcd takes part in the election")
        .trim()
        .to_string();
    let second = serve_replica(&up, &servers, "second", &[]);
    let third = serve_replica(&up, &servers, "third", &[]);
    let urls = [up.server.clone(), second.url.clone(), third.url.clone()];
    let identities = [
        up_identity,
        second.identity.clone().expect("an identity"),
        third.identity.clone().expect("an identity"),
    ];
    let dev = up.x509_user("dev1", &[]);
    let mut members = vec![
        Some(Member::Up(up)),
        Some(Member::Serve(second)),
        Some(Member::Serve(third)),
    ];

    // Real kubectl against every replica.
    for url in &urls {
        let listed = ok(&kubectl(&admin, url, &["get", "namespaces", "-o", "name"]));
        assert!(listed.contains("namespace/kube-system"), "{listed}");
    }

    // A role created through one replica authorizes on the others.
    let can_i = |url: &str| {
        let output = kubectl(&dev, url, &["auth", "can-i", "list", "configmaps"]);
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    };
    for url in &urls {
        assert_eq!(can_i(url), "no");
    }
    ok(&kubectl(
        &admin,
        &urls[0],
        &[
            "create",
            "role",
            "reader",
            "--verb=list",
            "--resource=configmaps",
        ],
    ));
    ok(&kubectl(
        &admin,
        &urls[0],
        &[
            "create",
            "rolebinding",
            "dev1-reader",
            "--role=reader",
            "--user=dev1",
        ],
    ));
    for url in &urls[1..] {
        eventually(
            || can_i(url) == "yes",
            "the role authorizes on another replica",
        );
    }

    // A watch through one replica sees a write made through another.
    let mut watch = Command::new(kubeward_testkit::KUBECTL)
        .env("KUBECONFIG", &admin)
        .env("HOME", admin.parent().unwrap())
        .args([
            &format!("--server={}", urls[2]),
            "get",
            "configmaps",
            "--watch-only",
            "-o",
            "name",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (seen, lines) = mpsc::channel();
    let stdout = watch.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = seen.send(line);
        }
    });
    // The watch is established once an earlier write shows up in it.
    let mut ready = 0;
    loop {
        ready += 1;
        ok(&kubectl(
            &admin,
            &urls[1],
            &["create", "configmap", &format!("warm-{ready}")],
        ));
        if let Ok(line) = lines.recv_timeout(Duration::from_secs(2)) {
            assert!(line.starts_with("configmap/warm-"), "{line}");
            break;
        }
        assert!(ready < 15, "the watch never delivered an event");
    }
    ok(&kubectl(
        &admin,
        &urls[1],
        &["create", "configmap", "watched"],
    ));
    let delivered = loop {
        let line = lines
            .recv_timeout(Duration::from_secs(20))
            .expect("the write reaches the watch");
        if !line.starts_with("configmap/warm-") {
            break line;
        }
    };
    assert_eq!(delivered, "configmap/watched");
    let _ = watch.kill();
    let _ = watch.wait();

    // Which replica leads.
    let leader_identity = holder(&admin, &urls[1]);
    let leader = identities
        .iter()
        .position(|i| *i == leader_identity)
        .unwrap_or_else(|| panic!("the holder {leader_identity:?} is one of {identities:?}"));
    let survivors: Vec<usize> = (0..3).filter(|i| *i != leader).collect();
    let (writer, other) = (survivors[0], survivors[1]);

    // A stream of writes through a surviving replica while the leader and an etcd member die;
    // it goes on until three writes were acknowledged after the kills (a minute at most: on a
    // loaded machine an etcd election and a debug build's answers take seconds).
    let stop = AtomicBool::new(false);
    let acknowledged_count = AtomicUsize::new(0);
    // The folders of a killed `up` (they hold the kubeconfigs and the replicas' data).
    let mut killed_up = None;
    let (acknowledged, after_kills) = std::thread::scope(|scope| {
        let stream = scope.spawn(|| {
            let mut acknowledged = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let name = format!("stream-{i}");
                if kubectl(&admin, &urls[writer], &["create", "configmap", &name])
                    .status
                    .success()
                {
                    acknowledged.push(name);
                    acknowledged_count.fetch_add(1, Ordering::Relaxed);
                }
            }
            acknowledged
        });
        std::thread::sleep(Duration::from_secs(1));
        match members[leader].take() {
            Some(Member::Up(cluster)) => killed_up = Some(cluster.kill()),
            Some(Member::Serve(mut replica)) => replica.process.kill(),
            None => unreachable!(),
        }
        etcd.kill(0);
        let at_kills = acknowledged_count.load(Ordering::Relaxed);
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while acknowledged_count.load(Ordering::Relaxed) < at_kills + 3
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(100));
        }
        stop.store(true, Ordering::Relaxed);
        let acknowledged = stream.join().unwrap();
        let after_kills = acknowledged.len() - at_kills;
        (acknowledged, after_kills)
    });
    assert!(
        after_kills >= 3,
        "writes went on after the kills: {acknowledged:?}"
    );

    // A CSR approved while nobody leads (the dead leader still holds the Lease for 15 s).
    let dir = tempfile::tempdir().unwrap();
    apply(&admin, &urls[writer], &csr_manifest(dir.path(), "carol"));
    ok(&kubectl(
        &admin,
        &urls[other],
        &["certificate", "approve", "carol"],
    ));
    assert_eq!(
        holder(&admin, &urls[other]),
        leader_identity,
        "approved before the hand-over"
    );

    // No acknowledged write was lost, and every survivor still answers.
    let url_of = |i: usize| urls[i].as_str();
    for survivor in [writer, other] {
        let listed = ok(&kubectl(
            &admin,
            url_of(survivor),
            &["get", "configmaps", "-o", "name"],
        ));
        for name in &acknowledged {
            assert!(
                listed.contains(&format!("configmap/{name}\n")),
                "{name} lost:\n{listed}"
            );
        }
    }

    // Another replica takes the Lease over and signs the CSR.
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    let certificate = loop {
        let output = kubectl(
            &admin,
            &urls[other],
            &[
                "get",
                "csr",
                "carol",
                "-o",
                "jsonpath={.status.certificate}",
            ],
        );
        let certificate = String::from_utf8_lossy(&output.stdout).into_owned();
        if !certificate.is_empty() {
            break certificate;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the CSR was never signed"
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    assert!(!certificate.is_empty());
    let new_holder = holder(&admin, &urls[writer]);
    assert!(
        [&identities[writer], &identities[other]].contains(&&new_holder),
        "{new_holder}"
    );
    let transitions = ok(&kubectl(
        &admin,
        &urls[writer],
        &[
            "get",
            "lease",
            "-n",
            "kube-system",
            "kube-controller-manager",
            "-o",
            "jsonpath={.spec.leaseTransitions}",
        ],
    ));
    assert_eq!(transitions, "1");
    let leases = ok(&kubectl(
        &admin,
        &urls[other],
        &["get", "leases", "-n", "kube-system"],
    ));
    assert!(
        leases.starts_with("NAME") && leases.contains(&new_holder),
        "{leases}"
    );
    drop(members);
    drop(killed_up);
}

#[test]
fn a_leader_stopped_with_sigterm_releases_the_lease_and_another_takes_it_at_once() {
    let etcd = EtcdCluster::start(1);
    let servers = etcd.endpoints().join(",");
    let up = Cluster::up_with(
        tempfile::tempdir().unwrap(),
        &[format!("--etcd-servers={servers}")],
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let admin = elsewhere.path().join("admin.kubeconfig");
    std::fs::copy(&up.admin_kubeconfig, &admin).unwrap();
    let up_identity = up
        .banner
        .lines()
        .find_map(|l| l.strip_prefix("Leader election: candidate "))
        .expect("up on etcd takes part in the election")
        .trim()
        .to_string();
    let second = serve_replica(&up, &servers, "second", &[]);
    let second_identity = second.identity.clone().expect("an identity");
    eventually(
        || holder(&admin, &second.url) == up_identity,
        "up, the first candidate, leads",
    );

    let stopping = std::time::Instant::now();
    let _folders = up.terminate();
    let stopped = stopping.elapsed();
    // Without the release the dead leader would hold the Lease for 15 s more.
    let right_after = holder(&admin, &second.url);
    assert_ne!(
        right_after, up_identity,
        "the Lease was given up on SIGTERM"
    );
    eventually(
        || holder(&admin, &second.url) == second_identity,
        "the other replica takes the released Lease over",
    );
    let taken = stopping.elapsed();
    eprintln!(
        "leader hand-over on SIGTERM: the leader exited after {stopped:?}, the other held the Lease after {taken:?} (lease duration 15 s)"
    );
    let transitions = ok(&kubectl(
        &admin,
        &second.url,
        &[
            "get",
            "lease",
            "-n",
            "kube-system",
            "kube-controller-manager",
            "-o",
            "jsonpath={.spec.leaseTransitions}",
        ],
    ));
    assert_eq!(transitions, "1");
}
