//! Two `kubeward idp serve` replicas on one 3-member etcd, behind one public URL (reached each
//! on its own port with curl's `--connect-to`): a refresh family's reuse detection is exact
//! across them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use kubeward_testkit::etcd::EtcdCluster;
use kubeward_testkit::process::{Process, Stream};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use serde_json::Value;

use super::{PASSWORD, SECRET, curl, json, seed_realm_file};

/// The address both replicas answer for, as a load balancer in front of them would.
const PUBLIC_HOST: &str = "idp.replicas.test";

/// A running replica; killed when dropped.
struct Replica {
    _process: Process,
    port: u16,
}

/// A CA and a serving certificate for [`PUBLIC_HOST`], written to `dir`.
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "replicas test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec![PUBLIC_HOST.to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let paths = (dir.join("ca.crt"), dir.join("idp.crt"), dir.join("idp.key"));
    std::fs::write(&paths.0, ca.pem()).unwrap();
    std::fs::write(&paths.1, cert.pem()).unwrap();
    std::fs::write(&paths.2, key.serialize_pem()).unwrap();
    paths
}

/// Starts a replica in `data_dir` on etcd `servers`, serving `cert`/`key` as the public host on
/// a port of its choosing.
fn start(data_dir: &Path, servers: &str, cert: &Path, key: &Path) -> Replica {
    let mut command = Command::new(kubeward_testkit::kubeward_binary());
    command
        .args(["idp", "serve", "--listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--import-realm")
        .arg(seed_realm_file())
        .arg("--tls-cert-file")
        .arg(cert)
        .arg("--tls-private-key-file")
        .arg(key)
        .arg(format!("--public-url=https://{PUBLIC_HOST}"))
        .arg(format!("--etcd-servers={servers}"))
        .env("RUST_LOG", "warn")
        .env_remove("KC_BOOTSTRAP_ADMIN_USERNAME")
        .env_remove("KC_BOOTSTRAP_ADMIN_PASSWORD")
        .stderr(Stdio::inherit());
    let process = Process::start(command, Stream::Stdout, Duration::from_secs(60), |line| {
        line == "Ready."
    });
    let port = process
        .printed
        .lines()
        .find_map(|line| line.strip_prefix("IdP listening on:"))
        .and_then(|address| address.trim().rsplit(':').next()?.parse().ok())
        .expect("the banner names the address behind the public URL");
    Replica {
        _process: process,
        port,
    }
}

/// A form POST to the token endpoint of the seed realm through `replica`: (status, JSON).
fn token(ca: &Path, replica: &Replica, form: &[(&str, &str)]) -> (u16, Value) {
    let connect_to = format!("{PUBLIC_HOST}:443:127.0.0.1:{}", replica.port);
    let url = format!("https://{PUBLIC_HOST}/realms/kubernetes/protocol/openid-connect/token");
    let mut args: Vec<String> = vec!["--connect-to".into(), connect_to, url];
    for (k, v) in form {
        args.push("--data-urlencode".into());
        args.push(format!("{k}={v}"));
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (status, body) = curl(ca, &refs);
    (status, json(&body))
}

fn login(ca: &Path, replica: &Replica) -> String {
    login_tokens(ca, replica)["refresh_token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The password grant of the seed realm's user through `replica`.
fn login_tokens(ca: &Path, replica: &Replica) -> Value {
    let (status, tokens) = token(
        ca,
        replica,
        &[
            ("grant_type", "password"),
            ("client_id", "kubernetes-client"),
            ("client_secret", SECRET),
            ("username", "test"),
            ("password", PASSWORD),
            ("scope", "openid"),
        ],
    );
    assert_eq!(status, 200, "{tokens}");
    tokens
}

fn refresh(ca: &Path, replica: &Replica, refresh_token: &str) -> (u16, Value) {
    token(
        ca,
        replica,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", "kubernetes-client"),
            ("client_secret", SECRET),
        ],
    )
}

#[test]
fn reuse_detection_is_exact_across_replicas_on_one_etcd() {
    let etcd = EtcdCluster::start(3);
    let servers = etcd.endpoints().join(",");
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(dir.path());
    let a = start(&dir.path().join("a"), &servers, &cert, &key);
    // The first login makes the realm's keys; the second replica reads them from etcd.
    let r1 = login(&ca, &a);
    let b = start(&dir.path().join("b"), &servers, &cert, &key);

    // Refresh on one replica, replay the old token on the other: the family is revoked, on both.
    let (status, rotated) = refresh(&ca, &a, &r1);
    assert_eq!(status, 200, "{rotated}");
    let r2 = rotated["refresh_token"].as_str().unwrap().to_string();
    let (status, replay) = refresh(&ca, &b, &r1);
    assert_eq!(status, 400, "{replay}");
    assert_eq!(
        replay["error_description"],
        "Maximum allowed refresh token reuse exceeded"
    );
    for replica in [&a, &b] {
        let (status, after) = refresh(&ca, replica, &r2);
        assert_eq!(
            (status, after["error"].as_str()),
            (400, Some("invalid_grant")),
            "{after}"
        );
    }

    // One token redeemed on both replicas at once: one rotation wins, the other is reuse.
    for _ in 0..3 {
        let token = login(&ca, &b);
        let (first, second) = std::thread::scope(|scope| {
            let on_a = scope.spawn(|| refresh(&ca, &a, &token));
            let on_b = scope.spawn(|| refresh(&ca, &b, &token));
            (on_a.join().unwrap(), on_b.join().unwrap())
        });
        let statuses = [first.0, second.0];
        assert!(statuses.contains(&400), "{first:?} {second:?}");
        for (status, answer) in [first, second] {
            if status == 200 {
                let next = answer["refresh_token"].as_str().unwrap();
                let (status, _) = refresh(&ca, &a, next);
                assert_eq!(status, 400, "the race revoked the family");
            }
        }
    }

    // Keys rotated offline on the same etcd: both replicas sign with the new key, and each
    // redeems the refresh tokens the other signs with the new secret.
    let before = kid(&login_tokens(&ca, &a)["access_token"]);
    let rotated = Command::new(kubeward_testkit::kubeward_binary())
        .args([
            "idp",
            "keys",
            "rotate",
            "--realm",
            "kubernetes",
            "--data-dir",
        ])
        .arg(dir.path().join("admin"))
        .arg(format!("--etcd-servers={servers}"))
        .output()
        .unwrap();
    assert!(rotated.status.success(), "{rotated:?}");
    // Each replica hears of the new keys through its watch of etcd (at most 10 s here).
    let mut token = String::new();
    for replica in [&a, &b] {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let tokens = login_tokens(&ca, replica);
            if kid(&tokens["access_token"]) != before {
                token = tokens["refresh_token"].as_str().unwrap().to_string();
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the new key is not used"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    for replica in [&a, &b, &a] {
        let (status, tokens) = refresh(&ca, replica, &token);
        assert_eq!(status, 200, "{tokens}");
        assert_ne!(kid(&tokens["access_token"]), before);
        token = tokens["refresh_token"].as_str().unwrap().to_string();
    }
}

/// The `kid` of a JWT's header.
fn kid(token: &Value) -> String {
    use base64::Engine as _;
    let header = token.as_str().unwrap().split('.').next().unwrap();
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap();
    json(&String::from_utf8(header).unwrap())["kid"]
        .as_str()
        .unwrap()
        .to_string()
}

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const REDIRECT: &str = "http://127.0.0.1:43123/callback";

/// A request through `replica` with a cookie jar: (status, headers and body).
fn browse(ca: &Path, replica: &Replica, jar: &Path, args: &[&str]) -> (u16, String) {
    let connect_to = format!("{PUBLIC_HOST}:443:127.0.0.1:{}", replica.port);
    let jar = jar.to_str().unwrap();
    let mut all = vec!["-i", "-b", jar, "-c", jar, "--connect-to", &connect_to];
    all.extend_from_slice(args);
    curl(ca, &all)
}

fn form_action(page: &str) -> String {
    let start = page.find("action=\"").expect("a form") + "action=\"".len();
    let rest = &page[start..];
    rest[..rest.find('"').unwrap()]
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

fn code_of(response: &str) -> String {
    let location = response
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with("location: ")
                .then(|| l[10..].trim())
        })
        .unwrap_or_else(|| panic!("a redirect: {response}"));
    assert!(location.starts_with(REDIRECT), "{location}");
    let query = location.split_once('?').unwrap().1;
    let params: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    params
        .into_iter()
        .find_map(|(k, v)| (k == "code").then_some(v))
        .expect("a code")
}

fn exchange(ca: &Path, replica: &Replica, code: &str) -> (u16, Value) {
    token(
        ca,
        replica,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "kubelogin"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
}

fn password(ca: &Path, replica: &Replica, password: &str) -> (u16, Value) {
    token(
        ca,
        replica,
        &[
            ("grant_type", "password"),
            ("client_id", "kubernetes-client"),
            ("client_secret", SECRET),
            ("username", "test"),
            ("password", password),
        ],
    )
}

/// The admin REST API through `replica`, as the master realm's first admin.
fn admin(
    ca: &Path,
    replica: &Replica,
    admin_password: &str,
    method: &str,
    body: Option<&str>,
) -> (u16, String) {
    admin_at(ca, replica, admin_password, method, "", body)
}

/// [`admin`] at `path` under the realm's admin URL.
fn admin_at(
    ca: &Path,
    replica: &Replica,
    admin_password: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> (u16, String) {
    let connect_to = format!("{PUBLIC_HOST}:443:127.0.0.1:{}", replica.port);
    let url = format!("https://{PUBLIC_HOST}/realms/master/protocol/openid-connect/token");
    let (status, token) = curl(
        ca,
        &[
            "--connect-to",
            &connect_to,
            &url,
            "-d",
            "grant_type=password&client_id=admin-cli&username=admin",
            "--data-urlencode",
            &format!("password={admin_password}"),
        ],
    );
    assert_eq!(status, 200, "{token}");
    let bearer = format!(
        "Authorization: Bearer {}",
        json(&token)["access_token"].as_str().unwrap()
    );
    let url = format!("https://{PUBLIC_HOST}/admin/realms/kubernetes{path}");
    let mut args = vec![
        "--connect-to",
        &connect_to,
        "-X",
        method,
        "-H",
        &bearer,
        &url,
    ];
    if let Some(body) = body {
        args.extend(["-H", "Content-Type: application/json", "-d", body]);
    }
    curl(ca, &args)
}

#[test]
fn codes_logins_and_lockouts_are_shared_by_the_replicas_on_one_etcd() {
    let etcd = EtcdCluster::start(3);
    let servers = etcd.endpoints().join(",");
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(dir.path());
    let a = start(&dir.path().join("a"), &servers, &cert, &key);
    let b = start(&dir.path().join("b"), &servers, &cert, &key);
    let jar = dir.path().join("cookies");

    // A login started on A continues on B; B's code is redeemed on A, once.
    let authorize = format!(
        "https://{PUBLIC_HOST}/realms/kubernetes/protocol/openid-connect/auth?client_id=kubelogin&redirect_uri={}&response_type=code&scope=openid&state=s&code_challenge={CHALLENGE}&code_challenge_method=S256",
        &serde_urlencoded::to_string([("x", REDIRECT)]).unwrap()[2..]
    );
    let (status, page) = browse(&ca, &a, &jar, &[&authorize]);
    assert_eq!(status, 200, "{page}");
    let (status, answer) = browse(
        &ca,
        &b,
        &jar,
        &[
            &form_action(&page),
            "--data-urlencode",
            "username=test",
            "--data-urlencode",
            &format!("password={PASSWORD}"),
        ],
    );
    assert_eq!(status, 302, "the login begun on A goes on on B: {answer}");
    let code = code_of(&answer);
    let (status, tokens) = exchange(&ca, &a, &code);
    assert_eq!(status, 200, "{tokens}");
    for replica in [&b, &a] {
        let (status, again) = exchange(&ca, replica, &code);
        assert_eq!(
            (status, again["error_description"].as_str()),
            (400, Some("Code not valid")),
            "{again}"
        );
    }
    // The replay revoked what the first redemption issued (RFC 6749 §4.1.2).
    let (status, revoked) = refresh(&ca, &b, tokens["refresh_token"].as_str().unwrap());
    assert_eq!(status, 400, "{revoked}");

    // One code redeemed on both replicas at once: exactly one gets tokens.
    for _ in 0..3 {
        let (status, page) = browse(&ca, &b, &jar, &[&authorize]);
        let code = if status == 302 {
            code_of(&page)
        } else {
            panic!("the SSO cookie logs in at once: {page}")
        };
        let (first, second) = std::thread::scope(|scope| {
            let on_a = scope.spawn(|| exchange(&ca, &a, &code));
            let on_b = scope.spawn(|| exchange(&ca, &b, &code));
            (on_a.join().unwrap(), on_b.join().unwrap())
        });
        let mut statuses = [first.0, second.0];
        statuses.sort();
        assert_eq!(statuses, [200, 400], "{first:?} {second:?}");
    }

    // Brute-force detection counts the failures of both replicas: two lock the user.
    let admin_password = std::fs::read_to_string(dir.path().join("a/idp-admin-password"))
        .expect("A bootstrapped the master realm")
        .trim()
        .to_string();
    let (status, body) = admin(
        &ca,
        &a,
        &admin_password,
        "PUT",
        Some(
            r#"{"bruteForceProtected":true,"failureFactor":2,"waitIncrementSeconds":600,"maxFailureWaitSeconds":900,"maxDeltaTimeSeconds":43200}"#,
        ),
    );
    assert_eq!(status, 204, "{body}");
    crate::etcd::eventually(
        || {
            let (_, realm) = admin(&ca, &b, &admin_password, "GET", None);
            json(&realm)["bruteForceProtected"] == true
        },
        "B follows the realm's change",
    );
    assert_eq!(password(&ca, &a, "wrong-1").0, 401);
    assert_eq!(password(&ca, &b, "wrong-2").0, 401);
    for replica in [&a, &b] {
        let (status, refused) = password(&ca, replica, PASSWORD);
        assert_eq!(
            (status, refused["error"].as_str()),
            (400, Some("invalid_grant")),
            "locked out on every replica: {refused}"
        );
    }
}

/// A password grant of `username` through `replica`.
fn user_password(ca: &Path, replica: &Replica, username: &str, password: &str) -> u16 {
    token(
        ca,
        replica,
        &[
            ("grant_type", "password"),
            ("client_id", "kubernetes-client"),
            ("client_secret", SECRET),
            ("username", username),
            ("password", password),
        ],
    )
    .0
}

#[test]
fn users_written_through_either_replica_are_exact_on_one_etcd() {
    let etcd = EtcdCluster::start(3);
    let servers = etcd.endpoints().join(",");
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(dir.path());
    let a = start(&dir.path().join("a"), &servers, &cert, &key);
    let b = start(&dir.path().join("b"), &servers, &cert, &key);
    let admin_password = std::fs::read_to_string(dir.path().join("a/idp-admin-password"))
        .expect("A bootstrapped the master realm")
        .trim()
        .to_string();
    let admin = |replica: &Replica, method: &str, path: &str, body: Option<&str>| {
        admin_at(&ca, replica, &admin_password, method, path, body)
    };
    let new_user = |name: &str| {
        format!(
            r#"{{"username":"{name}","enabled":true,"email":"{name}@example.com","credentials":[{{"type":"password","value":"Pass-{name}-1","temporary":false}}]}}"#
        )
    };

    // Created through A (a user object and its username's entry in etcd): B finds it and
    // logs it in.
    let (status, body) = admin(&a, "POST", "/users", Some(&new_user("carol")));
    assert_eq!(status, 201, "{body}");
    let found = |replica: &Replica, query: &str| -> Vec<Value> {
        let (status, body) = admin(replica, "GET", &format!("/users?{query}"), None);
        assert_eq!(status, 200, "{body}");
        json(&body).as_array().unwrap().clone()
    };
    crate::etcd::eventually(
        || found(&b, "username=carol&exact=true").len() == 1,
        "B sees the user A created",
    );
    assert_eq!(user_password(&ca, &b, "carol", "Pass-carol-1"), 200);

    // The same username created through both at once: one is created, the other refused.
    for i in 0..3 {
        let name = format!("dave{i}");
        let body = new_user(&name);
        let (first, second) = std::thread::scope(|scope| {
            let on_a = scope.spawn(|| admin(&a, "POST", "/users", Some(&body)));
            let on_b = scope.spawn(|| admin(&b, "POST", "/users", Some(&body)));
            (on_a.join().unwrap(), on_b.join().unwrap())
        });
        let mut statuses = [first.0, second.0];
        statuses.sort();
        assert_eq!(statuses, [201, 409], "{first:?} {second:?}");
        let refused = if first.0 == 409 { &first.1 } else { &second.1 };
        assert_eq!(
            json(refused)["errorMessage"],
            "User exists with same username",
            "{refused}"
        );
        for replica in [&a, &b] {
            crate::etcd::eventually(
                || found(replica, &format!("username={name}&exact=true")).len() == 1,
                "one user of that name on each replica",
            );
        }
    }

    // Changed through B, seen through A; deleted through A, refused by B.
    let carol = found(&b, "username=carol&exact=true")[0].clone();
    let id = carol["id"].as_str().unwrap();
    let (status, body) = admin(
        &b,
        "PUT",
        &format!("/users/{id}"),
        Some(r#"{"firstName":"Carol","email":"carol@corp.example"}"#),
    );
    assert_eq!(status, 204, "{body}");
    crate::etcd::eventually(
        || found(&a, "email=carol@corp.example&exact=true").len() == 1,
        "A sees B's change",
    );
    let (status, body) = admin(&a, "DELETE", &format!("/users/{id}"), None);
    assert_eq!(status, 204, "{body}");
    crate::etcd::eventually(
        || found(&b, "username=carol&exact=true").is_empty(),
        "B forgets the deleted user",
    );
    assert_eq!(user_password(&ca, &b, "carol", "Pass-carol-1"), 401);
    // The username is free again, through either replica.
    let (status, body) = admin(&b, "POST", "/users", Some(&new_user("carol")));
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        found(&a, "search=dave").len() + found(&b, "search=dave").len(),
        6
    );
}

/// The lines of `replica`'s revocation feed as they come (a follower of the feed, as a
/// server or gateway that trusts the public URL would be), for `seconds` at most.
fn follow_feed(ca: &Path, replica: &Replica, seconds: u32) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead as _;
    let mut child = Command::new("curl")
        .args(["-sSN", "--max-time", &seconds.to_string(), "--cacert"])
        .arg(ca)
        .arg("--connect-to")
        .arg(format!("{PUBLIC_HOST}:443:127.0.0.1:{}", replica.port))
        .arg(format!(
            "https://{PUBLIC_HOST}/realms/kubernetes/kubeward/revocations"
        ))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if !line.is_empty() && lines.send(line).is_err() {
                break;
            }
        }
        let _ = child.wait();
    });
    received
}

#[test]
fn a_revocation_made_on_one_replica_is_in_every_replicas_feed() {
    let etcd = EtcdCluster::start(1);
    let servers = etcd.endpoints().join(",");
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(dir.path());
    let a = start(&dir.path().join("a"), &servers, &cert, &key);
    let b = start(&dir.path().join("b"), &servers, &cert, &key);
    let on_b = follow_feed(&ca, &b, 60);

    // A session logged out on A (the logout deletes it).
    let tokens = login_tokens(&ca, &a);
    let sid = super::claims(tokens["id_token"].as_str().unwrap())["sid"]
        .as_str()
        .expect("the ID token names its session")
        .to_string();
    let connect_to = format!("{PUBLIC_HOST}:443:127.0.0.1:{}", a.port);
    let (status, body) = curl(
        &ca,
        &[
            "--connect-to",
            &connect_to,
            &format!("https://{PUBLIC_HOST}/realms/kubernetes/protocol/openid-connect/logout"),
            "--data-urlencode",
            "client_id=kubernetes-client",
            "--data-urlencode",
            &format!("client_secret={SECRET}"),
            "--data-urlencode",
            &format!(
                "refresh_token={}",
                tokens["refresh_token"].as_str().unwrap()
            ),
        ],
    );
    assert!(status == 204 || status == 200, "{status} {body}");

    // B's follower hears of it (a generous bound, not a timing check).
    let line = on_b
        .recv_timeout(Duration::from_secs(30))
        .expect("B's feed carries A's revocation");
    let entry = json(&line);
    assert_eq!(entry["sid"], sid.as_str(), "{entry}");
    assert_eq!(entry["reason"], "session deleted", "{entry}");
    assert_eq!(entry["realm"], "kubernetes", "{entry}");

    // A follower that connects to B later reads it in B's list, as one from A does.
    for replica in [&b, &a] {
        let later = follow_feed(&ca, replica, 5);
        let line = later
            .recv_timeout(Duration::from_secs(20))
            .expect("the feed lists the revocation");
        assert_eq!(json(&line), entry);
    }
}

/// A form POST through `replica` to `path` of the seed realm, as the confidential client:
/// (status, JSON).
fn client_post(ca: &Path, replica: &Replica, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let connect_to = format!("{PUBLIC_HOST}:443:127.0.0.1:{}", replica.port);
    let url = format!("https://{PUBLIC_HOST}/realms/kubernetes/protocol/openid-connect/{path}");
    let auth = format!("kubernetes-client:{SECRET}");
    let mut args: Vec<String> = vec!["--connect-to".into(), connect_to, "-u".into(), auth, url];
    for (k, v) in form {
        args.push("--data-urlencode".into());
        args.push(format!("{k}={v}"));
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (status, body) = curl(ca, &refs);
    (status, json(&body))
}

#[test]
fn a_device_code_started_on_one_replica_is_approved_on_another_and_redeemed_once() {
    let etcd = EtcdCluster::start(3);
    let servers = etcd.endpoints().join(",");
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(dir.path());
    let a = start(&dir.path().join("a"), &servers, &cert, &key);
    let b = start(&dir.path().join("b"), &servers, &cert, &key);
    let jar = dir.path().join("cookies");

    // The device asks A for a code.
    let (status, device) = client_post(&ca, &a, "auth/device", &[("scope", "openid")]);
    assert_eq!(status, 200, "{device}");
    let device_code = device["device_code"].as_str().unwrap().to_string();
    let user_code = device["user_code"].as_str().unwrap().to_string();
    let poll = |replica: &Replica| {
        client_post(
            &ca,
            replica,
            "token",
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("device_code", &device_code),
            ],
        )
    };
    // B knows it: pending.
    let (status, pending) = poll(&b);
    assert_eq!(
        (status, pending["error"].as_str()),
        (400, Some("authorization_pending")),
        "{pending}"
    );
    // The user types the code and logs in on B.
    let verification = device["verification_uri"].as_str().unwrap();
    let (status, page) = browse(
        &ca,
        &b,
        &jar,
        &[verification, "-d", &format!("user_code={user_code}")],
    );
    assert_eq!(status, 200, "B finds the user code A issued: {page}");
    let (status, done) = browse(
        &ca,
        &b,
        &jar,
        &[
            &form_action(&page),
            "--data-urlencode",
            "username=test",
            "--data-urlencode",
            &format!("password={PASSWORD}"),
        ],
    );
    assert_eq!(status, 200, "{done}");
    assert!(done.contains("Device Login Successful"), "{done}");
    // The device polls A after the interval (RFC 8628's slow_down otherwise): tokens, once.
    std::thread::sleep(Duration::from_secs(
        device["interval"].as_u64().unwrap_or(5),
    ));
    let (status, tokens) = poll(&a);
    assert_eq!(status, 200, "A redeems what B approved: {tokens}");
    assert!(tokens["id_token"].is_string(), "{tokens}");
    for replica in [&b, &a] {
        let (status, again) = poll(replica);
        assert_eq!(
            (status, again["error_description"].as_str()),
            (400, Some("Device code not valid")),
            "{again}"
        );
    }
}
