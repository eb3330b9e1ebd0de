//! What a new user tripped over (issue 20), each through the real binary and the real kubectl,
//! run from a directory other than the data directory: a relative `-o` of `user add`, paths in
//! what `up` prints and writes, the data directory's modes, `auth explain --data-dir`, seed 002's
//! context commands as written, kubectl's wording of server errors, a missing kubeconfig.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use kubeward_testkit::cluster::{Cluster, ok};

use crate::support::{self, mode, repo};

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `bash -c SCRIPT` in `cwd` with `KUBECONFIG` and `PATH` (browser, binaries first).
fn bash_in(cwd: &Path, kubeconfig: &Path, path: &str, script: &str) -> Output {
    Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(cwd)
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", cwd)
        .env("PATH", path)
        .stdin(Stdio::null())
        .output()
        .expect("bash runs")
}

#[test]
fn user_add_writes_a_relative_output_path_and_prints_kubectls_errors() {
    let cluster = Cluster::up();
    let work = cluster.scratch("elsewhere");
    std::fs::create_dir_all(&work).unwrap();
    // The README's own command, from a directory that is not the data directory.
    let added = support::kubeward(&[
        "user",
        "add",
        "minjun",
        "--group",
        "dev-team",
        "--approve",
        "-o",
        "minjun.kubeconfig",
    ])
    .current_dir(&work)
    .env("KUBECONFIG", &cluster.admin_kubeconfig)
    .output()
    .unwrap();
    assert!(added.status.success(), "{}", text(&added));
    assert!(added.stderr.is_empty(), "{}", text(&added));
    assert_eq!(mode(&work.join("minjun.kubeconfig")), 0o600);
    let whoami = ok(&Command::new("kubectl")
        .args(["--kubeconfig", "minjun.kubeconfig", "auth", "whoami"])
        .current_dir(&work)
        .output()
        .unwrap());
    assert!(whoami.contains("minjun"), "{whoami}");
    assert!(
        whoami.contains("[dev-team system:authenticated]"),
        "{whoami}"
    );

    // The same request again: the server's answer, worded as kubectl words it.
    let again = support::kubeward(&["user", "add", "minjun", "-o", "again.kubeconfig"])
        .current_dir(&work)
        .env("KUBECONFIG", &cluster.admin_kubeconfig)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&again.stderr),
        "Error from server (AlreadyExists): certificatesigningrequests.certificates.k8s.io \"minjun\" already exists\n"
    );

    // No kubeconfig at all: one sentence, no doubled chain of causes.
    let missing = support::kubeward(&["user", "add", "seoyeon"])
        .current_dir(&work)
        .env_remove("KUBECONFIG")
        .env("HOME", &work)
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&missing.stderr),
        format!(
            "error: no kubeconfig: {}/.kube/config does not exist and KUBECONFIG is not set; give --kubeconfig, or point KUBECONFIG at a kubeconfig (kubeward up writes <data-dir>/admin.kubeconfig)\n",
            work.display()
        )
    );
}

