//! The identity provider's admin console: seed 001's realm built in headless Chromium (without
//! JavaScript) through the pages alone, then the user it made signs in with the real kubectl
//! (kubelogin's exec block, the secret the console showed) against a `kubeward up` that trusts
//! that realm; and the console's guards: sign-in required, admins only, the CSRF token, same-site
//! forms, sign-out.

use std::path::Path;
use std::process::Command;

use kubeward_testkit::cluster::{Cluster, ok};
use serde_json::Value;

use crate::idp::{curl, json};
use crate::support::{self, repo};

/// A port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `kubeward up` whose API server trusts the realm `seed` of its own provider (seed 001's
/// kube-apiserver flags).
fn up_trusting_seed() -> (Cluster, String) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let idp = format!("https://127.0.0.1:{port}");
    let ca = dir.path().join("data/pki/ca.crt");
    let extra: Vec<String> = [
        format!("--idp-port=127.0.0.1:{port}"),
        format!("--oidc-issuer-url={idp}/realms/seed"),
        "--oidc-client-id=kubernetes-client".into(),
        "--oidc-username-claim=preferred_username".into(),
        "--oidc-username-prefix=-".into(),
        "--oidc-groups-claim=groups".into(),
        "--oidc-groups-prefix=kubernetes:".into(),
        format!("--oidc-ca-file={}", ca.display()),
    ]
    .into();
    (Cluster::up_with(dir, &extra), idp)
}

