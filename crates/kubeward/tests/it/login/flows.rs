//! The flows of `get-token` against npm oidc-provider: authorization code through Chromium, the
//! cache (no request at all), refresh after expiry, `--force-refresh`, logout with revocation,
//! the device code grant, and the bad cases (denied, forged state, forged nonce, wrong secret,
//! unreachable or silent issuer, timeout).

use std::os::unix::fs::PermissionsExt as _;
use std::process::Command;
use std::time::Duration;

use super::harness::{CLIENT_ID, CLIENT_SECRET, Issuer, claims, credential, failed, run};
use kubeward_testkit::cluster::ok;

const EXEC_INFO_V1: &str = r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}"#;

fn count(requests: &[String], wanted: &str) -> usize {
    requests.iter().filter(|r| r.as_str() == wanted).count()
}

fn cache_files(issuer: &Issuer) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(issuer.path("cache")) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .map(|e| e.expect("entry").path())
        .filter(|p| !p.to_string_lossy().ends_with(".lock"))
        .collect();
    files.sort();
    files
}

fn refresh_token_of(issuer: &Issuer) -> String {
    let files = cache_files(issuer);
    assert_eq!(files.len(), 1, "{files:?}");
    let cached: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&files[0]).expect("cache file")).expect("json");
    cached["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_string()
}

/// `curl` the token endpoint with a refresh token, as any client would.
fn refresh_at_issuer(issuer: &Issuer, refresh_token: &str) -> (String, String) {
    let mut command = Command::new("curl");
    command
        .args(["-sS", "-o", "-", "-w", "\n%{http_code}"])
        .arg("--cacert")
        .arg(&issuer.ca)
        .args(["-u", &format!("{CLIENT_ID}:{CLIENT_SECRET}")])
        .args(["-d", "grant_type=refresh_token", "-d"])
        .arg(format!("refresh_token={refresh_token}"))
        .arg(format!("{}/token", issuer.url));
    let out = ok(&run(command));
    let (body, status) = out.rsplit_once('\n').expect("status line");
    (status.to_string(), body.to_string())
}

