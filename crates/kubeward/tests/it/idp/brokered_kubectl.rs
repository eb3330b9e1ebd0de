//! A company IdP's user reaches Kubernetes through `kubeward up`'s own provider, as a seed 001
//! user would: npm oidc-provider is the upstream (HTTPS with a private CA, trusted through `up
//! --idp-truststore-paths`), python-keycloak configures the brokering in `up`'s realm, real
//! kubectl runs `kubeward login get-token` from the kubeconfig `up` wrote, headless Chromium
//! follows the "Corp" link to sign in upstream, and RBAC answers the brokered user and its
//! mapped group in its own words; the user leaving the group upstream reaches kubectl at the
//! next refresh.

use std::os::unix::fs::PermissionsExt as _;
use std::process::Command;

use kubeward_jose::{Algorithm, SigningKey};
use kubeward_testkit::cluster::{Cluster, ok};
use serde_json::json;

use super::*;
use crate::login::harness::run;
use crate::oidc_issuer::{self, CLIENT_ID, CLIENT_SECRET};
use crate::support::path_with;

/// A port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `up`'s `oidc.kubeconfig` with its user running `kubeward login get-token` (the same flags),
/// a token cache in `dir`, a free callback port and the Chromium "browser"; `extra` flags last.
fn login_kubeconfig(cluster: &Cluster, dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let text = std::fs::read_to_string(cluster.oidc_kubeconfig()).expect("up wrote it");
    let mut config: Value = serde_json::from_str(&text).expect("a JSON kubeconfig");
    let exec = &mut config["users"][0]["user"]["exec"];
    assert_eq!(exec["command"], "kubectl");
    let written: Vec<Value> = exec["args"].as_array().expect("args").clone();
    assert_eq!(written[..2], [json!("oidc-login"), json!("get-token")]);
    let mut args = vec![json!("login"), json!("get-token")];
    args.extend(written[2..].iter().cloned());
    for flag in [
        format!("--token-cache-dir={}", dir.join("cache").display()),
        "--listen-address=127.0.0.1:0".into(),
        "--authentication-timeout-sec=90".into(),
        format!("--browser-command={}", dir.join("browser.sh").display()),
    ] {
        args.push(json!(flag));
    }
    args.extend(extra.iter().map(|a| json!(a)));
    exec["command"] = json!("kubeward");
    exec["args"] = json!(args);
    let path = dir.join(name);
    std::fs::write(&path, config.to_string()).expect("write the kubeconfig");
    path
}

