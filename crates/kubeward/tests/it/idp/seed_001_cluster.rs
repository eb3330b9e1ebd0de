//! Seed 001 end to end: `kubeward idp serve` in Keycloak's place, `kubeward up` with the seed's
//! kube-apiserver flags (2-1), the id token from the password grant (2-2) used with real kubectl:
//! 403 in the seed's words before the ClusterRole and binding (2-3), allowed after (2-4).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::*;
use kubeward_testkit::cluster::{Cluster, ok};

pub(super) fn kubectl_with_token(cluster: &Cluster, token: &str, args: &[&str]) -> (bool, String) {
    let kubeconfig = cluster.scratch("test-user.kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: kubernetes\n  cluster:\n    server: {}\n    certificate-authority: {}\nusers:\n- name: test\n  user:\n    token: {token}\ncontexts:\n- name: kubernetes\n  context:\n    cluster: kubernetes\n    user: test\n    namespace: default\ncurrent-context: kubernetes\n",
            cluster.server,
            cluster.data_dir.join("pki/ca.crt").display()
        ),
    )
    .unwrap();
    let output = Command::new("/usr/bin/kubectl")
        .env("KUBECONFIG", &kubeconfig)
        .env("HOME", cluster.dir.path())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("kubectl runs");
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

#[test]
fn seed_001_keycloak_tokens_reach_the_api_server() {
    let idp = Idp::start();
    let flags: Vec<String> = vec![
        format!("--oidc-issuer-url={}", idp.issuer("kubernetes")),
        "--oidc-client-id=kubernetes-client".into(),
        format!("--oidc-ca-file={}", idp.ca().display()),
        "--oidc-username-claim=preferred_username".into(),
        "--oidc-username-prefix=-".into(),
        "--oidc-groups-claim=groups".into(),
        "--oidc-groups-prefix=kubernetes:".into(),
    ];
    let cluster = Cluster::up_with(tempfile::tempdir().unwrap(), &flags);
    let (status, body) = idp.password_grant("test", PASSWORD, SECRET);
    assert_eq!(status, 200, "{body}");
    let token = body["id_token"].as_str().unwrap().to_string();
    // The API server fetches the provider's keys in the background.
    let whoami = whoami_once_accepted(&cluster, &token);
    assert!(whoami.contains("test"), "{whoami}");
    assert!(whoami.contains("kubernetes:developers"), "{whoami}");
    assert!(whoami.contains("kubernetes:kubernetes:admin"), "{whoami}");
    // 2-5: authenticated but not allowed yet.
    let (success, out) = kubectl_with_token(&cluster, &token, &["get", "namespace", "default"]);
    assert!(!success);
    assert!(
        out.contains(r#"namespaces "default" is forbidden: User "test" cannot get resource "namespaces" in API group """#),
        "{out}"
    );
    // 2-3: the seed's ClusterRole and ClusterRoleBinding, applied by the admin.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/seed-001-keycloak/keycloak-role.yaml");
    ok(&cluster.kubectl(&["apply", "-f", manifest.to_str().unwrap()]));
    let (success, out) = kubectl_with_token(&cluster, &token, &["get", "namespace", "default"]);
    assert!(success, "{out}");
    assert!(out.contains("default"), "{out}");
    // A token with a wrong signature is 401.
    let mut forged = token.clone();
    forged.truncate(token.len() - 4);
    forged.push_str("AAAA");
    let (success, out) = kubectl_with_token(&cluster, &forged, &["get", "namespace", "default"]);
    assert!(!success);
    assert!(out.contains("Unauthorized"), "{out}");
}

/// `kubectl auth whoami` with `token`, retried until the API server accepts it (it fetches the
/// provider's keys in the background), for at most 30 s.
pub(super) fn whoami_once_accepted(cluster: &Cluster, token: &str) -> String {
    let started = Instant::now();
    loop {
        let (success, out) = kubectl_with_token(cluster, token, &["auth", "whoami"]);
        if success {
            return out;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the id token was not accepted: {out}\n{}",
            cluster.log()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}
