//! `kubeward serve` with kube-apiserver's flags: given certificates, a static token file,
//! ServiceAccount keys and `--anonymous-auth=false`.

use std::process::{Command, Stdio};
use std::time::Duration;

use kubeward_testkit::process::{Process, Stream};

use kubeward_testkit::cluster::Cluster;

#[test]
fn serve_takes_kube_apiserver_flags() {
    // `kubeward up` makes the certificates and keys; `serve` is then started on them.
    let provisioned = Cluster::up();
    let (dir, data_dir) = provisioned.kill();
    let pki = data_dir.join("pki");
    let tokens = dir.path().join("tokens.csv");
    std::fs::write(&tokens, "static-token-1,alice,1001,\"dev,ops\"\n").expect("token file");
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
        .arg("--token-auth-file")
        .arg(&tokens)
        .args(["--service-account-issuer", "https://kubernetes.default.svc"])
        .arg("--service-account-key-file")
        .arg(pki.join("sa.pub"))
        .arg("--service-account-signing-key-file")
        .arg(pki.join("sa.key"))
        .args(["--anonymous-auth=false", "--authorization-mode=Node,RBAC"])
        .arg("--data-dir")
        .arg(dir.path().join("serve-data"))
        .env("RUST_LOG", "warn");
    const LISTENING: &str = "kubeward API server listening on ";
    let server = Process::start(command, Stream::Stderr, Duration::from_secs(60), |line| {
        line.starts_with(LISTENING)
    });
    let url = server
        .printed
        .lines()
        .find_map(|line| line.strip_prefix(LISTENING))
        .map(|url| url.trim().to_string())
        .unwrap_or_default();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    let kubectl = |args: &str| {
        let output = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "kubectl --server={url} --certificate-authority={} --kubeconfig=/dev/null {args}",
                pki.join("ca.crt").display()
            ))
            .env("HOME", dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("kubectl runs");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) =
        kubectl("--token=static-token-1 auth whoami -o jsonpath='{.status.userInfo}'");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "{\"groups\":[\"dev\",\"ops\",\"system:authenticated\"],\"uid\":\"1001\",\"username\":\"alice\"}"
    );
    let (code, _, stderr) = kubectl("--token=static-token-1 get pods");
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "Error from server (Forbidden): pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"\n"
    );
    let (code, stdout, _) = kubectl(&format!(
        "--client-certificate={} --client-key={} get namespaces -o name",
        pki.join("admin.crt").display(),
        pki.join("admin.key").display()
    ));
    assert_eq!(code, 0);
    assert!(stdout.contains("namespace/kube-system"), "{stdout}");
    // With --anonymous-auth=false a request without credentials is 401, even for /version.
    let anonymous = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert"])
        .arg(pki.join("ca.crt"))
        .arg(format!("{url}/version"))
        .output()
        .expect("curl runs");
    assert_eq!(String::from_utf8_lossy(&anonymous.stdout), "401");
    drop(server);
}
