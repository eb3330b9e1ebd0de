//! `deploy/kubernetes`: the kustomization applies to `kubeward up` with the real kubectl
//! (`kubectl apply -k`, twice: the second changes nothing), its RBAC is lint-clean but for the
//! gateway's impersonation (a true finding, the one expected), and each Deployment's own
//! arguments, environment and probes work, its mounts mapped to local folders holding what the
//! Secrets and ConfigMaps hold: `kubeward idp serve` answers `/readyz` and `/livez` and signs its
//! admin in with the password of the Secret; `kubeward webhook serve` lists the cluster's RBAC
//! with its ServiceAccount's token (so its role is enough) and answers its probes although it
//! asks callers for a client certificate; `kubeward gateway` runs as in a pod (the service
//! environment, the ServiceAccount's token and CA), is live but not ready while its issuer's keys
//! cannot be fetched, then ready, and forwards a ServiceAccount's request impersonating it (so its
//! role is enough), while a probe with a credential still reaches the upstream's `/readyz`.

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
            "subjectAltName=DNS:kubeward-idp.kubeward.svc,DNS:kubeward-webhook.kubeward.svc,DNS:kubeward-gateway.kubeward.svc,IP:127.0.0.1",
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
    let file = |name: &str| manifests.join(name).display().to_string();
    let (code, out, err) = support::run(&[
        "rbac",
        "lint",
        "--fail-on",
        "low",
        "--from",
        &file("idp.yaml"),
        &file("webhook.yaml"),
    ]);
    assert_eq!(code, 0, "lint findings:\n{out}{err}");
    // The gateway impersonates every user: high, the one finding of the whole kustomization,
    // accepted by its role's annotation, so the kustomization lints clean.
    let (code, out, err) = support::run(&[
        "rbac",
        "lint",
        "--fail-on",
        "low",
        "-o",
        "json",
        "--from",
        manifests.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let findings: Value = serde_json::from_str(&out).unwrap();
    let findings: Vec<(&str, &str, &str, bool)> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["object"].as_str().unwrap(),
                f["accepted"].is_string(),
            )
        })
        .collect();
    assert_eq!(
        findings,
        [("high", "impersonate", "ClusterRole/kubeward-gateway", true)],
        "{out}"
    );

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
        vec![
            "-n",
            "kubeward",
            "create",
            "secret",
            "tls",
            "kubeward-webhook-tls",
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
            "kubeward-webhook-callers",
            &format!(
                "--from-file=ca.crt={}",
                cluster.data_dir.join("pki/ca.crt").display()
            ),
        ],
        vec![
            "-n",
            "kubeward",
            "create",
            "secret",
            "tls",
            "kubeward-gateway-tls",
            "--cert",
            &tls("tls.crt"),
            "--key",
            &tls("tls.key"),
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
    for name in ["kubeward-webhook", "kubeward-gateway"] {
        for kind in [
            "serviceaccount",
            "clusterrole.rbac.authorization.k8s.io",
            "clusterrolebinding.rbac.authorization.k8s.io",
            "configmap",
            "service",
            "deployment.apps",
            "poddisruptionbudget.policy",
        ] {
            let object = format!("{kind}/{name} created");
            assert!(applied.contains(&object), "{object} in:\n{applied}");
        }
    }
    // The second apply changes nothing. kubectl says `configured` for the budget all the same,
    // against any kube-apiserver: its selector's patch strategy is `replace`, so kubectl's
    // three-way patch always carries it. The patch changes nothing, so nothing is written: the
    // budget keeps its resourceVersion, as kube-apiserver skips a write equal to what it holds.
    let budgets = || {
        ok(&cluster.kubectl(&[
            "get",
            "pdb",
            "-n",
            "kubeward",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name} {.spec} {.metadata.resourceVersion}{\"\\n\"}{end}",
        ]))
    };
    let before = budgets();
    assert_eq!(before.lines().count(), 3, "{before}");
    let again = ok(&cluster.kubectl(&["apply", "-k", manifests.to_str().unwrap()]));
    assert!(
        again.lines().all(|l| l.ends_with(" unchanged")
            || l.starts_with("namespace/")
            || (l.starts_with("poddisruptionbudget.policy/kubeward-")
                && l.ends_with(" configured"))),
        "{again}"
    );
    assert_eq!(budgets(), before);
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
    assert_eq!(listed.lines().count(), 16, "{listed}");
    let cluster_wide = ok(&cluster.kubectl(&[
        "get",
        "clusterroles,clusterrolebindings",
        "-l",
        "app.kubernetes.io/part-of=kubeward",
        "-o",
        "name",
    ]));
    assert_eq!(cluster_wide.lines().count(), 4, "{cluster_wide}");
    let pdb = ok(&cluster.kubectl(&["get", "pdb", "-n", "kubeward"]));
    let rows: Vec<Vec<&str>> = pdb
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().take(4).collect())
        .collect();
    assert_eq!(
        rows,
        [
            ["kubeward-gateway", "1", "N/A", "0"],
            ["kubeward-idp", "N/A", "1", "0"],
            ["kubeward-webhook", "1", "N/A", "0"],
        ],
        "{pdb}"
    );

    // The Deployment as the server stored it: the provider runs with its arguments, its
    // environment from the ConfigMap and the Secret, and its mounts mapped to local folders.
    let container = container_of(&cluster, "kubeward-idp");
    let container = &container;
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
    probes_answer(container, &public_url, &ca);
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

    the_webhook_runs_with_its_deployment(&cluster);
    the_gateway_runs_with_its_deployment(&cluster);
}