#[test]
fn up_in_a_relative_data_dir_writes_what_works_from_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let here = dir.path().join("here");
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&here).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    // Seed 001's realm (user test in group developers), imported before the first start.
    let imported = support::kubeward(&["idp", "import", "--data-dir", "kubeward-data", "-f"])
        .arg(repo().join("crates/idp/src/representation/seed-001-realm.json"))
        .current_dir(&here)
        .output()
        .unwrap();
    assert!(imported.status.success(), "{}", text(&imported));
    let cluster = Cluster::up_in(dir, &here, "kubeward-data");
    let data = here.join("kubeward-data");

    // The data directory and its private parts are the owner's only.
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("pki")), 0o700);
    assert_eq!(mode(&data.join("store.redb")), 0o600);

    // What `up` printed names absolute paths.
    let admin = data.join("admin.kubeconfig");
    for line in [
        format!("admin kubeconfig: {}", admin.display()),
        format!("cluster CA: {}", data.join("pki/ca.crt").display()),
        format!(
            "OIDC kubeconfig (kubectl oidc-login): {}",
            data.join("oidc.kubeconfig").display()
        ),
        format!("  export KUBECONFIG={}", admin.display()),
    ] {
        assert!(
            cluster.banner.lines().any(|l| l == line),
            "{line:?} in:\n{}",
            cluster.banner
        );
    }

    // The printed hint works from another directory.
    let browser = support::browser_bin(&elsewhere, "test", "test-password");
    let path = support::path_with(&[&browser]);
    let whoami = bash_in(&elsewhere, &admin, &path, "kubectl auth whoami");
    assert!(
        text(&whoami).contains("kubernetes-admin"),
        "{}",
        text(&whoami)
    );

    // oidc.kubeconfig carries its CA: kubectl signs in through it from another directory
    // (xdg-open is the browser), as a new operator would after being handed the file.
    let oidc = data.join("oidc.kubeconfig");
    let file = std::fs::read_to_string(&oidc).unwrap();
    assert!(!file.contains("ca.crt"), "no path to the CA: {file}");
    let signed_in = bash_in(&elsewhere, &oidc, &path, "kubectl auth whoami");
    assert!(signed_in.status.success(), "{}", text(&signed_in));
    let whoami = String::from_utf8_lossy(&signed_in.stdout);
    assert!(
        whoami
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["Username", "test"]),
        "{whoami}"
    );

    // auth explain reads the authentication-config.json `up` wrote: the server's own view.
    let token = bash_in(
        &elsewhere,
        &admin,
        &path,
        &format!(
            "curl -sS --cacert {ca} '{idp}/realms/kubernetes/protocol/openid-connect/token' \
             -d grant_type=password -d client_id=kubernetes-client -d username=test \
             -d password=test-password -d scope=openid -d client_secret=kubernetes-client-secret \
             | jq -r .id_token",
            ca = data.join("pki/ca.crt").display(),
            idp = cluster.idp
        ),
    );
    let token = String::from_utf8_lossy(&token.stdout).trim().to_string();
    let explained = support::kubeward(&["auth", "explain", "--data-dir"])
        .arg(&data)
        .args(["--token", &token])
        .current_dir(&elsewhere)
        .output()
        .unwrap();
    assert!(explained.status.success(), "{}", text(&explained));
    assert!(
        text(&explained).contains("\"test\""),
        "{}",
        text(&explained)
    );

    // login setup names the user this cluster maps the token to, not the issuer#sub default.
    let setup = support::kubeward(&["login", "setup"])
        .arg(format!(
            "--oidc-issuer-url={}/realms/kubernetes",
            cluster.idp
        ))
        .args([
            "--oidc-client-id=kubernetes-client",
            "--oidc-client-secret=kubernetes-client-secret",
            "--grant-type=password",
            "--username=test",
            "--password=test-password",
        ])
        .arg(format!(
            "--certificate-authority={}",
            data.join("pki/ca.crt").display()
        ))
        .current_dir(&elsewhere)
        .env("KUBECONFIG", &admin)
        .env("HOME", &elsewhere)
        .output()
        .unwrap();
    assert!(setup.status.success(), "{}", text(&setup));
    let advice = String::from_utf8_lossy(&setup.stdout);
    assert!(
        advice.contains(
            "kubectl create clusterrolebinding oidc-cluster-admin --clusterrole=cluster-admin --user='test'\n"
        ),
        "{advice}"
    );
}

#[test]
fn seed_002_context_commands_work_as_written() {
    let cluster = Cluster::up();
    let work = cluster.scratch("seed-002");
    std::fs::create_dir_all(&work).unwrap();
    // The seed edits the kubeconfig it runs with: a copy of the admin's.
    let kubeconfig = work.join("config");
    std::fs::copy(&cluster.admin_kubeconfig, &kubeconfig).unwrap();
    std::fs::copy(
        repo().join("examples/seed-002-x509/pod-reader-role.yaml"),
        work.join("pod-reader-role.yaml"),
    )
    .unwrap();
    let script = r#"set -e
openssl genrsa -out minjun.key 2048 2>/dev/null
openssl req -new -key minjun.key -out minjun.csr -subj "/CN=minjun/O=dev-team"
cat > csr.yaml <<EOF
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: minjun-csr
spec:
  request: $(cat minjun.csr | base64 -w 0)
  signerName: kubernetes.io/kube-apiserver-client
  usages:
  - client auth
EOF
kubectl apply -f csr.yaml
kubectl certificate approve minjun-csr
kubectl get csr minjun-csr -o jsonpath='{.status.certificate}' | base64 --decode > minjun.crt
kubectl config set-credentials minjun --client-key=minjun.key --client-certificate=minjun.crt --embed-certs=true
kubectl config set-context minjun-context --cluster=$(kubectl config current-context | cut -d/ -f2) --user=minjun
kubectl apply -f pod-reader-role.yaml
kubectl config use-context minjun-context
kubectl get pods --namespace=default
kubectl get deployments --namespace=default
"#;
    let ran = bash_in(&work, &kubeconfig, &support::path_with(&[]), script);
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert!(
        stderr.contains("No resources found in default namespace.\n"),
        "{}",
        text(&ran)
    );
    assert!(
        stderr.ends_with(
            "Error from server (Forbidden): deployments.apps is forbidden: User \"minjun\" cannot list resource \"deployments\" in API group \"apps\" in the namespace \"default\"\n"
        ),
        "{}",
        text(&ran)
    );
    assert!(
        String::from_utf8_lossy(&ran.stdout).contains("Context \"minjun-context\" created."),
        "{}",
        text(&ran)
    );
}

#[test]
fn help_says_what_up_and_rbac_do_today() {
    let (code, help, _) = support::run(&["--help"]);
    assert_eq!(code, 0);
    // clap wraps lines to the terminal's width.
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains(
            "the OIDC identity provider it trusts, an admin kubeconfig and an OIDC kubeconfig"
        ),
        "{help}"
    );
    assert!(
        help.contains("of the current kubeconfig's cluster, or of manifests on disk"),
        "{help}"
    );
}
