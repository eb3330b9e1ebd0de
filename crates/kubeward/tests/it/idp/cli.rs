//! The administration commands: on a stopped data directory (import, export, apply twice,
//! tables, keys, roles of groups and users), and the same words on a running provider through
//! its admin REST API.

use std::process::Command;

use super::*;

fn kubeward(data: &Path, args: &[&str]) -> std::process::Output {
    Command::new(assert_cmd::cargo::cargo_bin("kubeward"))
        .arg("idp")
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .output()
        .expect("kubeward runs")
}

fn ok(output: std::process::Output) -> String {
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn import_apply_twice_export_and_tables() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = seed_realm_file();
    let file = file.to_str().unwrap();
    assert_eq!(
        ok(kubeward(&data, &["import", "-f", file])),
        "realm kubernetes imported\n"
    );
    let again = kubeward(&data, &["import", "-f", file]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
    assert_eq!(
        ok(kubeward(&data, &["apply", "-f", file])),
        "realm kubernetes: no changes\n"
    );
    // A YAML file that adds a user and, with --prune, drops the public client.
    let mut rep: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(seed_realm_file()).unwrap()).unwrap();
    rep["clients"]
        .as_array_mut()
        .unwrap()
        .retain(|c| c["clientId"] != "kubelogin");
    rep["users"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"username": "alice", "groups": ["/developers"]}));
    let yaml = dir.path().join("realm.yaml");
    std::fs::write(&yaml, serde_saphyr::to_string(&rep).unwrap()).unwrap();
    let yaml = yaml.to_str().unwrap();
    assert_eq!(
        ok(kubeward(&data, &["apply", "-f", yaml])),
        "user alice created\n"
    );
    assert_eq!(
        ok(kubeward(&data, &["apply", "-f", yaml, "--prune"])),
        "client kubelogin deleted\n"
    );
    assert_eq!(
        ok(kubeward(&data, &["apply", "-f", yaml, "--prune"])),
        "realm kubernetes: no changes\n"
    );
    let users = ok(kubeward(&data, &["user", "list", "-r", "kubernetes"]));
    let lines: Vec<&str> = users.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["USERNAME", "ENABLED", "EMAIL", "GROUPS", "ID"],
        "{users}"
    );
    let alice: Vec<&str> = lines
        .iter()
        .find(|l| l.starts_with("alice "))
        .expect("alice is listed")
        .split_whitespace()
        .collect();
    assert_eq!(alice[..3], ["alice", "true", "/developers"], "{users}");
    let clients = ok(kubeward(&data, &["client", "list", "-r", "kubernetes"]));
    let row: Vec<&str> = clients
        .lines()
        .find(|l| l.starts_with("kubernetes-client "))
        .expect("the client is listed")
        .split_whitespace()
        .collect();
    assert_eq!(
        row[..4],
        [
            "kubernetes-client",
            "confidential",
            "true",
            "authorization_code,password,client_credentials,device_code"
        ],
        "{clients}"
    );
    // Export, then import into a fresh directory: the same password still works.
    let exported = ok(kubeward(&data, &["export", "-r", "kubernetes"]));
    assert!(!exported.contains(PASSWORD));
    assert!(exported.contains("$argon2id$"));
    let out = dir.path().join("export.json");
    std::fs::write(&out, &exported).unwrap();
    let other = dir.path().join("other");
    ok(kubeward(&other, &["import", "-f", out.to_str().unwrap()]));
    // Keys rotate offline; both keys are listed.
    ok(kubeward(
        &data,
        &["keys", "rotate", "-r", "kubernetes", "--algorithm", "ES256"],
    ));
    let keys = ok(kubeward(&data, &["keys", "list", "-r", "kubernetes"]));
    assert!(keys.contains("ES256       active"), "{keys}");
    // Errors are clear.
    let missing = kubeward(&data, &["user", "list", "-r", "nope"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("realm \"nope\" not found"));
}