/// The first container of Deployment `name` as the server stored it.
fn container_of(cluster: &Cluster, name: &str) -> Value {
    let deployment: Value = serde_json::from_str(&ok(
        &cluster.kubectl(&["get", "deploy", name, "-n", "kubeward", "-o", "json"])
    ))
    .unwrap();
    let container = deployment["spec"]["template"]["spec"]["containers"][0].clone();
    assert_eq!(container["image"], "kubeward:0.1.0");
    container
}

/// The container's arguments with each `(from, to)` replaced, in order.
fn local_args(container: &Value, replace: &[(&str, String)]) -> Vec<String> {
    container["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            replace
                .iter()
                .fold(a.as_str().unwrap().to_string(), |a, (from, to)| {
                    a.replace(from, to)
                })
        })
        .collect()
}

/// A folder standing in for a ConfigMap volume: each key of ConfigMap `name` as a file.
fn config_map_folder(cluster: &Cluster, name: &str) -> std::path::PathBuf {
    let map: Value = serde_json::from_str(&ok(&cluster.kubectl(&[
        "get",
        "configmap",
        name,
        "-n",
        "kubeward",
        "-o",
        "json",
    ])))
    .unwrap();
    let folder = cluster.scratch(&format!("{name}-config"));
    std::fs::create_dir_all(&folder).unwrap();
    for (key, value) in map["data"].as_object().unwrap() {
        std::fs::write(folder.join(key), value.as_str().unwrap()).unwrap();
    }
    folder
}

/// A token of ServiceAccount `kubeward/name`, from the server's TokenRequest.
fn service_account_token(cluster: &Cluster, name: &str) -> String {
    ok(&cluster.kubectl(&["create", "token", name, "-n", "kubeward"]))
        .trim()
        .to_string()
}

/// Every probe of `container` answers `ok` at `base` (HTTPS, trusting `ca`), without a credential.
fn probes_answer(container: &Value, base: &str, ca: &Path) {
    for probe in ["readinessProbe", "livenessProbe", "startupProbe"] {
        if container[probe].is_null() {
            continue;
        }
        let path = container[probe]["httpGet"]["path"].as_str().unwrap();
        assert_eq!(container[probe]["httpGet"]["scheme"], "HTTPS");
        let (status, body) = crate::idp::curl(ca, &[&format!("{base}{path}")]);
        assert_eq!((status, body.as_str()), (200, "ok"), "{probe} {path}");
    }
}

/// `kubeward webhook serve` with its Deployment's arguments; its policy is the cluster's RBAC,
/// listed with its ServiceAccount's token (a kubeconfig with `tokenFile` standing in for the
/// in-cluster account): it could not start if its role did not allow that.
fn the_webhook_runs_with_its_deployment(cluster: &Cluster) {
    let container = container_of(cluster, "kubeward-webhook");
    let port = free_port();
    let callers = cluster.scratch("webhook-callers");
    std::fs::create_dir_all(&callers).unwrap();
    std::fs::write(callers.join("ca.crt"), cluster.ca_pem()).unwrap();
    let config = config_map_folder(cluster, "kubeward-webhook");
    let token = cluster.scratch("webhook-token");
    std::fs::write(&token, service_account_token(cluster, "kubeward-webhook")).unwrap();
    let kubeconfig = cluster.scratch("webhook.kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: sa\nclusters:\n- name: up\n  cluster:\n    server: {}\n    certificate-authority: {}\nusers:\n- name: sa\n  user:\n    tokenFile: {}\ncontexts:\n- name: sa\n  context: {{cluster: up, user: sa}}\n",
            cluster.server,
            cluster.data_dir.join("pki/ca.crt").display(),
            token.display()
        ),
    )
    .unwrap();
    let mut args = local_args(
        &container,
        &[
            ("0.0.0.0", "127.0.0.1".to_string()),
            ("8443", port.to_string()),
            (
                "/etc/kubeward/tls",
                cluster.dir.path().display().to_string(),
            ),
            ("/etc/kubeward/callers", callers.display().to_string()),
            ("/etc/kubeward/config", config.display().to_string()),
        ],
    );
    args.push(format!("--kubeconfig={}", kubeconfig.display()));
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("kubeward"));
    command.args(&args).env("RUST_LOG", "warn");
    let webhook = Process::start(command, Stream::Stderr, Duration::from_secs(60), |line| {
        line.starts_with("kubeward webhook listening on ")
    });
    assert!(
        webhook
            .printed
            .contains("RBAC policy: the cluster of the kubeconfig"),
        "{}",
        webhook.printed
    );
    // The probes carry no client certificate; everything else needs one.
    let base = format!("https://127.0.0.1:{port}");
    probes_answer(&container, &base, &cluster.scratch("tls.crt"));
    let (status, _) = crate::idp::curl(
        &cluster.scratch("tls.crt"),
        &[&format!("{base}/authorize"), "-d", "{}"],
    );
    assert_eq!(status, 401);
}

