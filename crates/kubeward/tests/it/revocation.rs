//! Revocation that takes effect at once: seed 001's user `test`, with live ID tokens, used
//! through `kubeward gateway` and directly against `kubeward up` in a loop while the identity
//! provider's admin API removes the user from a group, disables the user, and a logout ends
//! the session. Each time the loop's requests go from accepted to 401 (and stay refused) —
//! well inside the 10 s the authentication cache would otherwise keep a token — and a token
//! issued after the change works. The delay between the admin API's answer and the first
//! refused request is printed (`docs/gateway.md` states it; timing is not a pass/fail check).

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kubeward_testkit::cluster::{Cluster, ok};
use serde_json::Value;

use crate::gateway::{gateway, upstream};

const CLIENT_SECRET: &str = "kubernetes-client-secret";
const PASSWORD: &str = "test-password";

fn curl(ca: &Path, args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["-sS", "--cacert"])
        .arg(ca)
        .args(args)
        .output()
        .unwrap();
    ok(&out)
}

/// An ID token and a refresh token of `test` (password grant, as seed 001's curl).
fn tokens(cluster: &Cluster) -> (String, String) {
    let answer: Value = serde_json::from_str(&curl(
        &cluster.data_dir.join("pki/ca.crt"),
        &[
            "--fail",
            &format!(
                "{}/realms/kubernetes/protocol/openid-connect/token",
                cluster.idp
            ),
            "-d",
            "grant_type=password",
            "-d",
            "client_id=kubernetes-client",
            "-d",
            "username=test",
            "-d",
            &format!("password={PASSWORD}"),
            "-d",
            "scope=openid",
            "-d",
            &format!("client_secret={CLIENT_SECRET}"),
        ],
    ))
    .unwrap();
    (
        answer["id_token"].as_str().unwrap().to_string(),
        answer["refresh_token"].as_str().unwrap().to_string(),
    )
}

/// The admin API of the upstream's provider, as the master realm's `admin`.
struct Admin<'a> {
    cluster: &'a Cluster,
    token: String,
}

impl<'a> Admin<'a> {
    fn new(cluster: &'a Cluster) -> Self {
        let password =
            std::fs::read_to_string(cluster.data_dir.join("idp-admin-password")).unwrap();
        let answer: Value = serde_json::from_str(&curl(
            &cluster.data_dir.join("pki/ca.crt"),
            &[
                "--fail",
                &format!(
                    "{}/realms/master/protocol/openid-connect/token",
                    cluster.idp
                ),
                "-d",
                "grant_type=password",
                "-d",
                "client_id=admin-cli",
                "-d",
                "username=admin",
                "--data-urlencode",
                &format!("password={}", password.trim()),
            ],
        ))
        .unwrap();
        Self {
            cluster,
            token: answer["access_token"].as_str().unwrap().to_string(),
        }
    }

    /// `METHOD /admin/realms/kubernetes/PATH` with a JSON `body`; the answer's body.
    fn call(&self, method: &str, path: &str, body: Option<&str>) -> String {
        let mut args = vec![
            "--fail".to_string(),
            "-X".into(),
            method.into(),
            "-H".into(),
            format!("Authorization: Bearer {}", self.token),
            format!("{}/admin/realms/kubernetes/{path}", self.cluster.idp),
        ];
        if let Some(body) = body {
            args.extend([
                "-H".into(),
                "Content-Type: application/json".into(),
                "-d".into(),
                body.into(),
            ]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        curl(&self.cluster.data_dir.join("pki/ca.crt"), &args)
    }

    fn id_of(&self, path: &str, name_field: &str, name: &str) -> String {
        let list: Value = serde_json::from_str(&self.call("GET", path, None)).unwrap();
        list.as_array()
            .unwrap()
            .iter()
            .find(|item| item[name_field] == name)
            .and_then(|item| item["id"].as_str())
            .unwrap_or_else(|| panic!("{name} in {list}"))
            .to_string()
    }
}

/// Requests `GET /api` with `token` at each of `servers` in a loop (one thread each) while
/// `change` runs; returns, per server, the milliseconds from the start and from the end of
/// `change` (the admin call) to the start of the first refused request. Every server must have accepted the token before the change
/// and refuse it from the first 401 on.
fn refused_after(
    ca: &Path,
    servers: &[&str],
    token: &str,
    change: impl FnOnce(),
) -> Vec<(i64, i64)> {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let loops: Vec<_> = servers
        .iter()
        .map(|server| {
            let (stop, ca, token) = (stop.clone(), ca.to_path_buf(), token.to_string());
            let url = format!("{server}/api");
            let seen = Arc::new(Mutex::new(Vec::new()));
            let record = seen.clone();
            let thread = std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let at = started.elapsed();
                    let code = Command::new("curl")
                        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert"])
                        .arg(&ca)
                        .args(["-H", &format!("Authorization: Bearer {token}"), &url])
                        .output()
                        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                        .unwrap_or_default();
                    record.lock().unwrap().push((at, code));
                }
            });
            (seen, thread)
        })
        .collect();
    // Accepted first, on every server.
    let deadline = Instant::now() + Duration::from_secs(30);
    while loops
        .iter()
        .any(|(seen, _)| !seen.lock().unwrap().iter().any(|(_, c)| c == "200"))
    {
        assert!(Instant::now() < deadline, "the token is never accepted");
        std::thread::sleep(Duration::from_millis(20));
    }
    // A user's revocation refuses the tokens of earlier seconds (Keycloak's not-before): the
    // change comes in the second after the token's.
    std::thread::sleep(Duration::from_millis(1100));
    let changing = started.elapsed();
    change();
    let changed = started.elapsed();
    let deadline = Instant::now() + Duration::from_secs(10);
    while loops.iter().any(|(seen, _)| {
        !seen
            .lock()
            .unwrap()
            .iter()
            .rev()
            .take(3)
            .all(|(at, c)| c == "401" && *at > changed)
    }) {
        assert!(
            Instant::now() < deadline,
            "the token is still accepted 10 s after the change"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::Relaxed);
    loops
        .into_iter()
        .map(|(seen, thread)| {
            thread.join().unwrap();
            let seen = seen.lock().unwrap();
            let first = seen.iter().position(|(_, c)| c == "401").unwrap();
            assert!(
                seen[first..].iter().all(|(_, c)| c == "401"),
                "accepted again after a refusal: {seen:?}"
            );
            assert!(seen[..first].iter().all(|(_, c)| c == "200"), "{seen:?}");
            (
                seen[first].0.as_millis() as i64 - changing.as_millis() as i64,
                seen[first].0.as_millis() as i64 - changed.as_millis() as i64,
            )
        })
        .collect()
}

