//! LDAP user federation against a real OpenLDAP (Debian's `slapd`, started here on loopback with
//! a small LDIF): python-keycloak configures the provider and its group mapper and syncs; the
//! seed 001 flow with an LDAP user whose LDAP group is bound in RBAC, through real kubectl; a
//! group change in LDAP reaches the next token; a wrong LDAP password is refused; LDAP down is a
//! clear error and the provider goes on serving.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kubeward_testkit::cluster::{Cluster, ok};
use serde_json::json;

use super::seed_001_cluster::{kubectl_with_token, whoami_once_accepted};
use super::*;

pub(super) const MINJI_PASSWORD: &str = "minji-ldap-password";

/// A running slapd on 127.0.0.1; killed when dropped.
pub(super) struct Slapd {
    child: Child,
    /// The URL the provider is given: `ldap://…`, or `ldaps://…` when started with TLS.
    pub(super) url: String,
    /// A plain `ldap://…` URL for the test's own ldap-utils.
    plain: String,
    /// slapd's arguments (`-f slapd.conf -h <urls>`), to start it again.
    args: Vec<String>,
    dir: tempfile::TempDir,
}

/// A free port on 127.0.0.1.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

const LDIF: &str = "\
dn: dc=corp,dc=example
objectClass: dcObject
objectClass: organization
dc: corp
o: Corp

dn: ou=people,dc=corp,dc=example
objectClass: organizationalUnit
ou: people

dn: ou=groups,dc=corp,dc=example
objectClass: organizationalUnit
ou: groups

dn: uid=minji,ou=people,dc=corp,dc=example
objectClass: inetOrgPerson
objectClass: organizationalPerson
uid: minji
cn: Minji
sn: Kim
mail: minji@corp.example
userPassword: minji-ldap-password

dn: uid=jiho,ou=people,dc=corp,dc=example
objectClass: inetOrgPerson
objectClass: organizationalPerson
uid: jiho
cn: Jiho
sn: Park
mail: jiho@corp.example
userPassword: jiho-ldap-password

dn: cn=k8s-devs,ou=groups,dc=corp,dc=example
objectClass: groupOfNames
cn: k8s-devs
member: uid=minji,ou=people,dc=corp,dc=example
member: uid=jiho,ou=people,dc=corp,dc=example

dn: cn=sre,ou=groups,dc=corp,dc=example
objectClass: groupOfNames
cn: sre
member: uid=jiho,ou=people,dc=corp,dc=example
";

impl Slapd {
    pub(super) fn start() -> Self {
        Self::start_with(None)
    }