/// The admin password `up` generated.
fn admin_password(data: &Path) -> String {
    std::fs::read_to_string(data.join("idp-admin-password"))
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn seed_001_built_in_the_console_signs_in_with_kubectl() {
    let (cluster, idp) = up_trusting_seed();
    assert!(
        cluster
            .banner
            .contains(&format!("IdP admin console: {idp}/admin/console/")),
        "{}",
        cluster.banner
    );
    let script = repo().join("crates/kubeward/tests/it/console/seed_001.mjs");
    let output = Command::new("/usr/bin/node")
        .arg(&script)
        .env("CONSOLE", format!("{idp}/admin/console/"))
        .env("ADMIN_PASSWORD", admin_password(&cluster.data_dir))
        .env(
            "PLAYWRIGHT",
            repo().join("testpeers/node_modules/playwright-core/index.mjs"),
        )
        .output()
        .expect("node is installed (with playwright-core from testpeers/)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the console script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = json(stdout.lines().last().expect("a JSON line"));
    let secret = answer["secret"].as_str().unwrap().to_string();
    let events: Vec<&str> = answer["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        events,
        [
            "user test: admin (client kubernetes-client) assigned",
            "user test: joined /developers",
            "user test",
            "group /developers",
            "client kubernetes-client: role admin",
            "client kubernetes-client: secret regenerated",
            "client kubernetes-client",
            "realm seed",
        ]
    );

    // The API server fetches the new realm's keys as kube-apiserver does: again every 10 s
    // until the realm exists.
    wait_for_keys(&cluster, &format!("{idp}/realms/seed"));

    // The seed's kubeconfig user (kubelogin's flags), with the secret the console showed.
    let kubeconfig = cluster.scratch("test.kubeconfig");
    let ca = cluster.data_dir.join("pki/ca.crt");
    let set = |args: &[&str]| {
        ok(&Command::new("kubectl")
            .arg(format!("--kubeconfig={}", kubeconfig.display()))
            .args(args)
            .output()
            .unwrap())
    };
    set(&[
        "config",
        "set-cluster",
        "seed",
        &format!("--server={}", cluster.server),
        &format!("--certificate-authority={}", ca.display()),
        "--embed-certs",
    ]);
    set(&[
        "config",
        "set-credentials",
        "keycloak-user",
        "--exec-api-version=client.authentication.k8s.io/v1beta1",
        "--exec-command=kubectl",
        "--exec-arg=oidc-login",
        "--exec-arg=get-token",
        &format!("--exec-arg=--oidc-issuer-url={idp}/realms/seed"),
        "--exec-arg=--oidc-client-id=kubernetes-client",
        &format!("--exec-arg=--oidc-client-secret={secret}"),
        &format!("--exec-arg=--certificate-authority={}", ca.display()),
        "--exec-arg=--grant-type=password",
        "--exec-arg=--username=test",
        "--exec-arg=--password=test-password",
    ]);
    set(&[
        "config",
        "set-context",
        "seed",
        "--cluster=seed",
        "--user=keycloak-user",
    ]);
    set(&["config", "use-context", "seed"]);
    let home = cluster.scratch("home");
    std::fs::create_dir_all(&home).unwrap();
    let whoami = Command::new("kubectl")
        .arg(format!("--kubeconfig={}", kubeconfig.display()))
        .args(["auth", "whoami", "-o", "json"])
        .env("PATH", support::path_with(&[]))
        .env("HOME", &home)
        .output()
        .unwrap();
    let review: Value = json(&ok(&whoami));
    assert_eq!(review["status"]["userInfo"]["username"], "test");
    let groups = review["status"]["userInfo"]["groups"].to_string();
    assert!(groups.contains("\"kubernetes:developers\""), "{groups}");
}

/// Waits (up to a minute) until `up`'s log says the keys of `issuer` were fetched.
fn wait_for_keys(cluster: &Cluster, issuer: &str) {
    let log = cluster.scratch("kubeward.log");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text
            .lines()
            .any(|l| l.contains("oidc: keys fetched") && l.contains(issuer))
        {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the keys of {issuer} were never fetched:\n{text}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// Signs in with curl; returns the cookie jar's path, or the status of a refused sign-in.
fn sign_in(dir: &Path, idp: &str, ca: &Path, user: &str, password: &str) -> Result<String, u16> {
    let jar = dir.join(format!("{user}.cookies"));
    let jar = jar.to_str().unwrap().to_string();
    let (status, page) = curl(
        ca,
        &["-c", &jar, "-b", &jar, &format!("{idp}/admin/console/")],
    );
    assert_eq!(status, 200, "{page}");
    let token = csrf_of(&page);
    let (status, _) = curl(
        ca,
        &[
            "-c",
            &jar,
            "-b",
            &jar,
            &format!("{idp}/admin/console/login"),
            "--data-urlencode",
            &format!("csrf={token}"),
            "--data-urlencode",
            &format!("username={user}"),
            "--data-urlencode",
            &format!("password={password}"),
        ],
    );
    if status == 303 { Ok(jar) } else { Err(status) }
}

/// The first CSRF token of a page.
fn csrf_of(page: &str) -> String {
    let (_, rest) = page
        .split_once("name=\"csrf\" value=\"")
        .unwrap_or_else(|| panic!("a form with a token in:\n{page}"));
    rest.split('"').next().unwrap().to_string()
}

#[test]
fn the_console_lets_in_admins_only_and_checks_every_form() {
    let cluster = Cluster::up();
    let idp = cluster.idp.clone();
    let ca = cluster.data_dir.join("pki/ca.crt");
    let dir = cluster.dir.path();
    let create = |jar: Option<&str>, token: &str, extra: &[&str]| {
        let mut args: Vec<String> = Vec::new();
        if let Some(jar) = jar {
            args.extend(["-b".into(), jar.to_string()]);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        args.extend([
            format!("{idp}/admin/console/realms"),
            "--data-urlencode".into(),
            format!("csrf={token}"),
            "--data-urlencode".into(),
            "name=intruders".into(),
        ]);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        curl(&ca, &refs)
    };

    // Signed out: every page and form leads to the sign-in page.
    let (status, _) = curl(&ca, &[&format!("{idp}/admin/console/realms/master/users")]);
    assert_eq!(status, 303);
    assert_eq!(create(None, "x", &[]).0, 303);
    // A wrong password, and a user who is not an admin, are refused.
    assert_eq!(sign_in(dir, &idp, &ca, "admin", "wrong"), Err(401));
    let made = support::kubeward(&[
        "idp",
        "user",
        "create",
        "-r",
        "master",
        "mallory",
        "--password-stdin",
        "--data-dir",
        cluster.data_dir.to_str().unwrap(),
    ])
    .write_stdin("mallory-password\n")
    .output()
    .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    assert_eq!(
        sign_in(dir, &idp, &ca, "mallory", "mallory-password"),
        Err(401)
    );

    // The admin is in; a form without the session's token, or from another site, is refused.
    let jar = sign_in(dir, &idp, &ca, "admin", &admin_password(&cluster.data_dir)).unwrap();
    let (status, page) = curl(&ca, &["-b", &jar, &format!("{idp}/admin/console/")]);
    assert_eq!(status, 200);
    assert!(page.contains("Signed in as admin"), "{page}");
    let token = csrf_of(&page);
    assert_eq!(create(Some(&jar), "forged", &[]).0, 403);
    assert_eq!(
        create(Some(&jar), &token, &["-H", "Origin: https://evil.example"]).0,
        403
    );
    let (status, _) = create(Some(&jar), &token, &[]);
    assert_eq!(status, 303);
    let (_, page) = curl(&ca, &["-b", &jar, &format!("{idp}/admin/console/")]);
    assert!(page.contains("Realm intruders created."), "{page}");
    // Pages are not framed, not cached, and load nothing from elsewhere.
    let (_, headers) = curl(
        &ca,
        &[
            "-b",
            &jar,
            "-D",
            "-",
            "-o",
            "/dev/null",
            &format!("{idp}/admin/console/"),
        ],
    );
    let headers = headers.to_lowercase();
    assert!(headers.contains("x-frame-options: deny"), "{headers}");
    assert!(headers.contains("cache-control: no-store"), "{headers}");
    assert!(
        headers.contains("content-security-policy: default-src 'none'"),
        "{headers}"
    );

    // Signing out ends the session.
    let (status, _) = curl(
        &ca,
        &[
            "-b",
            &jar,
            &format!("{idp}/admin/console/logout"),
            "--data-urlencode",
            &format!("csrf={token}"),
        ],
    );
    assert_eq!(status, 303);
    assert_eq!(create(Some(&jar), &token, &[]).0, 303);
    let (_, page) = curl(&ca, &["-b", &jar, &format!("{idp}/admin/console/")]);
    assert!(page.contains("Sign in to the admin console"), "{page}");
}
