//! `deploy/kubernetes`: the kustomization applies to `kubeward up` with the real kubectl
//! (`kubectl apply -k`, twice: the second changes nothing), its RBAC is lint-clean, and the
//! Deployment's own arguments, environment and probes work: `kubeward idp serve` started with
//! them answers `/readyz` and `/livez` and signs its admin in with the password of the Secret.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use kubeward_testkit::cluster::{Cluster, ok};
use kubeward_testkit::process::{Process, Stream};
use serde_json::Value;

use crate::support::{self, repo};

const ADMIN_PASSWORD: &str = "from-the-secret";

/// `openssl req` for a serving certificate of the provider's Service and 127.0.0.1.
fn serving_certificate(dir: &Path) {
    let made = Command::new("openssl")
        .current_dir(dir)
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "tls.key",
            "-out",
            "tls.crt",
            "-days",
            "1",
            "-subj",
            "/CN=kubeward-idp",
            "-addext",
            "subjectAltName=DNS:kubeward-idp.kubeward.svc,IP:127.0.0.1",
        ])
        .output()
        .expect("openssl runs");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
}

#[test]
fn the_manifests_apply_to_kubeward_up_and_their_rbac_is_lint_clean() {
    let manifests = repo().join("deploy/kubernetes");
    let (code, out, err) = support::run(&[
        "rbac",
        "lint",
        "--fail-on",
        "low",
        "--from",
        manifests.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "lint findings:\n{out}{err}");

    let cluster = Cluster::up();
    serving_certificate(cluster.dir.path());
    let tls = |name: &str| cluster.scratch(name).display().to_string();
    for args in [
        vec!["create", "namespace", "kubeward"],
        vec![
            "-n",
            "kubeward",
            "create",
            "secret",
            "tls",
            "kubeward-idp-tls",
            "--cert",
            &tls("tls.crt"),
            "--key",
            &tls("tls.key"),
        ],
        vec![
            "-n",
            "kubeward",
            "create",
            "secret",
            "generic",
            "kubeward-idp-admin",
            "--from-literal=username=admin",
            &format!("--from-literal=password={ADMIN_PASSWORD}"),
        ],
    ] {
        ok(&cluster.kubectl(&args));
    }
    let applied = ok(&cluster.kubectl(&["apply", "-k", manifests.to_str().unwrap()]));
    for object in [
        "serviceaccount/kubeward-idp created",
        "configmap/kubeward-idp created",
        "service/kubeward-idp created",
        "persistentvolumeclaim/kubeward-idp-data created",
        "deployment.apps/kubeward-idp created",
        "poddisruptionbudget.policy/kubeward-idp created",
    ] {
        assert!(applied.contains(object), "{object} in:\n{applied}");
    }
    // The second apply changes nothing. kubectl says `configured` for the budget all the same,
    // against any kube-apiserver: its selector's patch strategy is `replace`, so kubectl's
    // three-way patch always carries it. The patch changes nothing, so nothing is written: the
    // budget keeps its resourceVersion, as kube-apiserver skips a write equal to what it holds.
    let budget = |what: &str| {
        ok(&cluster.kubectl(&["get", "pdb", "-n", "kubeward", "kubeward-idp", "-o", what]))
    };
    let before = budget("jsonpath={.spec} {.metadata.resourceVersion}");
    let again = ok(&cluster.kubectl(&["apply", "-k", manifests.to_str().unwrap()]));
    assert!(
        again.lines().all(|l| l.ends_with(" unchanged")
            || l.starts_with("namespace/")
            || l == "poddisruptionbudget.policy/kubeward-idp configured"),
        "{again}"
    );
    assert_eq!(
        budget("jsonpath={.spec} {.metadata.resourceVersion}"),
        before
    );
    let listed = ok(&cluster.kubectl(&[
        "get",
        "sa,cm,svc,pvc,deploy,pdb",
        "-n",
        "kubeward",
        "-l",
        "app.kubernetes.io/part-of=kubeward",
        "-o",
        "name",
    ]));
    assert_eq!(listed.lines().count(), 6, "{listed}");
    let pdb = ok(&cluster.kubectl(&["get", "pdb", "kubeward-idp", "-n", "kubeward"]));
    assert!(
        pdb.lines()
            .nth(1)
            .is_some_and(|l| l
                .split_whitespace()
                .take(4)
                .eq(["kubeward-idp", "N/A", "1", "0"])),
        "{pdb}"
    );

    // The Deployment as the server stored it: the provider runs with its arguments, its
    // environment from the ConfigMap and the Secret, and its mounts mapped to local folders.
    let deployment: Value = serde_json::from_str(&ok(&cluster.kubectl(&[
        "get",
        "deploy",
        "kubeward-idp",
        "-n",
        "kubeward",
        "-o",
        "json",
    ])))
    .unwrap();
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "kubeward:0.1.0");
    let port = free_port();
    let public_url = format!("https://127.0.0.1:{port}");
    let data = cluster.scratch("idp-data");
    let args: Vec<String> = container["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            a.as_str()
                .unwrap()
                .replace("0.0.0.0:8443", &format!("127.0.0.1:{port}"))
                .replace("/var/lib/kubeward", data.to_str().unwrap())
                .replace("/etc/kubeward/tls", cluster.dir.path().to_str().unwrap())
                .replace("$(PUBLIC_URL)", &public_url)
        })
        .collect();
    let secret = |key: &str| {
        let data = ok(&cluster.kubectl(&[
            "get",
            "secret",
            "kubeward-idp-admin",
            "-n",
            "kubeward",
            "-o",
            &format!("jsonpath={{.data.{key}}}"),
        ]));
        String::from_utf8(
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, data.trim())
                .unwrap(),
        )
        .unwrap()
    };
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("kubeward"));
    command
        .args(&args)
        .env("KC_BOOTSTRAP_ADMIN_USERNAME", secret("username"))
        .env("KC_BOOTSTRAP_ADMIN_PASSWORD", secret("password"))
        .stderr(Stdio::null());
    let _idp = Process::start(command, Stream::Stdout, Duration::from_secs(60), |line| {
        line == "Ready."
    });
    let ca = cluster.scratch("tls.crt");
    for probe in ["readinessProbe", "livenessProbe", "startupProbe"] {
        let path = container[probe]["httpGet"]["path"].as_str().unwrap();
        assert_eq!(container[probe]["httpGet"]["scheme"], "HTTPS");
        let (status, body) = crate::idp::curl(&ca, &[&format!("{public_url}{path}")]);
        assert_eq!((status, body.as_str()), (200, "ok"), "{probe} {path}");
    }
    let (status, token) = crate::idp::curl(
        &ca,
        &[
            &format!("{public_url}/realms/master/protocol/openid-connect/token"),
            "-d",
            "grant_type=password",
            "-d",
            "client_id=admin-cli",
            "-d",
            "username=admin",
            "-d",
            &format!("password={ADMIN_PASSWORD}"),
        ],
    );
    assert_eq!(status, 200, "{token}");
    assert!(!data.join("idp-admin-password").exists());
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
