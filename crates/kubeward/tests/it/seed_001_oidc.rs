//! Seed 001 end to end inside one `kubeward up`: its identity provider holds the seed's realm
//! (client `kubernetes-client` with a secret, user `test` in group `developers`), its API server
//! trusts that realm with the seed's claim mappings (`preferred_username`, groups prefixed
//! `kubernetes:`), and real kubectl signs in through the seed's kubeconfig exec block
//! (`kubectl oidc-login get-token …`, i.e. `kubectl-oidc_login`), whose browser step is headless
//! Chromium filling the login page. Forbidden before the seed's ClusterRole and binding, allowed
//! after for what they grant and nothing more; the seed's curl with a password-grant id_token.

use std::os::unix::fs::PermissionsExt as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use crate::support::{self, repo};
use kubeward_testkit::cluster::{Cluster, ok};

/// The seed's realm as `kubeward idp` ships it (Keycloak's realm JSON).
const REALM_FILE: &str = "crates/idp/src/representation/seed-001-realm.json";
const CLIENT_SECRET: &str = "kubernetes-client-secret";
const PASSWORD: &str = "test-password";

fn data(name: &str) -> PathBuf {
    repo()
        .join("crates/kubeward/tests/it/seed_001_oidc")
        .join(name)
}

/// Real kubectl with the admin kubeconfig, `HOME` in the scratch folder (kubelogin's token
/// cache), and `kubectl-oidc_login` first on `PATH`.
fn kubectl(cluster: &Cluster, args: &[&str]) -> Output {
    let plugin = assert_cmd::cargo::cargo_bin("kubectl-oidc_login");
    let path = format!(
        "{}:{}",
        plugin.parent().expect("the binary's folder").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("/usr/bin/kubectl")
        .env("KUBECONFIG", &cluster.admin_kubeconfig)
        .env("HOME", cluster.dir.path())
        .env("PATH", path)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("kubectl runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn start_with_the_seed_realm() -> Cluster {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let imported = support::kubeward(&["idp", "import", "-f"])
        .arg(repo().join(REALM_FILE))
        .arg("--data-dir")
        .arg(&data_dir)
        .output()
        .unwrap();
    assert!(imported.status.success(), "{}", text(&imported));
    Cluster::start(dir, data_dir)
}

#[test]
fn seed_001_kubectl_signs_in_through_the_browser_and_rbac_decides() {
    let cluster = start_with_the_seed_realm();
    let oidc_kubeconfig = cluster.data_dir.join("oidc.kubeconfig");
    assert!(
        cluster.banner.contains(&format!(
            "OIDC kubeconfig (kubectl oidc-login): {}",
            oidc_kubeconfig.display()
        )),
        "{}",
        cluster.banner
    );
    assert_eq!(
        std::fs::metadata(&oidc_kubeconfig)
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600,
        "the kubeconfig holds the client secret"
    );
    // The seed's `kubectl config set-credentials keycloak-user …`, with the Keycloak-style
    // issuer under /auth; the CA of the provider and the headless browser are the only additions.
    let ca = cluster.data_dir.join("pki/ca.crt");
    let issuer = format!(
        "--exec-arg=--oidc-issuer-url={}/auth/realms/kubernetes",
        cluster.idp
    );
    let browser = format!(
        "--exec-arg=--browser-command={}",
        support::browser_bin(cluster.dir.path(), "test", PASSWORD)
            .join("xdg-open")
            .display()
    );
    let ca_arg = format!("--exec-arg=--certificate-authority={}", ca.display());
    let secret = format!("--exec-arg=--oidc-client-secret={CLIENT_SECRET}");
    ok(&kubectl(
        &cluster,
        &[
            "config",
            "set-credentials",
            "keycloak-user",
            "--exec-api-version=client.authentication.k8s.io/v1beta1",
            "--exec-command=kubectl",
            "--exec-arg=oidc-login",
            "--exec-arg=get-token",
            &issuer,
            "--exec-arg=--oidc-client-id=kubernetes-client",
            &secret,
            &ca_arg,
            &browser,
        ],
    ));

    // Signed in through the browser; authenticated, but no role yet.
    let denied = kubectl(&cluster, &["--user=keycloak-user", "get", "nodes"]);
    assert!(!denied.status.success());
    assert!(
        text(&denied).contains(
            "Error from server (Forbidden): nodes is forbidden: User \"test\" cannot list resource \"nodes\" in API group \"\" at the cluster scope"
        ),
        "{}",
        text(&denied)
    );
    let whoami = ok(&kubectl(
        &cluster,
        &["--user=keycloak-user", "auth", "whoami"],
    ));
    let username = whoami
        .lines()
        .find(|l| l.starts_with("Username"))
        .unwrap_or("");
    assert_eq!(username.split_whitespace().nth(1), Some("test"), "{whoami}");
    let groups = whoami
        .lines()
        .find(|l| l.starts_with("Groups"))
        .unwrap_or("");
    assert!(
        groups.contains("kubernetes:developers") && groups.contains("system:authenticated"),
        "the seed's groups prefix: {whoami}"
    );
    // The token is cached 0600 in kubelogin's place and reused (no second browser run).
    let cache = cluster.dir.path().join(".kube/cache/oidc-login");
    let entries: Vec<_> = std::fs::read_dir(&cache)
        .expect("kubelogin's cache folder")
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().ends_with(".lock"))
        .collect();
    assert_eq!(entries.len(), 1, "one cached token");
    assert_eq!(
        entries[0].metadata().unwrap().permissions().mode() & 0o777,
        0o600
    );

    // Seed 001 step 2-3 by the admin, then what it grants works and nothing else does.
    let rbac = data("keycloak-rbac.yaml");
    ok(&kubectl(
        &cluster,
        &["apply", "-f", &rbac.display().to_string()],
    ));
    let pods = kubectl(&cluster, &["--user=keycloak-user", "get", "pods"]);
    assert_eq!(text(&pods), "No resources found in default namespace.\n");
    let namespaces = ok(&kubectl(
        &cluster,
        &["--user=keycloak-user", "get", "namespaces", "-o", "name"],
    ));
    assert!(namespaces.contains("namespace/default"), "{namespaces}");
    for (args, message) in [
        (
            vec!["--user=keycloak-user", "create", "namespace", "x"],
            "namespaces is forbidden: User \"test\" cannot create resource \"namespaces\" in API group \"\" at the cluster scope",
        ),
        (
            vec!["--user=keycloak-user", "get", "secrets"],
            "secrets is forbidden: User \"test\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\"",
        ),
        (
            vec!["--user=keycloak-user", "delete", "pod", "p"],
            "pods \"p\" is forbidden: User \"test\" cannot delete resource \"pods\" in API group \"\" in the namespace \"default\"",
        ),
    ] {
        let out = kubectl(&cluster, &args);
        assert!(!out.status.success());
        assert!(text(&out).contains(message), "{args:?}: {}", text(&out));
    }
}

#[test]
fn seed_001_curl_with_a_password_grant_id_token() {
    let cluster = start_with_the_seed_realm();
    let ca = cluster.data_dir.join("pki/ca.crt");
    // Step 2-4 as written (jq extracts the id_token), with the cluster CA instead of --insecure.
    let script = format!(
        "TOKEN=$(curl -sS --cacert {ca} --location '{idp}/realms/kubernetes/protocol/openid-connect/token' \
           --header 'Content-Type: application/x-www-form-urlencoded' -d 'grant_type=password' \
           -d 'client_id=kubernetes-client' -d 'username=test' -d 'password={PASSWORD}' -d 'scope=openid' \
           -d 'client_secret={CLIENT_SECRET}' | jq -r '.id_token') && \
         curl -sS --cacert {ca} {api}/api/v1/namespaces/default --header \"Authorization: Bearer ${{TOKEN}} \" && echo -----SPLIT----- && \
         curl -sS --cacert {ca} {api}/api/v1/namespaces/default --header \"Authorization: Bearer ${{TOKEN}}x\"",
        ca = ca.display(),
        idp = cluster.idp,
        api = cluster.server,
    );
    // kube-apiserver answers curl with indented JSON: split the two answers, parse each.
    let run = || {
        let ran = Command::new("bash")
            .arg("-c")
            .arg(&script)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&ran.stdout).into_owned();
        let (first, second) = out.split_once("-----SPLIT-----").unwrap_or((&out, ""));
        let parse = |body: &str| -> serde_json::Value {
            serde_json::from_str(body).unwrap_or_else(|_| panic!("JSON answers: {out}"))
        };
        (parse(first), parse(second))
    };
    let (first, tampered) = run();
    // Authenticated as "test" without a role: the seed's Forbidden for the Namespace.
    assert_eq!(first["reason"], "Forbidden", "{first}");
    assert_eq!(
        first["message"],
        "namespaces \"default\" is forbidden: User \"test\" cannot get resource \"namespaces\" in API group \"\" in the namespace \"default\""
    );
    // A tampered token: the seed's 401 Status.
    assert_eq!(
        tampered,
        serde_json::json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
    );
    ok(&kubectl(
        &cluster,
        &[
            "apply",
            "-f",
            &data("keycloak-rbac.yaml").display().to_string(),
        ],
    ));
    let (namespace, _) = run();
    assert_eq!(namespace["kind"], "Namespace", "{namespace}");
    assert_eq!(namespace["metadata"]["name"], "default", "{namespace}");
}