#[test]
fn authcode_in_chromium_then_cache_refresh_force_refresh_and_logout() {
    // ID tokens live 30 s; the plugin uses a cached one until 10 s before its exp (20 s here,
    // room enough for a loaded machine between the first and second call).
    let issuer = Issuer::start(30);

    // 1. The first call signs in through the browser (PKCE, state, nonce, redirect listener).
    let first = issuer.get_token(&[], &[("KUBERNETES_EXEC_INFO", EXEC_INFO_V1)]);
    let stderr = String::from_utf8_lossy(&first.stderr).into_owned();
    let out = credential(&ok(&first));
    assert!(
        stderr.contains(
            "browser: Authenticated You have logged in to the cluster. You can close this window."
        ),
        "the browser saw the success page: {stderr}"
    );
    assert_eq!(out["apiVersion"], "client.authentication.k8s.io/v1");
    assert_eq!(out["kind"], "ExecCredential");
    let token = out["status"]["token"]
        .as_str()
        .expect("a token")
        .to_string();
    let id = claims(&token);
    assert_eq!(id["iss"], issuer.url.as_str());
    assert_eq!(id["aud"], CLIENT_ID);
    assert_eq!(id["sub"], "alice");
    let exp = id["exp"].as_i64().expect("exp");
    let expected_expiry = time::OffsetDateTime::from_unix_timestamp(exp)
        .expect("time")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("rfc3339");
    assert_eq!(
        out["status"]["expirationTimestamp"],
        expected_expiry.as_str()
    );
    let requests = issuer.requests();
    let auth = requests
        .iter()
        .find(|r| r.starts_with("GET /auth"))
        .expect("an authorization request");
    assert_eq!(auth, "GET /auth");
    assert_eq!(count(&requests, "POST /token"), 1, "{requests:?}");

    // The cache: one 0600 file in a 0700 directory, holding the ID and refresh tokens.
    let files = cache_files(&issuer);
    assert_eq!(files.len(), 1, "{files:?}");
    let mode = std::fs::metadata(&files[0])
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let dir_mode = std::fs::metadata(issuer.path("cache"))
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700);
    assert!(!refresh_token_of(&issuer).is_empty());

    // 2. The second call is served from the cache: not one request reaches the issuer.
    let before = issuer.requests().len();
    let second = credential(&ok(&issuer.get_token(&[], &[])));
    assert_eq!(second["status"]["token"], token.as_str());
    assert_eq!(
        second["apiVersion"], "client.authentication.k8s.io/v1beta1",
        "no KUBERNETES_EXEC_INFO: v1beta1"
    );
    assert_eq!(issuer.requests().len(), before, "{:?}", issuer.requests());

    // 3. Near expiry the refresh token is used: a token request, no browser.
    let wait = exp - 10 - time::OffsetDateTime::now_utc().unix_timestamp() + 1;
    if wait > 0 {
        std::thread::sleep(Duration::from_secs(wait.unsigned_abs()));
    }
    let before = issuer.requests();
    let third = issuer.get_token(&[], &[]);
    let refreshed = credential(&ok(&third));
    let new_requests = issuer.requests()[before.len()..].to_vec();
    assert_eq!(count(&new_requests, "POST /token"), 1, "{new_requests:?}");
    assert!(
        !new_requests.iter().any(|r| r.starts_with("GET /auth")),
        "{new_requests:?}"
    );
    assert!(!String::from_utf8_lossy(&third.stderr).contains("browser:"));
    let token_2 = refreshed["status"]["token"]
        .as_str()
        .expect("token")
        .to_string();
    assert_ne!(token_2, token);
    assert!(claims(&token_2)["exp"].as_i64().expect("exp") > exp);

    // 4. --force-refresh refreshes a valid token (a second later, so that `iat` differs).
    std::thread::sleep(Duration::from_millis(1100));
    let before = issuer.requests().len();
    let forced = credential(&ok(&issuer.get_token(&["--force-refresh"], &[])));
    let new_requests = issuer.requests()[before..].to_vec();
    assert_eq!(count(&new_requests, "POST /token"), 1, "{new_requests:?}");
    let forced_token = forced["status"]["token"].as_str().expect("token");
    assert!(claims(forced_token)["iat"].as_i64() > claims(&token_2)["iat"].as_i64());
    let refresh_now = refresh_token_of(&issuer);

    // 5. logout revokes the refresh token at the issuer and removes the cache entry.
    let mut logout = Command::new(assert_cmd::cargo::cargo_bin("kubeward"));
    logout
        .args(["login", "logout"])
        .args(&issuer.base_args()[..5])
        .env("HOME", issuer.dir.path());
    let out = run(logout);
    ok(&out);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "Revoked the refresh token at {} and removed the token cache.\n",
            issuer.url
        )
    );
    assert!(
        issuer
            .requests()
            .contains(&"POST /token/revocation".to_string())
    );
    assert!(cache_files(&issuer).is_empty());
    let (status, body) = refresh_at_issuer(&issuer, &refresh_now);
    assert_eq!(status, "400", "{body}");
    assert!(body.contains("\"error\":\"invalid_grant\""), "{body}");

    // A second logout has nothing to do.
    let mut again = Command::new(assert_cmd::cargo::cargo_bin("kubeward"));
    again
        .args(["login", "logout"])
        .args(&issuer.base_args()[..5])
        .env("HOME", issuer.dir.path());
    let out = run(again);
    ok(&out);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "No token cache for this issuer and client: nothing to log out.\n"
    );
}

#[test]
fn the_user_cancels_at_the_provider() {
    let issuer = Issuer::start(3600);
    let stderr = failed(&issuer.get_token(&[], &[("BROWSER_MODE", "deny")]));
    assert!(
        stderr.contains(
            "error: get-token: authentication error: authcode error: authorization error: authorization error from server: access_denied End-User aborted interaction"
        ),
        "{stderr}"
    );
    assert!(!issuer.requests().contains(&"POST /token".to_string()));
}

#[test]
fn a_forged_nonce_is_refused() {
    let issuer = Issuer::start(3600);
    let stderr = failed(&issuer.get_token(&[], &[("BROWSER_MODE", "wrong-nonce")]));
    let line = stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .expect("an error line");
    assert!(
        line.starts_with("error: get-token: authentication error: authcode error: could not exchange the authorization code: nonce did not match (wants "),
        "{stderr}"
    );
    assert!(line.ends_with(" but got forged-nonce)"), "{line}");
    assert!(cache_files(&issuer).is_empty(), "nothing is cached");
}

#[test]
fn a_forged_state_is_refused() {
    let issuer = Issuer::start(3600);
    let browser = format!(
        "--browser-command={}",
        issuer.path("forged-state.sh").display()
    );
    let stderr = failed(&issuer.get_token(&[&browser], &[]));
    assert!(
        stderr.contains("authorization error: state does not match (wants ")
            && stderr.contains(" but got forged-state)"),
        "{stderr}"
    );
    assert!(!issuer.requests().contains(&"POST /token".to_string()));
}