#[test]
fn rotated_keys_sign_new_tokens_and_old_keys_stay_published() {
    let idp = Idp::start();
    let (_, before) = idp.password_grant("test", PASSWORD, SECRET);
    let old = header(before["id_token"].as_str().unwrap());
    assert_eq!(old["alg"], "RS256");
    let dir = idp.stop();
    let data = dir.path().join("data");
    let said = ok(kubeward(
        &data,
        &["keys", "rotate", "-r", "kubernetes", "--algorithm", "EdDSA"],
    ));
    assert!(
        said.starts_with("realm kubernetes: new signing key "),
        "{said}"
    );
    let idp = Idp::start_in(dir, &[], &[]);
    let (status, after) = idp.password_grant("test", PASSWORD, SECRET);
    assert_eq!(status, 200);
    let new = header(after["id_token"].as_str().unwrap());
    assert_eq!(new["alg"], "EdDSA");
    assert_ne!(new["kid"], old["kid"]);
    let (_, jwks) = idp.curl(&[&format!(
        "{}/protocol/openid-connect/certs",
        idp.issuer("kubernetes")
    )]);
    let kids: Vec<Value> = json(&jwks)["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].clone())
        .collect();
    assert_eq!(kids, vec![old["kid"].clone(), new["kid"].clone()]);
    // Refresh tokens are signed with the realm's HS512 secret, which rotated too and is never
    // published.
    let old_refresh = header(before["refresh_token"].as_str().unwrap());
    let new_refresh = header(after["refresh_token"].as_str().unwrap());
    assert_eq!(new_refresh["alg"], "HS512");
    assert_ne!(new_refresh["kid"], old_refresh["kid"]);
    assert!(!kids.contains(&new_refresh["kid"]) && !kids.contains(&old_refresh["kid"]));
    // The refresh token signed by the old secret still works.
    let (status, body) = idp.post_form(
        "/realms/kubernetes/protocol/openid-connect/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", before["refresh_token"].as_str().unwrap()),
            ("client_id", "kubernetes-client"),
            ("client_secret", SECRET),
        ],
    );
    assert_eq!(status, 200, "{body}");
}

/// Roles given to groups and users by `kubeward idp group|user add-roles|remove-roles`, read
/// back as tables: the same words and the same answers offline and online.
fn give_roles(k: &dyn Fn(&str) -> std::process::Output) {
    ok(k("role create -r kubernetes auditor"));
    ok(k(
        "role create -r kubernetes viewer --client kubernetes-client",
    ));
    let steps = [
        (
            "group add-roles -r kubernetes developers auditor",
            "group developers: auditor added\n",
        ),
        (
            "group add-roles -r kubernetes /developers viewer --client kubernetes-client",
            "group /developers: viewer of client kubernetes-client added\n",
        ),
        (
            "group remove-roles -r kubernetes developers k8s-user",
            "group developers: k8s-user removed\n",
        ),
        (
            "group roles -r kubernetes developers",
            "ROLE      CLIENT\nauditor\nviewer    kubernetes-client\n",
        ),
        (
            "group list -r kubernetes",
            "PATH          MEMBERS   REALM ROLES   CLIENT ROLES\n\
             /developers   1         auditor       kubernetes-client:viewer\n",
        ),
        (
            "user add-roles -r kubernetes test k8s-user",
            "user test: k8s-user added\n",
        ),
        (
            "user roles -r kubernetes test",
            "ROLE       CLIENT\nk8s-user\nadmin      kubernetes-client\n",
        ),
    ];
    for (words, printed) in steps {
        assert_eq!(ok(k(words)), printed, "{words}");
    }
    let missing = k("group add-roles -r kubernetes developers nope");
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("role \"nope\" not found"));
}

/// The roles `give_roles` gave are in `test`'s access token.
fn assert_roles_in_token(idp: &Idp) {
    let (status, token) = idp.password_grant("test", PASSWORD, SECRET);
    assert_eq!(status, 200, "{token}");
    let access = claims(token["access_token"].as_str().unwrap());
    assert_eq!(
        access["realm_access"]["roles"],
        serde_json::json!(["auditor", "k8s-user"])
    );
    assert_eq!(
        access["resource_access"]["kubernetes-client"]["roles"],
        serde_json::json!(["admin", "viewer"])
    );
}

#[test]
fn roles_given_to_groups_and_users_offline_reach_their_tokens() {
    let dir = Idp::start().stop();
    let data = dir.path().join("data");
    // `kubeward idp <words> --data-dir …` (no word has a space).
    give_roles(&|words: &str| kubeward(&data, &words.split(' ').collect::<Vec<_>>()));
    assert_roles_in_token(&Idp::start_in(dir, &[], &[]));
}

/// `kubeward idp <words> --data-dir <data>` run from another directory, with standard input.
fn kubeward_in(cwd: &Path, data: &Path, words: &str, stdin: &str) -> std::process::Output {
    use std::io::Write as _;
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("kubeward"))
        .current_dir(cwd)
        .arg("idp")
        .args(words.split(' '))
        .arg("--data-dir")
        .arg(data)
        .env_remove("KC_BOOTSTRAP_ADMIN_USERNAME")
        .env_remove("KC_BOOTSTRAP_ADMIN_PASSWORD")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("kubeward runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().expect("kubeward runs")
}

