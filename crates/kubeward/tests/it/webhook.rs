//! `kubeward webhook serve` answering TokenReviews and SubjectAccessReviews in the shapes
//! Kubernetes documents (checked with curl), and `kubeward up` delegating to it through the
//! files `kubeward webhook config` writes: real kubectl with a token only the webhook knows is
//! allowed and denied in Kubernetes' words; with the webhook killed, a new token is 401, what
//! was cached still works, and the server stays up.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use kubeward_testkit::cluster::{Cluster, ok};
use kubeward_testkit::process::{Process, Stream};
use serde_json::{Value, json};

use crate::support::run;

const TOKENS: &str = "webhook-token-1,minjun,1001,\"dev\"\nwebhook-token-2,seoyeon,1002,\"dev\"\n";

const POLICY: &str = "\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: default}
rules:
- apiGroups: [\"\"]
  resources: [pods]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-pods, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: dev}
";

const LISTENING: &str = "kubeward webhook listening on ";

/// A running `kubeward webhook serve` with the token file and the policy above, serving with
/// the certificate of `pki` (a `kubeward up` data directory's).
struct Webhook {
    process: Process,
    url: String,
}

fn start_webhook(dir: &Path, pki: &Path) -> Webhook {
    std::fs::write(dir.join("tokens.csv"), TOKENS).expect("token file");
    std::fs::write(dir.join("policy.yaml"), POLICY).expect("policy");
    let mut command = Command::new(kubeward_testkit::kubeward_binary());
    command
        .args([
            "webhook",
            "serve",
            "--bind-address",
            "127.0.0.1",
            "--secure-port",
            "0",
        ])
        .arg("--tls-cert-file")
        .arg(pki.join("apiserver.crt"))
        .arg("--tls-private-key-file")
        .arg(pki.join("apiserver.key"))
        .arg("--token-auth-file")
        .arg(dir.join("tokens.csv"))
        .arg("-f")
        .arg(dir.join("policy.yaml"))
        .env("RUST_LOG", "warn");
    let process = Process::start(command, Stream::Stderr, Duration::from_secs(60), |line| {
        line.starts_with(LISTENING)
    });
    let url = process
        .printed
        .lines()
        .find_map(|line| line.strip_prefix(LISTENING))
        .map(|url| url.trim().to_string())
        .expect("the webhook says where it listens");
    Webhook { process, url }
}

/// `curl` POSTing `body` to `url`, trusting `ca`: (HTTP code, JSON answer).
fn post(url: &str, ca: &Path, body: &Value) -> (String, Value) {
    let output = Command::new("curl")
        .args([
            "-sS",
            "-w",
            "\n%{http_code}",
            "-H",
            "Content-Type: application/json",
            "--cacert",
        ])
        .arg(ca)
        .args(["--data-binary", &body.to_string(), url])
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (json, code) = text.rsplit_once('\n').unwrap_or(("", ""));
    (
        code.to_string(),
        serde_json::from_str(json).unwrap_or(Value::Null),
    )
}

#[test]
fn the_webhook_answers_in_the_documented_shapes() {
    let provisioned = Cluster::up();
    let (dir, data_dir) = provisioned.kill();
    let pki = data_dir.join("pki");
    let ca = pki.join("ca.crt");
    let webhook = start_webhook(dir.path(), &pki);
    let authenticate = format!("{}/authenticate", webhook.url);
    let authorize = format!("{}/authorize", webhook.url);

    // TokenReview, as kube-apiserver sends it (v1 and v1beta1).
    let (code, answer) = post(
        &authenticate,
        &ca,
        &json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
                "spec": {"token": "webhook-token-1", "audiences": ["https://kubernetes.default.svc.cluster.local"]}}),
    );
    assert_eq!(code, "200");
    assert_eq!(
        answer,
        json!({"kind": "TokenReview", "apiVersion": "authentication.k8s.io/v1",
               "status": {"authenticated": true,
                          "user": {"username": "minjun", "uid": "1001", "groups": ["dev", "system:authenticated"]}}})
    );
    let (_, answer) = post(
        &authenticate,
        &ca,
        &json!({"apiVersion": "authentication.k8s.io/v1beta1", "kind": "TokenReview", "spec": {"token": "nope"}}),
    );
    assert_eq!(answer["apiVersion"], "authentication.k8s.io/v1beta1");
    assert_eq!(answer["status"].get("authenticated"), None, "{answer}");
    assert!(
        answer["status"]["error"]
            .as_str()
            .is_some_and(|e| !e.contains("nope")),
        "{answer}"
    );

    // SubjectAccessReview: v1beta1 names the groups `group`; an allow carries RBAC's reason,
    // no opinion is `allowed: false` without `denied`.
    let review = |verb: &str| {
        json!({"apiVersion": "authorization.k8s.io/v1beta1", "kind": "SubjectAccessReview",
               "spec": {"resourceAttributes": {"namespace": "default", "verb": verb, "version": "v1", "resource": "pods"},
                        "user": "minjun", "group": ["dev", "system:authenticated"], "uid": "1001"}})
    };
    let (code, answer) = post(&authorize, &ca, &review("list"));
    assert_eq!(code, "200");
    assert_eq!(
        answer,
        json!({"kind": "SubjectAccessReview", "apiVersion": "authorization.k8s.io/v1beta1",
               "status": {"allowed": true,
                          "reason": "RBAC: allowed by RoleBinding \"read-pods/default\" of Role \"pod-reader\" to Group \"dev\""}})
    );
    let (_, answer) = post(&authorize, &ca, &review("delete"));
    assert_eq!(answer["status"], json!({"allowed": false}));
    // What is not a review is a 400 Status.
    let (code, answer) = post(&authorize, &ca, &json!({"kind": "Pod"}));
    assert_eq!(code, "400");
    assert_eq!(answer["reason"], "BadRequest");
    drop(webhook);
}