/// Real kubectl with `kubeconfig`, `kubeward` on its PATH and Chromium signing in with the
/// upstream "Corp" as `ann`: (success, stdout, stderr).
fn kubectl(kubeconfig: &Path, home: &Path, args: &[&str]) -> (bool, String, String) {
    let mut command = Command::new("/usr/bin/kubectl");
    command
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", home)
        .env("PATH", path_with(&[]))
        .env("BROWSER_IDP", "corp")
        .env("BROWSER_USER", "ann");
    let out = run(command);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn kubectl_signs_in_through_the_company_idp_and_rbac_sees_its_group() {
    crate::login::harness::require_tools();
    let up_dir = tempfile::tempdir().expect("a temporary folder");
    oidc_issuer::write_certificates(up_dir.path());
    let upstream_ca = up_dir.path().join("ca.crt");
    let port = free_port();
    let cluster = Cluster::up_with(
        tempfile::tempdir().expect("a temporary folder"),
        &[
            format!("--idp-port=127.0.0.1:{port}"),
            format!("--idp-truststore-paths={}", upstream_ca.display()),
        ],
    );
    let realm = format!("{}/realms/kubernetes", cluster.idp);

    let users_file = up_dir.path().join("users.json");
    let users = json!({"ann": {"password": "unused", "claims": {
        "preferred_username": "ann", "email": "ann@corp.example", "email_verified": true,
        "given_name": "Ann", "groups": ["staff", "sre"], "dept": "platform"}}});
    std::fs::write(&users_file, users.to_string()).expect("write the users");
    let upstream = oidc_issuer::Provider::start_prepared(
        up_dir.path(),
        SigningKey::generate(Algorithm::RS256).expect("a key"),
        json!({
            "usersFile": users_file,
            "redirectUris": [format!("{realm}/broker/corp/endpoint")],
            "refreshTokens": true,
        }),
    );
    let ca = cluster.data_dir.join("pki/ca.crt");
    let admin_password = std::fs::read_to_string(cluster.data_dir.join("idp-admin-password"))
        .expect("up wrote the admin password");
    let configured = python_keycloak_at(
        "keycloak_brokering.py",
        &cluster.idp,
        &ca,
        admin_password.trim(),
        &[
            ("UPSTREAM", &upstream.issuer()),
            ("UPSTREAM_CA", upstream_ca.to_str().unwrap()),
            ("UPSTREAM_CLIENT_ID", CLIENT_ID),
            ("UPSTREAM_SECRET", CLIENT_SECRET),
        ],
    );
    assert_eq!(configured["aliases"], json!(["corp"]), "{configured:#}");
    assert_eq!(configured["mappers"], json!(["department", "sre group"]));

    // The "browser" kubeward login starts: Chromium through playwright-core.
    let scratch = cluster.scratch("login");
    std::fs::create_dir_all(&scratch).expect("a scratch folder");
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/login/browser.mjs");
    let script = scratch.join("browser.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nexec node '{}' \"$@\"\n", browser.display()),
    )
    .expect("write browser.sh");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let kubeconfig = login_kubeconfig(&cluster, &scratch, "ann.kubeconfig", &[]);

    // The first kubectl signs in (kubeward's login page → Corp → back); RBAC has not allowed
    // anything yet. The API server fetches the realm's keys in the background: retried.
    let started = std::time::Instant::now();
    let (_, _, stderr) = loop {
        let (success, stdout, stderr) = kubectl(&kubeconfig, &scratch, &["get", "pods"]);
        if !stderr.contains("Unauthorized") {
            break (success, stdout, stderr);
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "{stderr}\n{}",
            cluster.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    };
    assert!(
        stderr.contains("browser: signing in with Corp"),
        "the browser followed the Corp link: {stderr}"
    );
    assert!(
        stderr.ends_with(
            "Error from server (Forbidden): pods is forbidden: User \"ann\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"\n"
        ),
        "{stderr}"
    );
    let (success, whoami, stderr) = kubectl(
        &kubeconfig,
        &scratch,
        &[
            "auth",
            "whoami",
            "-o=jsonpath={.status.userInfo.username} {.status.userInfo.groups}",
        ],
    );
    assert!(success, "{stderr}");
    assert_eq!(
        whoami, r#"ann ["kubernetes:sre","system:authenticated"]"#,
        "the upstream's group, mapped"
    );

    // The cluster admin lets the group `sre` read pods (seed 001's kube-apiserver prefix).
    ok(&cluster.kubectl(&[
        "create",
        "role",
        "pod-reader",
        "--verb=get,list,watch",
        "--resource=pods",
        "-n",
        "default",
    ]));
    ok(&cluster.kubectl(&[
        "create",
        "rolebinding",
        "sre-reads-pods",
        "--role=pod-reader",
        "--group=kubernetes:sre",
        "-n",
        "default",
    ]));
    let (success, stdout, stderr) = kubectl(&kubeconfig, &scratch, &["get", "pods"]);
    assert!(success, "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(stderr, "No resources found in default namespace.\n");
    let (success, _, stderr) = kubectl(&kubeconfig, &scratch, &["get", "secrets"]);
    assert!(!success);
    assert!(
        stderr.ends_with(
            "Error from server (Forbidden): secrets is forbidden: User \"ann\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\"\n"
        ),
        "{stderr}"
    );

    // Upstream, ann leaves sre: the next refresh (forced here, instead of waiting for the ID
    // token to expire) reads the upstream's groups again, and RBAC no longer allows.
    let users = json!({"ann": {"password": "unused", "claims": {
        "preferred_username": "ann", "email": "ann@corp.example", "email_verified": true,
        "given_name": "Ann", "groups": ["staff"], "dept": "platform"}}});
    std::fs::write(&users_file, users.to_string()).expect("write the users");
    let refreshing = login_kubeconfig(
        &cluster,
        &scratch,
        "refresh.kubeconfig",
        &["--force-refresh"],
    );
    let (success, _, stderr) = kubectl(&refreshing, &scratch, &["get", "pods"]);
    assert!(!success);
    assert!(
        !stderr.contains("browser:"),
        "refreshed without the browser: {stderr}"
    );
    assert!(
        stderr.ends_with(
            "Error from server (Forbidden): pods is forbidden: User \"ann\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"\n"
        ),
        "{stderr}"
    );
}