    /// With `tls` (a folder holding `issuer.crt`, `issuer.key` and `ca.crt`), slapd also
    /// serves `ldaps://` with that certificate, and `url` is that one.
    pub(super) fn start_with(tls: Option<&Path>) -> Self {
        assert!(
            Path::new("/usr/sbin/slapd").exists(),
            "Debian's slapd is installed (.ci/run installs it)"
        );
        let dir = tempfile::tempdir().expect("a temporary folder");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).expect("the database folder");
        let conf = dir.path().join("slapd.conf");
        std::fs::write(
            &conf,
            format!(
                "include /etc/ldap/schema/core.schema\n\
                 include /etc/ldap/schema/cosine.schema\n\
                 include /etc/ldap/schema/inetorgperson.schema\n\
                 modulepath /usr/lib/ldap\n\
                 moduleload back_mdb\n\
                 pidfile {pid}\n\
                 database mdb\n\
                 maxsize 10485760\n\
                 suffix \"dc=corp,dc=example\"\n\
                 rootdn \"cn=admin,dc=corp,dc=example\"\n\
                 rootpw admin-secret\n\
                 directory {data}\n\
                 {tls}",
                pid = dir.path().join("slapd.pid").display(),
                data = data.display(),
                tls = tls
                    .map(|t| format!(
                        "TLSCACertificateFile {}\nTLSCertificateFile {}\nTLSCertificateKeyFile {}\n",
                        t.join("ca.crt").display(),
                        t.join("issuer.crt").display(),
                        t.join("issuer.key").display()
                    ))
                    .unwrap_or_default()
            ),
        )
        .expect("write slapd.conf");
        let ldif = dir.path().join("corp.ldif");
        std::fs::write(&ldif, LDIF).expect("write the LDIF");
        let added = Command::new("/usr/sbin/slapadd")
            .arg("-f")
            .arg(&conf)
            .arg("-l")
            .arg(&ldif)
            .output()
            .expect("slapadd runs");
        assert!(
            added.status.success(),
            "slapadd: {}",
            String::from_utf8_lossy(&added.stderr)
        );
        let port = free_port();
        let plain = format!("ldap://127.0.0.1:{port}");
        let (url, listen) = match tls {
            Some(_) => {
                let secure = format!("ldaps://127.0.0.1:{}", free_port());
                (secure.clone(), format!("{plain}/ {secure}/"))
            }
            None => (plain.clone(), format!("{plain}/")),
        };
        let args = vec![
            "-f".to_string(),
            conf.display().to_string(),
            "-h".to_string(),
            listen,
        ];
        let child = Self::spawn(&args, &[&plain, &url]);
        Self {
            child,
            url,
            plain,
            args,
            dir,
        }
    }

    /// Starts slapd with `args` and waits until it listens on each of `urls`.
    fn spawn(args: &[String], urls: &[&str]) -> Child {
        // -d 0: in the foreground, so that the test owns the process.
        let child = Command::new("/usr/sbin/slapd")
            .args(args)
            .args(["-d", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("slapd starts");
        let started = Instant::now();
        for url in urls {
            let port: u16 = url
                .rsplit(':')
                .next()
                .and_then(|p| p.parse().ok())
                .expect("a port in the URL");
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "slapd listens on {url}"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        child
    }

    /// Stops slapd and starts it again on the same ports: the connections to it are closed.
    pub(super) fn restart(&mut self) {
        self.stop();
        self.child = Self::spawn(&self.args, &[&self.plain, &self.url]);
    }

    /// Runs ldapsearch as the directory's admin: the attribute values of the entry `dn`.
    pub(super) fn values(&self, dn: &str, attribute: &str) -> Vec<String> {
        let output = Command::new("ldapsearch")
            .args([
                "-x",
                "-LLL",
                "-H",
                &self.plain,
                "-D",
                "cn=admin,dc=corp,dc=example",
            ])
            .args(["-w", "admin-secret", "-s", "base", "-b", dn, attribute])
            .output()
            .expect("ldapsearch runs (Debian's ldap-utils)");
        assert!(
            output.status.success(),
            "ldapsearch: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let prefix = format!("{attribute}: ");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix(&prefix).map(str::to_string))
            .collect()
    }

    /// Whether `dn` binds with `password` (ldapwhoami).
    pub(super) fn binds(&self, dn: &str, password: &str) -> bool {
        Command::new("ldapwhoami")
            .args(["-x", "-H", &self.plain, "-D", dn, "-w", password])
            .output()
            .expect("ldapwhoami runs (Debian's ldap-utils)")
            .status
            .success()
    }

    /// Runs ldapmodify as the directory's admin with this LDIF change.
    pub(super) fn modify(&self, change: &str) {
        let file = self.dir.path().join("change.ldif");
        std::fs::write(&file, change).expect("write the change");
        let output = Command::new("ldapmodify")
            .args(["-x", "-H", &self.plain, "-D", "cn=admin,dc=corp,dc=example"])
            .args(["-w", "admin-secret", "-f"])
            .arg(&file)
            .output()
            .expect("ldapmodify runs (Debian's ldap-utils)");
        assert!(
            output.status.success(),
            "ldapmodify: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    pub(super) fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.stop();
    }
}

fn groups_of(token: &str) -> Vec<String> {
    claims(token)["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g.as_str().map(str::to_string))
        .collect()
}

#[test]
fn ldap_users_and_groups_reach_kubernetes_and_ldap_down_is_a_clear_error() {
    let mut slapd = Slapd::start();
    let idp = Idp::start();

    let configured = python_keycloak(
        "keycloak_federation.py",
        &idp,
        &[("LDAP_URL", &slapd.url), ("LDAP_PASSWORD", MINJI_PASSWORD)],
    );
    eprintln!("{configured:#}");
    assert_eq!(
        configured["default_mappers"],
        json!([
            "creation date",
            "email",
            "first name",
            "last name",
            "modify date",
            "username"
        ])
    );
    assert_eq!(configured["secret_shown"], json!(["**********"]));
    assert_eq!(configured["bad_url"][0], 400);
    assert_eq!(configured["unknown_field"][0], 400);
    assert_eq!(configured["sync"]["added"], 2, "minji and jiho");
    assert_eq!(configured["sync"]["failed"], 0);
    assert_eq!(
        configured["sync"]["status"],
        "2 imported users, 0 updated users, 0 removed users"
    );
    assert_eq!(configured["again"]["added"], 0);
    assert_eq!(configured["again"]["updated"], 0);
    assert_eq!(configured["federation_link_is_provider"], true);
    assert_eq!(configured["email"], "minji@corp.example");
    assert_eq!(configured["first_name"], "Minji");
    assert_eq!(
        configured["ldap_dn"],
        json!(["uid=minji,ou=people,dc=corp,dc=example"])
    );
    assert_eq!(configured["groups"], json!(["k8s-devs"]));
    assert_eq!(
        configured["read_only_update"],
        json!([400, {"errorMessage": "User is read only!"}])
    );
    assert_eq!(
        configured["read_only_password"],
        json!([400, {"errorMessage": "Can't reset password as account is read only"}])
    );
    assert_eq!(configured["userinfo"]["preferred_username"], "minji");
    assert_eq!(configured["wrong_password"][0], 401);
    assert_eq!(
        configured["wrong_password"][1]["error_description"],
        "Invalid user credentials"
    );
    assert_eq!(configured["unknown_user"][0], 401);

    // Seed 001 with the LDAP user: her LDAP group is bound in RBAC.
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
    let (status, body) = idp.password_grant("minji", MINJI_PASSWORD, SECRET);
    assert_eq!(status, 200, "{body}");
    let token = body["id_token"].as_str().unwrap().to_string();
    assert!(groups_of(&token).contains(&"k8s-devs".to_string()));
    let whoami = whoami_once_accepted(&cluster, &token);
    assert!(whoami.contains("minji"), "{whoami}");
    assert!(whoami.contains("kubernetes:k8s-devs"), "{whoami}");
    let (success, out) = kubectl_with_token(&cluster, &token, &["get", "namespace", "default"]);
    assert!(!success, "{out}");
    assert!(
        out.contains(r#"User "minji" cannot get resource "namespaces""#),
        "{out}"
    );
    ok(&cluster.kubectl(&[
        "create",
        "clusterrolebinding",
        "k8s-devs-view",
        "--clusterrole=view",
        "--group=kubernetes:k8s-devs",
    ]));
    ok(&cluster.kubectl(&[
        "create",
        "clusterrole",
        "namespace-reader",
        "--verb=get",
        "--resource=namespaces",
    ]));
    ok(&cluster.kubectl(&[
        "create",
        "clusterrolebinding",
        "k8s-devs-namespaces",
        "--clusterrole=namespace-reader",
        "--group=kubernetes:k8s-devs",
    ]));
    let (success, out) = kubectl_with_token(&cluster, &token, &["get", "namespace", "default"]);
    assert!(success, "{out}");

    // Minji leaves k8s-devs in LDAP: her next login says so, and Kubernetes follows.
    slapd.modify(
        "dn: cn=k8s-devs,ou=groups,dc=corp,dc=example\nchangetype: modify\ndelete: member\nmember: uid=minji,ou=people,dc=corp,dc=example\n",
    );
    let (status, body) = idp.password_grant("minji", MINJI_PASSWORD, SECRET);
    assert_eq!(status, 200, "{body}");
    let token = body["id_token"].as_str().unwrap().to_string();
    assert!(!groups_of(&token).contains(&"k8s-devs".to_string()));
    let (success, out) = kubectl_with_token(&cluster, &token, &["get", "namespace", "default"]);
    assert!(!success, "{out}");
    assert!(out.contains("forbidden"), "{out}");

    // A wrong LDAP password.
    let (status, body) = idp.password_grant("minji", "not-her-password", SECRET);
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "invalid_grant");

    // Periodic sync: every second, a user added in LDAP appears without logging in.
    let (status, body) = idp.admin("GET", "kubernetes/components?name=corp-ldap", None);
    assert_eq!(status, 200, "{body}");
    let mut component = json(&body)[0].clone();
    let id = component["id"].as_str().unwrap().to_string();
    component["config"]["fullSyncPeriod"] = json!(["1"]);
    let (status, body) = idp.admin(
        "PUT",
        &format!("kubernetes/components/{id}"),
        Some(&component.to_string()),
    );
    assert_eq!(status, 204, "{body}");
    slapd.modify(
        "dn: uid=seoyeon,ou=people,dc=corp,dc=example
changetype: add
objectClass: inetOrgPerson
objectClass: organizationalPerson
uid: seoyeon
cn: Seoyeon
sn: Lee
userPassword: seoyeon-ldap-password
",
    );
    let started = Instant::now();
    loop {
        let (status, body) = idp.admin("GET", "kubernetes/users?username=seoyeon&exact=true", None);
        assert_eq!(status, 200, "{body}");
        if json(&body).as_array().is_some_and(|a| a.len() == 1) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the periodic sync did not import seoyeon"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // The connections are pooled, as Keycloak pools them: logins one after the other reuse
    // the provider's connection and the password binds' instead of a new one each.
    for _ in 0..5 {
        let (status, body) = idp.password_grant("minji", MINJI_PASSWORD, SECRET);
        assert_eq!(status, 200, "{body}");
    }
    let port = slapd.plain.rsplit(':').next().unwrap().to_string();
    let ss = Command::new("ss")
        .args(["-Htn", "state", "established"])
        .arg(format!("( dport = :{port} )"))
        .output()
        .expect("ss runs (iproute2)");
    let open = String::from_utf8_lossy(&ss.stdout).lines().count();
    assert!(
        (1..=4).contains(&open),
        "kept open to slapd after 5 logins: {open}"
    );
    // A pooled connection the server closed (slapd restarted) is replaced at the next login.
    slapd.restart();
    let (status, body) = idp.password_grant("minji", MINJI_PASSWORD, SECRET);
    assert_eq!(status, 200, "after slapd restarted: {body}");

    // LDAP down: a clear error, and the provider goes on serving.
    slapd.stop();
    let (status, body) = idp.password_grant("minji", MINJI_PASSWORD, SECRET);
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "temporarily_unavailable");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap_or("")
            .contains("LDAP"),
        "{body}"
    );
    let (status, body) = idp.admin(
        "POST",
        &format!("kubernetes/user-storage/{id}/sync?action=triggerFullSync"),
        None,
    );
    assert_eq!(status, 502, "{body}");
    assert!(
        json(&body)["errorMessage"]
            .as_str()
            .unwrap_or("")
            .contains(&format!("LDAP server {} cannot be reached", slapd.url)),
        "{body}"
    );
    // A local user still logs in.
    let (status, body) = idp.password_grant("test", PASSWORD, SECRET);
    assert_eq!(status, 200, "{body}");
}

#[test]
fn ldap_users_without_import_are_read_from_ldap_at_each_login_and_never_stored() {
    let slapd = Slapd::start();
    let idp = Idp::start();
    let env = [
        ("LDAP_URL", slapd.url.as_str()),
        ("LDAP_PASSWORD", MINJI_PASSWORD),
    ];
    let r = python_keycloak("keycloak_federation_noimport.py", &idp, &env);
    eprintln!("{r:#}");
    assert_eq!(
        r["unsynced_refused"],
        json!([400, {"errorMessage": "Can not disable Importing users when LDAP provider mode is UNSYNCED"}])
    );
    // Keycloak ignores the sync of a provider that does not import.
    assert_eq!(r["sync"]["ignored"], true);
    assert_eq!(r["sync"]["added"], 0);
    // The admin API reads LDAP as Keycloak's does: searches (paged after the realm's own
    // users), counts and lookups by id find LDAP's users before any login.
    let storage_id = r["storage_id"].as_str().unwrap();
    let sub = r["userinfo"]["sub"].as_str().unwrap();
    assert!(sub.starts_with(&format!("f:{storage_id}:")), "{sub}");
    assert_eq!(
        r["users_before_login"],
        json!([[sub, "minji", "minji@corp.example"]]),
        "her federated id, the one her tokens carry"
    );
    assert_eq!(r["by_id_before_login"], "minji");
    // In LDAP's order (slapd's), the same page by page.
    let mut found: Vec<&str> = r["search"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        r["search_pages"],
        json!([[found[0]], [found[1]], []]),
        "{}",
        r["search"]
    );
    found.sort_unstable();
    assert_eq!(found, ["jiho", "minji"]);
    assert_eq!(r["count"], 5, "the seed realm's 3 users and LDAP's 2");
    assert_eq!(r["count_search"], 2);
    assert_eq!(r["email_exact"], json!(["jiho"]));
    assert_eq!(r["unknown_id"], json!([404, {"error": "User not found"}]));
    // Her login reads her from LDAP: Keycloak's federated id, her LDAP group in the token.
    assert_eq!(r["userinfo"]["email"], "minji@corp.example");
    assert!(groups_of(r["id_token"].as_str().unwrap()).contains(&"k8s-devs".to_string()));
    assert_eq!(r["refreshed"], "minji");
    assert_eq!(r["found_after_login"], json!([sub]));
    assert_eq!(r["by_id"]["federationLink"], storage_id);
    assert_eq!(r["wrong_password"][0], 401);

    // A change in LDAP is read at the next login; a user gone from LDAP is refused.
    slapd.modify(
        "dn: uid=minji,ou=people,dc=corp,dc=example\nchangetype: modify\nreplace: mail\nmail: minji.kim@corp.example\n",
    );
    slapd.modify("dn: uid=jiho,ou=people,dc=corp,dc=example\nchangetype: delete\n");
    let again = python_keycloak(
        "keycloak_federation_noimport.py",
        &idp,
        &[env[0], env[1], ("PHASE", "again")],
    );
    assert_eq!(again["userinfo"]["email"], "minji.kim@corp.example");
    assert_eq!(again["userinfo"]["sub"], json!(sub));
    assert_eq!(again["gone"][0], 401);

    // Never stored: after a restart she is read from LDAP again, by the admin API too.
    let idp = Idp::start_in(idp.stop(), &[], &[]);
    let (status, body) = idp.admin("GET", "kubernetes/users?username=minji&exact=true", None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)[0]["id"], json!(sub), "{body}");
    let (status, body) = idp.admin("GET", "kubernetes/users?username=jiho&exact=true", None);
    assert_eq!(
        (status, json(&body)),
        (200, json!([])),
        "gone from LDAP: {body}"
    );
    let (status, body) = idp.password_grant("minji", MINJI_PASSWORD, SECRET);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["sub"],
        json!(sub)
    );
}