#[test]
fn a_user_disabled_degrouped_or_logged_out_is_refused_at_once_through_the_gateway_and_up() {
    let upstream = upstream();
    let gateway = gateway(&upstream);
    let ca = upstream.data_dir.join("pki/ca.crt");
    let servers = [gateway.url.as_str(), upstream.server.as_str()];
    let admin = Admin::new(&upstream);
    let user = admin.id_of("users?username=test", "username", "test");
    let group = admin.id_of("groups", "name", "developers");

    let (token, _) = tokens(&upstream);
    let delays = refused_after(&ca, &servers, &token, || {
        admin.call("DELETE", &format!("users/{user}/groups/{group}"), None);
    });
    eprintln!(
        "group membership removed: first 401 at {delays:?} ms after the call started/answered (gateway, up)"
    );

    // A token issued after the change (the next second) works, without the group.
    std::thread::sleep(Duration::from_millis(1100));
    let (token, _) = tokens(&upstream);
    let delays = refused_after(&ca, &servers, &token, || {
        admin.call(
            "PUT",
            &format!("users/{user}"),
            Some(r#"{"enabled":false}"#),
        );
    });
    eprintln!(
        "user disabled: first 401 at {delays:?} ms after the call started/answered (gateway, up)"
    );

    admin.call("PUT", &format!("users/{user}"), Some(r#"{"enabled":true}"#));
    std::thread::sleep(Duration::from_millis(1100));
    let (token, refresh) = tokens(&upstream);
    let delays = refused_after(&ca, &servers, &token, || {
        curl(
            &ca,
            &[
                "--fail",
                &format!(
                    "{}/realms/kubernetes/protocol/openid-connect/logout",
                    upstream.idp
                ),
                "-d",
                "client_id=kubernetes-client",
                "-d",
                &format!("client_secret={CLIENT_SECRET}"),
                "-d",
                &format!("refresh_token={refresh}"),
            ],
        );
    });
    eprintln!(
        "session logged out: first 401 at {delays:?} ms after the call started/answered (gateway, up)"
    );
}

/// The feed's heartbeat reaches a follower: a client of the feed receives empty lines while
/// nothing is revoked, and `up`'s own follower (which gives a connection up after 30 s without
/// a byte) stays on its first connection past that.
#[test]
fn the_feeds_heartbeat_keeps_its_followers_connected() {
    let cluster = Cluster::up_with(
        tempfile::tempdir().unwrap(),
        &["--idp-port".to_string(), "0".to_string()],
    );
    let feed = format!("{}/realms/kubernetes/kubeward/revocations", cluster.idp);
    // Past the follower's 30 s of allowed silence; curl ends it (exit 28).
    let out = Command::new("curl")
        .args(["-sSN", "--max-time", "35", "--cacert"])
        .arg(cluster.data_dir.join("pki/ca.crt"))
        .arg(&feed)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(28), "{out:?}");
    let received = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        !received.is_empty() && received.chars().all(|c| c == '\n'),
        "heartbeats only: {received:?}"
    );
    let log = cluster.log();
    assert!(
        log.contains("oidc: following the issuer's revocations"),
        "{log}"
    );
    assert!(
        !log.contains("the revocation feed broke off"),
        "the follower reconnected: {log}"
    );
}