#[test]
fn device_code_grant_prints_the_code_and_polls() {
    let issuer = Issuer::start(3600);
    let out = issuer.get_token(&["--grant-type=device-code"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let credential = credential(&ok(&out));
    assert_eq!(
        claims(credential["status"]["token"].as_str().expect("token"))["sub"],
        "alice"
    );
    let code_line = stderr
        .lines()
        .find(|l| l.starts_with("Please enter the following code when asked in your browser: "))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(code_line.len() > 61, "{code_line}");
    assert!(stderr.contains("browser: Sign-in Success"), "{stderr}");
    let requests = issuer.requests();
    assert!(
        requests.contains(&"POST /device/auth".to_string()),
        "{requests:?}"
    );
    assert!(count(&requests, "POST /token") >= 1);
}

#[test]
fn a_wrong_client_secret_is_the_provider_s_error() {
    let issuer = Issuer::start(3600);
    let out = issuer.get_token(
        &[
            "--grant-type=device-code",
            "--oidc-client-secret=wrong-secret",
        ],
        &[],
    );
    let stderr = failed(&out);
    assert_eq!(
        stderr,
        "error: get-token: authentication error: device-code error: authorization error: oauth2: \"invalid_client\" \"client authentication failed\"\n"
    );
}

#[test]
fn an_unreachable_issuer_fails_fast() {
    let issuer = Issuer::start(3600);
    // A port that was free a moment ago: connection refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let url = format!("--oidc-issuer-url=https://127.0.0.1:{port}");
    let start = std::time::Instant::now();
    let stderr = failed(&issuer.get_token(&[&url], &[]));
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(
        stderr.starts_with(&format!(
            "error: get-token: authentication error: oidc error: oidc discovery error: error sending request for url (https://127.0.0.1:{port}/.well-known/openid-configuration)"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("Connection refused"), "{stderr}");
}

#[test]
fn an_untrusted_issuer_certificate_is_refused() {
    let issuer = Issuer::start(3600);
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("kubectl-oidc_login"));
    command
        .arg("get-token")
        .arg(format!("--oidc-issuer-url={}", issuer.url))
        .arg("--oidc-client-id=kubernetes")
        .arg(format!(
            "--token-cache-dir={}",
            issuer.path("cache").display()
        ))
        .env("HOME", issuer.dir.path());
    let stderr = failed(&run(command));
    assert!(stderr.contains("oidc discovery error"), "{stderr}");
    assert!(stderr.to_lowercase().contains("certificate"), "{stderr}");
    assert!(
        issuer.requests().is_empty(),
        "the TLS handshake failed before any request"
    );
}

#[test]
fn nobody_comes_back_to_the_listener_within_the_timeout() {
    let issuer = Issuer::start(3600);
    let start = std::time::Instant::now();
    let stderr = failed(&issuer.get_token(
        &["--skip-open-browser", "--authentication-timeout-sec=2"],
        &[],
    ));
    assert!(start.elapsed() < Duration::from_secs(30));
    assert!(
        stderr.starts_with("Please visit the following URL in your browser: http://localhost:"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("error: get-token: authentication error: authcode error: authorization error: timed out after 2 seconds waiting for the browser to come back (--authentication-timeout-sec)\n"),
        "{stderr}"
    );
}

#[test]
fn a_browser_that_cannot_open_is_reported_at_once_with_the_url() {
    let issuer = Issuer::start(3600);
    let start = std::time::Instant::now();
    // `false` stands for an xdg-open without a desktop: it fails at once.
    let stderr = failed(&issuer.get_token(
        &["--browser-command=false", "--authentication-timeout-sec=3"],
        &[],
    ));
    assert!(start.elapsed() < Duration::from_secs(30));
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines[0].starts_with("Please visit the following URL in your browser: http://localhost:"),
        "{stderr}"
    );
    assert_eq!(
        lines[1],
        format!(
            "If the browser shows ERR_CERT_AUTHORITY_INVALID, it does not trust {ca}: import it as an authority (certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n oidc-ca -i {ca}, or the browser's certificate settings).",
            ca = issuer.ca.display()
        )
    );
    assert_eq!(
        lines[2],
        "error: could not open the browser: false exited with exit status: 1"
    );
    let url = lines[0].rsplit(' ').next().unwrap_or_default();
    assert_eq!(
        lines[4],
        format!("Please visit the following URL in your browser manually: {url}")
    );
}

#[test]
fn setup_signs_in_and_prints_the_kubeconfig_and_api_server_flags() {
    let issuer = Issuer::start(3600);
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("kubeward"));
    command
        .args(["login", "setup"])
        .args(issuer.base_args())
        .env("HOME", issuer.dir.path());
    let out = run(command);
    let stdout = ok(&out);
    assert!(stdout.contains("\"sub\": \"alice\""), "{stdout}");
    assert!(stdout.contains(&format!(
        "kubectl create clusterrolebinding oidc-cluster-admin --clusterrole=cluster-admin --user='{}#alice'",
        issuer.url
    )));
    assert!(stdout.contains(&format!(
        "--oidc-issuer-url={}\n--oidc-client-id=kubernetes\n",
        issuer.url
    )));
    assert!(stdout.contains(&format!(
        "  --exec-arg=get-token \\\n  --exec-arg=\"--oidc-issuer-url={}\" \\\n  --exec-arg=\"--oidc-client-id=kubernetes\" \\\n  --exec-arg=\"--oidc-client-secret=kubernetes-secret\"",
        issuer.url
    )), "{stdout}");
}

#[test]
fn concurrent_calls_wait_for_one_refresh_and_share_it() {
    // ID tokens live 15 s: cached for 5 s, then refreshed.
    let issuer = Issuer::start(15);
    let first = credential(&ok(&issuer.get_token(&[], &[])));
    let exp = claims(first["status"]["token"].as_str().expect("token"))["exp"]
        .as_i64()
        .expect("exp");
    let wait = exp - 10 - time::OffsetDateTime::now_utc().unix_timestamp() + 1;
    if wait > 0 {
        std::thread::sleep(Duration::from_secs(wait.unsigned_abs()));
    }
    let before = issuer.requests().len();
    let outputs: Vec<_> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..6)
            .map(|_| scope.spawn(|| issuer.get_token(&[], &[])))
            .collect();
        runs.into_iter().map(|r| r.join().expect("a run")).collect()
    });
    let tokens: Vec<String> = outputs
        .iter()
        .map(|o| {
            credential(&ok(o))["status"]["token"]
                .as_str()
                .expect("token")
                .to_string()
        })
        .collect();
    assert!(
        tokens.iter().all(|t| t == &tokens[0]),
        "one refreshed token for all"
    );
    assert_ne!(tokens[0], first["status"]["token"].as_str().expect("token"));
    let new_requests = issuer.requests()[before..].to_vec();
    assert_eq!(count(&new_requests, "POST /token"), 1, "{new_requests:?}");
    let cached: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&cache_files(&issuer)[0]).expect("cache"))
            .expect("the cache file is whole JSON");
    assert_eq!(cached["id_token"], tokens[0].as_str());
}