/// `kubectl --token=TOKEN ARGS…` against `server`: (exit code, stdout, stderr).
fn kubectl_with_token(cluster: &Cluster, token: &str, args: &[&str]) -> (i32, String, String) {
    let output: Output = Command::new(kubeward_testkit::KUBECTL)
        .arg(format!("--server={}", cluster.server))
        .arg(format!(
            "--certificate-authority={}",
            cluster.data_dir.join("pki/ca.crt").display()
        ))
        .args(["--kubeconfig=/dev/null", &format!("--token={token}")])
        .args(args)
        .env("HOME", cluster.dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("kubectl runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn kubeward_delegates_to_the_webhook_and_survives_it() {
    // The webhook serves with the certificate of one `kubeward up`; a second one delegates.
    let provisioned = Cluster::up();
    let (webhook_dir, webhook_data) = provisioned.kill();
    let pki = webhook_data.join("pki");
    let mut webhook = start_webhook(webhook_dir.path(), &pki);
    let files: PathBuf = webhook_dir.path().join("apiserver-files");
    let (code, stdout, stderr) = run(&[
        "webhook",
        "config",
        "--server",
        &webhook.url,
        "--certificate-authority",
        &pki.join("ca.crt").display().to_string(),
        "--out-dir",
        &files.display().to_string(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("--authorization-config="), "{stdout}");
    let authentication = files.join("authentication-webhook.kubeconfig");
    let configuration = files.join("authorization-config.yaml");
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(&authentication)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);

    let dir = tempfile::tempdir().expect("a temporary folder");
    let cluster = Cluster::up_with(
        dir,
        &[
            "--authentication-token-webhook-config-file".into(),
            authentication.display().to_string(),
            "--authentication-token-webhook-version=v1".into(),
            "--authorization-config".into(),
            configuration.display().to_string(),
        ],
    );

    // A token only the webhook knows: the user as the webhook says.
    let (code, stdout, stderr) = kubectl_with_token(
        &cluster,
        "webhook-token-1",
        &["auth", "whoami", "-o", "jsonpath={.status.userInfo}"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        r#"{"groups":["dev","system:authenticated"],"uid":"1001","username":"minjun"}"#
    );
    // Allowed by the webhook's policy (kubeward's own RBAC grants minjun nothing) …
    let (code, _, stderr) = kubectl_with_token(
        &cluster,
        "webhook-token-1",
        &["get", "pods", "-n", "default"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "No resources found in default namespace.\n");
    let (code, stdout, _) = kubectl_with_token(
        &cluster,
        "webhook-token-1",
        &["auth", "can-i", "list", "pods", "-n", "default"],
    );
    assert_eq!((code, stdout.as_str()), (0, "yes\n"));
    // … and denied in Kubernetes' words for what it does not grant.
    let (code, _, stderr) = kubectl_with_token(
        &cluster,
        "webhook-token-1",
        &["delete", "pod", "x", "-n", "default"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "Error from server (Forbidden): pods \"x\" is forbidden: User \"minjun\" cannot delete resource \"pods\" in API group \"\" in the namespace \"default\"\n"
    );
    let (code, _, stderr) = kubectl_with_token(&cluster, "not-a-token", &["get", "pods"]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "error: You must be logged in to the server (Unauthorized)\n"
    );

    // The webhook goes away: a token it never answered for is 401; what it answered is still
    // cached (2m for tokens, 5m for allows); the server stays up.
    webhook.process.kill();
    let (code, _, stderr) = kubectl_with_token(
        &cluster,
        "webhook-token-2",
        &["get", "pods", "-n", "default"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "error: You must be logged in to the server (Unauthorized)\n"
    );
    let (code, _, stderr) = kubectl_with_token(
        &cluster,
        "webhook-token-1",
        &["get", "pods", "-n", "default"],
    );
    assert_eq!(code, 0, "{stderr}");
    let namespaces = ok(&cluster.kubectl(&["get", "namespaces", "-o", "name"]));
    assert!(namespaces.contains("namespace/default"), "{namespaces}");
    assert!(cluster.log().contains("webhook"), "the failure is logged");
}
