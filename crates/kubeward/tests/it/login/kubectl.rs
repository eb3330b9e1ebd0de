//! The real kubectl runs the plugin from a kubeconfig exec block written as the seeds write it
//! (`command: kubectl`, `args: [oidc-login, get-token, …]`, `kubectl-oidc_login` on PATH): the
//! first call signs in through Chromium, and the credential kubectl receives reaches the API
//! server (`kubeward serve` with a static token file holding the ID token, until the OIDC
//! authenticator lands), for exec API versions v1 (kubectl 1.32) and v1beta1 (kubectl 1.27).

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::harness::{Issuer, credential, run};
use kubeward_testkit::cluster::Cluster;
use kubeward_testkit::cluster::ok;

struct Serve {
    child: Child,
    url: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(pki: &Path, dir: &Path, tokens: &Path) -> Serve {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("kubeward"))
        .arg("serve")
        .args(["--bind-address", "127.0.0.1", "--secure-port", "0"])
        .arg("--tls-cert-file")
        .arg(pki.join("apiserver.crt"))
        .arg("--tls-private-key-file")
        .arg(pki.join("apiserver.key"))
        .arg("--client-ca-file")
        .arg(pki.join("ca.crt"))
        .arg("--token-auth-file")
        .arg(tokens)
        .args(["--service-account-issuer", "https://kubernetes.default.svc"])
        .arg("--service-account-key-file")
        .arg(pki.join("sa.pub"))
        .arg("--service-account-signing-key-file")
        .arg(pki.join("sa.key"))
        .args(["--anonymous-auth=false", "--authorization-mode=Node,RBAC"])
        .arg("--data-dir")
        .arg(dir.join("serve-data"))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubeward serve starts");
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut lines = BufReader::new(stderr).lines();
    let mut url = String::new();
    for line in lines.by_ref() {
        let line = line.expect("a line");
        if let Some(found) = line.strip_prefix("kubeward API server listening on ") {
            url = found.trim().to_string();
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    Serve { child, url }
}

fn kubeconfig(issuer: &Issuer, server: &str, ca: &Path) -> String {
    let args: String = std::iter::once("oidc-login".to_string())
        .chain(std::iter::once("get-token".to_string()))
        .chain(issuer.base_args())
        .map(|a| format!("      - {a}\n"))
        .collect();
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: kubeward\n  cluster:\n    server: {server}\n    certificate-authority: {ca}\ncontexts:\n- name: oidc\n  context:\n    cluster: kubeward\n    user: oidc\n- name: oidc-beta\n  context:\n    cluster: kubeward\n    user: oidc-beta\ncurrent-context: oidc\nusers:\n- name: oidc\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      interactiveMode: Never\n      command: kubectl\n      args:\n{args}- name: oidc-beta\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: kubectl\n      args:\n{args}",
        ca = ca.display(),
        args = args
    )
}

fn kubectl(
    binary: &str,
    kubeconfig: &Path,
    issuer: &Issuer,
    args: &[&str],
) -> std::process::Output {
    let plugin_dir: PathBuf = assert_cmd::cargo::cargo_bin("kubectl-oidc_login")
        .parent()
        .expect("target dir")
        .to_path_buf();
    let mut command = Command::new(binary);
    command
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", issuer.dir.path())
        .env("PATH", format!("{}:/usr/bin:/bin", plugin_dir.display()));
    run(command)
}

#[test]
fn kubectl_runs_the_plugin_from_the_seed_s_exec_block() {
    let issuer = Issuer::start(3600);
    let provisioned = Cluster::up();
    let (dir, data_dir) = provisioned.kill();
    let pki = data_dir.join("pki");
    let tokens = dir.path().join("tokens.csv");
    std::fs::write(&tokens, "not-the-oidc-token,nobody,1,\n").expect("token file");

    // 1. kubectl runs the plugin, which signs in through Chromium; the server does not know the
    //    token yet.
    let first = serve(&pki, dir.path(), &tokens);
    let config = dir.path().join("oidc.kubeconfig");
    std::fs::write(
        &config,
        kubeconfig(&issuer, &first.url, &pki.join("ca.crt")),
    )
    .expect("kubeconfig");
    let out = kubectl("/usr/bin/kubectl", &config, &issuer, &["auth", "whoami"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("browser: Authenticated You have logged in to the cluster."),
        "kubectl ran the plugin, which ran the browser: {stderr}"
    );
    assert!(
        stderr.ends_with("error: You must be logged in to the server (Unauthorized)\n"),
        "{stderr}"
    );
    drop(first);

    // The token kubectl received, as the plugin prints it from the cache.
    let printed = credential(&ok(&issuer.get_token(&[], &[])));
    let token = printed["status"]["token"]
        .as_str()
        .expect("token")
        .to_string();

    // 2. The API server knows the ID token: kubectl's credential from the plugin reaches it.
    std::fs::write(&tokens, format!("{token},oidc-alice,1001,\"oidc-users\"\n"))
        .expect("token file");
    let second = serve(&pki, dir.path(), &tokens);
    std::fs::write(
        &config,
        kubeconfig(&issuer, &second.url, &pki.join("ca.crt")),
    )
    .expect("kubeconfig");
    let before = issuer.requests().len();
    let jsonpath = "-o=jsonpath={.status.userInfo.username} {.status.userInfo.groups}";
    let whoami = kubectl(
        "/usr/bin/kubectl",
        &config,
        &issuer,
        &["auth", "whoami", jsonpath],
    );
    assert_eq!(
        ok(&whoami),
        "oidc-alice [\"oidc-users\",\"system:authenticated\"]"
    );
    let beta = kubectl(
        "/usr/lib/google-cloud-sdk/bin/kubectl.1.27",
        &config,
        &issuer,
        &["--context=oidc-beta", "auth", "whoami", jsonpath],
    );
    assert_eq!(
        ok(&beta),
        "oidc-alice [\"oidc-users\",\"system:authenticated\"]"
    );
    assert_eq!(issuer.requests().len(), before, "served from the cache");

    // `kubectl config view` shows the exec block as the seed writes it.
    let view = kubectl(
        "/usr/bin/kubectl",
        &config,
        &issuer,
        &[
            "config",
            "view",
            "-o=jsonpath={.users[0].user.exec.command} {.users[0].user.exec.args[0]} {.users[0].user.exec.args[1]}",
        ],
    );
    assert_eq!(ok(&view), "kubectl oidc-login get-token");
}