#[test]
fn the_password_grant_without_a_terminal_says_so() {
    let issuer = Issuer::start(3600);
    let plugin = assert_cmd::cargo::cargo_bin("kubectl-oidc_login");
    // `setsid -w` runs the plugin in a new session: no controlling terminal to prompt on.
    let mut command = Command::new("setsid");
    command
        .arg("-w")
        .arg(&plugin)
        .arg("get-token")
        .args(issuer.base_args())
        .arg("--grant-type=password")
        .env("HOME", issuer.dir.path());
    let stderr = failed(&run(command));
    assert!(
        stderr.starts_with(
            "error: get-token: authentication error: ropc error: could not read a username: no terminal: "
        ),
        "{stderr}"
    );
    let mut command = Command::new("setsid");
    command
        .arg("-w")
        .arg(&plugin)
        .arg("get-token")
        .args(issuer.base_args())
        .arg("--username=alice")
        .env("HOME", issuer.dir.path());
    let stderr = failed(&run(command));
    assert!(
        stderr.starts_with(
            "error: get-token: authentication error: ropc error: could not read a password: no terminal: "
        ),
        "{stderr}"
    );
}

#[test]
fn the_password_grant_with_flags() {
    let issuer = Issuer::start(3600);
    let out = issuer.get_token(&["--username=bob", "--password=correct-horse"], &[]);
    let credential = credential(&ok(&out));
    assert_eq!(
        claims(credential["status"]["token"].as_str().expect("token"))["sub"],
        "bob"
    );
    let requests = issuer.requests();
    assert_eq!(count(&requests, "POST /token"), 1, "{requests:?}");
    assert!(
        !requests.iter().any(|r| r.starts_with("GET /auth")),
        "{requests:?}"
    );

    let stderr = failed(&issuer.get_token(&["--username=carol", "--password=wrong"], &[]));
    assert_eq!(
        stderr,
        "error: get-token: authentication error: ropc error: resource owner password credentials flow error: oauth2: \"invalid_grant\" \"grant request is invalid\"\n"
    );
}