/// `kubeward gateway` with its Deployment's arguments, as in a pod: `KUBERNETES_SERVICE_HOST`
/// and `_PORT` and a folder standing in for the mounted ServiceAccount (token and CA).
fn the_gateway_runs_with_its_deployment(cluster: &Cluster) {
    let container = container_of(cluster, "kubeward-gateway");
    let account = cluster.scratch("gateway-serviceaccount");
    std::fs::create_dir_all(&account).unwrap();
    std::fs::write(
        account.join("token"),
        service_account_token(cluster, "kubeward-gateway"),
    )
    .unwrap();
    std::fs::write(account.join("ca.crt"), cluster.ca_pem()).unwrap();
    let upstream_port = cluster.server.rsplit(':').next().unwrap().to_string();
    let ca = cluster.scratch("tls.crt");
    let start = |config: &Path| {
        let port = free_port();
        let mut args = local_args(
            &container,
            &[
                ("0.0.0.0", "127.0.0.1".to_string()),
                ("8443", port.to_string()),
                (
                    "/etc/kubeward/tls",
                    cluster.dir.path().display().to_string(),
                ),
                ("/etc/kubeward/config", config.display().to_string()),
            ],
        );
        args.push(format!("--service-account-dir={}", account.display()));
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("kubeward"));
        command
            .args(&args)
            .env("KUBERNETES_SERVICE_HOST", "127.0.0.1")
            .env("KUBERNETES_SERVICE_PORT", &upstream_port)
            .env("RUST_LOG", "off");
        let process = Process::start(command, Stream::Stderr, Duration::from_secs(60), |line| {
            line.starts_with("kubeward gateway listening on ")
        });
        (process, format!("https://127.0.0.1:{port}"))
    };

    // The ConfigMap as shipped names an issuer that does not resolve here: live, not ready.
    let (_gateway, base) = start(&config_map_folder(cluster, "kubeward-gateway"));
    let (status, body) = crate::idp::curl(&ca, &[&format!("{base}/livez")]);
    assert_eq!((status, body.as_str()), (200, "ok"));
    let (status, body) = crate::idp::curl(&ca, &[&format!("{base}/readyz?verbose")]);
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("[+]upstream ok\n"), "{body}");
    assert!(
        body.contains("[-]authenticators failed: reason withheld\n"),
        "{body}"
    );
    assert!(body.ends_with("readyz check failed\n"), "{body}");

    // With the issuer of `kubeward up` (whose keys it fetches): ready.
    let config = cluster.scratch("gateway-up-config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::copy(
        cluster.data_dir.join("authentication-config.json"),
        config.join("authentication-config.yaml"),
    )
    .unwrap();
    let (_gateway, base) = start(&config);
    let ready = (0..100).any(|_| {
        let (status, _) = crate::idp::curl(&ca, &[&format!("{base}/readyz")]);
        std::thread::sleep(Duration::from_millis(if status == 200 { 0 } else { 100 }));
        status == 200
    });
    assert!(ready, "the gateway never became ready");
    probes_answer(&container, &base, &ca);
    let (status, body) = crate::idp::curl(&ca, &[&format!("{base}/readyz?verbose")]);
    assert_eq!(status, 200);
    assert!(
        body.contains("[+]upstream ok\n[+]authenticators ok\n"),
        "{body}"
    );

    // A ServiceAccount of the upstream through the gateway: TokenReview, then impersonation of
    // a ServiceAccount with its groups and extras — the gateway's role allows all of it.
    let token = ok(&cluster.kubectl(&["create", "token", "default", "-n", "kubeward"]));
    let bearer = format!("Authorization: Bearer {}", token.trim());
    let (status, body) = crate::idp::curl(
        &ca,
        &[
            "-H",
            &bearer,
            &format!("{base}/apis/authentication.k8s.io/v1/selfsubjectreviews"),
            "-H",
            "Content-Type: application/json",
            "-d",
            r#"{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}"#,
        ],
    );
    assert_eq!(status, 201, "{body}");
    let review: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        review["status"]["userInfo"]["username"], "system:serviceaccount:kubeward:default",
        "{body}"
    );
    // With a credential, /readyz is the upstream's own (its store checks), not the gateway's.
    let (status, body) = crate::idp::curl(&ca, &["-H", &bearer, &format!("{base}/readyz?verbose")]);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("[+]etcd ok\n"), "{body}");
    assert!(!body.contains("[+]upstream ok"), "{body}");
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