#[test]
fn a_running_provider_is_administered_through_its_admin_api() {
    let idp = Idp::start();
    let elsewhere = tempfile::tempdir().unwrap();
    let k = |words: &str| kubeward_in(elsewhere.path(), &idp.data_dir, words, "");
    // The store is locked by the running provider: the command says where it goes instead.
    let said = k("realm list");
    assert!(
        String::from_utf8_lossy(&said.stderr).contains(&format!(
            "administering it through its admin REST API at {} as admin",
            idp.url
        )),
        "{}",
        String::from_utf8_lossy(&said.stderr)
    );
    let realms = ok(said);
    assert!(
        realms.starts_with(
            "NAME         ENABLED   CLIENTS   USERS   GROUPS
"
        ),
        "{realms}"
    );
    assert!(realms.contains("\nkubernetes   true      "), "{realms}");
    // Roles reach tokens at once, without a restart.
    give_roles(&k);
    assert_roles_in_token(&idp);
    // A new confidential client, a new user with a password from standard input in a group:
    // the password grant works for them right away.
    assert_eq!(
        ok(k("client create -r kubernetes ops --secret ops-secret")),
        "client ops created\n"
    );
    assert_eq!(ok(k("client secret -r kubernetes ops")), "ops-secret\n");
    let regenerated = ok(k("client secret -r kubernetes ops --regenerate"));
    assert_ne!(regenerated.trim(), "ops-secret");
    assert_eq!(
        ok(kubeward_in(
            elsewhere.path(),
            &idp.data_dir,
            "user create -r kubernetes Minjun --password-stdin --group developers",
            "minjun-password\n",
        )),
        "user minjun created\n"
    );
    let users = ok(k("user list -r kubernetes"));
    let minjun: Vec<&str> = users
        .lines()
        .find(|l| l.starts_with("minjun "))
        .unwrap_or_else(|| panic!("minjun is listed:\n{users}"))
        .split_whitespace()
        .collect();
    assert_eq!(minjun[..3], ["minjun", "true", "/developers"], "{users}");
    let (status, token) = idp.password_grant("minjun", "minjun-password", SECRET);
    assert_eq!(status, 200, "{token}");
    let groups = &claims(token["access_token"].as_str().unwrap())["groups"];
    assert_eq!(groups[0], "developers", "{groups}");
    assert_eq!(
        ok(k("user delete -r kubernetes minjun")),
        "user minjun deleted\n"
    );
    let (status, _) = idp.password_grant("minjun", "minjun-password", SECRET);
    assert_eq!(status, 401);
    // The same through --server with the admin's password in a file.
    let password = elsewhere.path().join("admin-password");
    std::fs::write(&password, idp.admin_password()).unwrap();
    let explicit = Command::new(assert_cmd::cargo::cargo_bin("kubeward"))
        .current_dir(elsewhere.path())
        .args([
            "idp",
            "group",
            "create",
            "-r",
            "kubernetes",
            "ops",
            "--server",
        ])
        .arg(&idp.url)
        .arg("--password-file")
        .arg(&password)
        .arg("--certificate-authority")
        .arg(idp.ca())
        .output()
        .unwrap();
    assert_eq!(ok(explicit), "group ops created\n");
    assert!(ok(k("group list -r kubernetes")).contains("\n/ops          0"));
    // Errors from the provider are the provider's, and a wrong password says who failed.
    let again = k("group create -r kubernetes ops");
    assert_eq!(again.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&again.stderr)
            .contains("the identity provider refused: 409 Conflict: Top level group named 'ops' already exists."),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    std::fs::write(&password, "wrong").unwrap();
    let refused = Command::new(assert_cmd::cargo::cargo_bin("kubeward"))
        .current_dir(elsewhere.path())
        .args(["idp", "realm", "list", "--server"])
        .arg(&idp.url)
        .arg("--password-file")
        .arg(&password)
        .arg("--certificate-authority")
        .arg(idp.ca())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(&format!("signing in to {} as admin failed: 401", idp.url)),
        "{stderr}"
    );
    // The commands the admin API cannot do say so.
    let export = k("export -r kubernetes");
    assert!(
        String::from_utf8_lossy(&export.stderr)
            .contains("`kubeward idp export` works on a stopped data directory"),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
}
