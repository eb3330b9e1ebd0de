//! The provider's events in the audit log and in its metrics, from a real `kubeward idp serve`
//! with `--audit-policy-file`, `--audit-log-path` and `--metrics-enabled`: a browser login
//! (headless Chromium and npm openid-client: a wrong password, then code + PKCE, a refresh, a
//! replayed refresh token), a password grant and its logout, an admin change turning on
//! brute-force detection, and the failures that lock a user out. The log is read back as
//! `audit.k8s.io/v1` events and the metrics with prometheus_client's parser. `kubeward up` writes
//! its provider's events into the API server's own log, beside the requests.

use std::collections::BTreeMap;
use std::process::Command;

use kubeward_audit::{Event, Level, Stage};
use kubeward_testkit::cluster::{Cluster, ok};

use super::*;
use crate::metrics::{parse, total};

const POLICY: &str = "apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/openapi/*', '/version']
- level: Metadata
";

fn events_of(log: &Path) -> Vec<Event> {
    let text = std::fs::read_to_string(log).expect("the audit log");
    let decoded = kubeward_audit::decode::read(&text);
    assert!(decoded.errors.is_empty(), "{:?}", decoded.errors);
    decoded.events
}

fn annotation<'e>(event: &'e Event, key: &str) -> &'e str {
    event
        .annotations
        .get(&format!("idp.kubeward.io/{key}"))
        .map(String::as_str)
        .unwrap_or("")
}

/// The provider's events of `kind` in realm `kubernetes`.
fn of_kind<'e>(events: &'e [Event], kind: &str) -> Vec<&'e Event> {
    events
        .iter()
        .filter(|e| annotation(e, "event-type") == kind && annotation(e, "realm") == "kubernetes")
        .collect()
}

fn one<'e>(events: &'e [Event], kind: &str) -> &'e Event {
    let found = of_kind(events, kind);
    assert_eq!(found.len(), 1, "{kind}: {found:#?}");
    found[0]
}

fn scrape(idp: &Idp) -> BTreeMap<String, f64> {
    let (status, body) = idp.curl(&[&format!("{}/metrics", idp.url)]);
    assert_eq!(status, 200, "{body}");
    parse(&body)
}

#[test]
fn logins_tokens_refreshes_logouts_failures_lockouts_and_admin_changes_are_audited_and_counted() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let policy = dir.path().join("policy.yaml");
    std::fs::write(&policy, POLICY).expect("written");
    let log = dir.path().join("audit.log");
    let idp = Idp::start_in(
        dir,
        &[
            "--audit-policy-file",
            policy.to_str().unwrap(),
            "--audit-log-path",
            log.to_str().unwrap(),
            "--metrics-enabled",
        ],
        &[],
    );
    let before = scrape(&idp);

    // A browser login: wrong password, login, code exchange, refresh, replay.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/idp/openid_client_login.mjs");
    let output = Command::new("node")
        .arg(&script)
        .env("ISSUER", idp.issuer("kubernetes"))
        .env("NODE_EXTRA_CA_CERTS", idp.ca())
        .env("PROFILE_DIR", idp.dir.path().join("chromium-profile"))
        .env("USERNAME", "test")
        .env("PASSWORD", PASSWORD)
        .output()
        .expect("node is installed (and `npm ci --prefix testpeers` ran)");
    assert!(
        output.status.success(),
        "node failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // A password grant, then its logout.
    let (status, tokens) = idp.password_grant("test", PASSWORD, SECRET);
    assert_eq!(status, 200, "{tokens}");
    let (status, body) = idp.post_form(
        "/realms/kubernetes/protocol/openid-connect/logout",
        &[
            ("client_id", "kubernetes-client"),
            ("client_secret", SECRET),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ],
    );
    assert_eq!(status, 204, "{body}");
    // An admin change: brute-force detection on, two failures lock for a minute.
    let (status, body) = idp.admin(
        "PUT",
        "kubernetes",
        Some(r#"{"bruteForceProtected":true,"failureFactor":2,"waitIncrementSeconds":60,"maxFailureWaitSeconds":900,"maxDeltaTimeSeconds":43200}"#),
    );
    assert_eq!(status, 204, "{body}");
    for _ in 0..2 {
        let (status, body) = idp.password_grant("test", "wrong", SECRET);
        assert_eq!(status, 401, "{body}");
    }
    let after = scrape(&idp);
    let events = events_of(&log);

    for event in events
        .iter()
        .filter(|e| !annotation(e, "event-type").is_empty())
    {
        assert_eq!(event.stage, Stage::ResponseComplete, "{event:#?}");
        assert_eq!(event.level, Level::Metadata);
        assert_eq!(event.source_ips, vec!["127.0.0.1"], "{event:#?}");
        assert!(event.object_ref.is_none() && event.request_object.is_none());
        assert!(event.request_received_timestamp <= event.stage_timestamp);
    }
    let ids: std::collections::BTreeSet<&str> =
        events.iter().map(|e| e.audit_id.as_str()).collect();
    assert_eq!(ids.len(), events.len(), "one event per audit ID");

    // The browser's wrong password, then its login, on the login form.
    let failed: Vec<&Event> = of_kind(&events, "LOGIN_ERROR");
    assert_eq!(failed.len(), 3, "{failed:#?}");
    let browser_failure = failed[0];
    assert_eq!(browser_failure.verb, "post");
    assert_eq!(
        browser_failure.request_uri,
        "/realms/kubernetes/login-actions/authenticate"
    );
    assert_eq!(browser_failure.user.name, "test");
    assert_eq!(
        annotation(browser_failure, "error"),
        "invalid_user_credentials"
    );
    assert!(
        browser_failure.user_agent.contains("Chrome"),
        "{}",
        browser_failure.user_agent
    );
    let logins = of_kind(&events, "LOGIN");
    assert_eq!(logins.len(), 2, "{logins:#?}");
    let browser_login = logins[0];
    assert_eq!(
        browser_login.request_uri,
        "/realms/kubernetes/login-actions/authenticate"
    );
    assert_eq!(browser_login.user.name, "test");
    let user_id = browser_login.user.uid.clone();
    assert!(!user_id.is_empty());
    assert_eq!(browser_login.code(), Some(302));

    // The second exchange is the SSO cookie's login, without the login page.
    let codes = of_kind(&events, "CODE_TO_TOKEN");
    assert_eq!(codes.len(), 2, "{codes:#?}");
    let code = codes[0];
    assert_eq!(
        code.request_uri,
        "/realms/kubernetes/protocol/openid-connect/token"
    );
    assert_eq!(
        (code.user.name.as_str(), code.user.uid.as_str()),
        ("test", user_id.as_str())
    );
    assert_eq!(annotation(code, "detail.grant_type"), "authorization_code");
    assert_eq!(annotation(code, "client-id"), "kubelogin");
    assert_eq!(
        annotation(code, "session-id"),
        annotation(browser_login, "session-id")
    );
    assert_eq!(code.code(), Some(200));
    assert!(
        code.user_agent.contains("openid-client"),
        "{}",
        code.user_agent
    );

    let refreshed = one(&events, "REFRESH_TOKEN");
    assert_eq!(refreshed.user.name, "test");
    assert_eq!(refreshed.code(), Some(200));
    let replayed = one(&events, "REFRESH_TOKEN_ERROR");
    assert_eq!(annotation(replayed, "error"), "invalid_token");
    assert_eq!(
        annotation(replayed, "detail.reason"),
        "Maximum allowed refresh token reuse exceeded"
    );
    assert_eq!(replayed.code(), Some(400));

    let password = logins[1];
    assert_eq!(annotation(password, "detail.grant_type"), "password");
    assert_eq!(password.user.name, "test");
    assert!(
        password.user_agent.starts_with("curl/"),
        "{}",
        password.user_agent
    );
    let logout = one(&events, "LOGOUT");
    assert_eq!(
        logout.request_uri,
        "/realms/kubernetes/protocol/openid-connect/logout"
    );
    assert_eq!(logout.user.name, "test");
    assert_eq!(logout.code(), Some(204));

    let admin = one(&events, "ADMIN");
    assert_eq!(admin.verb, "put");
    assert_eq!(admin.request_uri, "/admin/realms/kubernetes");
    assert_eq!(admin.user.name, "admin");
    assert_eq!(
        (
            annotation(admin, "operation-type"),
            annotation(admin, "resource-type")
        ),
        ("UPDATE", "REALM")
    );
    assert_eq!(annotation(admin, "client-id"), "admin-cli");
    assert_eq!(admin.code(), Some(204));

    for wrong in &failed[1..] {
        assert_eq!(wrong.code(), Some(401));
        assert_eq!(annotation(wrong, "detail.grant_type"), "password");
    }
    let locked = one(&events, "USER_DISABLED_BY_TEMPORARY_LOCKOUT");
    assert_eq!(locked.user.name, "test");
    assert_eq!(locked.code(), Some(401));

    // The counters moved by what was done.
    let moved = |name: &str, labels: &[(&str, &str)]| {
        total(&after, name, labels) - total(&before, name, labels)
    };
    let realm = ("realm", "kubernetes");
    let events_total = "keycloak_user_events_total";
    assert_eq!(
        moved(events_total, &[realm, ("event", "login"), ("error", "")]),
        2.0
    );
    assert_eq!(
        moved(
            events_total,
            &[
                realm,
                ("event", "login"),
                ("error", "invalid_user_credentials")
            ]
        ),
        3.0
    );
    assert_eq!(
        moved(events_total, &[realm, ("event", "logout"), ("error", "")]),
        1.0
    );
    let issued = "kubeward_idp_tokens_issued_total";
    for (grant, count) in [
        ("authorization_code", 2.0),
        ("refresh_token", 1.0),
        ("password", 1.0),
    ] {
        assert_eq!(
            moved(issued, &[realm, ("grant_type", grant)]),
            count,
            "{grant}"
        );
    }
    assert_eq!(
        moved("kubeward_idp_refresh_token_reuse_total", &[realm]),
        1.0
    );
    assert_eq!(moved("kubeward_idp_lockouts_total", &[realm]), 1.0);
}

#[test]
fn up_writes_its_provider_s_events_beside_the_requests_and_serves_its_metrics() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let policy = dir.path().join("policy.yaml");
    std::fs::write(&policy, POLICY).expect("written");
    let log = dir.path().join("audit.log");
    let cluster = Cluster::up_with(
        dir,
        &[
            format!("--audit-policy-file={}", policy.display()),
            format!("--audit-log-path={}", log.display()),
        ],
    );
    let ca = cluster.data_dir.join("pki/ca.crt");
    let password = std::fs::read_to_string(cluster.data_dir.join("idp-admin-password"))
        .expect("the admin password");
    let token_url = format!(
        "{}/realms/master/protocol/openid-connect/token",
        cluster.idp
    );
    let grant = |password: &str| {
        curl(
            &ca,
            &[
                &token_url,
                "-d",
                "grant_type=password",
                "-d",
                "client_id=admin-cli",
                "-d",
                "username=admin",
                "--data-urlencode",
                &format!("password={}", password.trim()),
            ],
        )
    };
    assert_eq!(grant("wrong").0, 401);
    assert_eq!(grant(&password).0, 200);
    ok(&cluster.kubectl(&["get", "configmaps"]));

    let events = events_of(&log);
    let master = |kind: &str| {
        events
            .iter()
            .filter(|e| annotation(e, "event-type") == kind && annotation(e, "realm") == "master")
            .collect::<Vec<_>>()
    };
    let failed = master("LOGIN_ERROR");
    assert_eq!(failed.len(), 1, "{events:#?}");
    assert_eq!(failed[0].user.name, "admin");
    assert_eq!(failed[0].code(), Some(401));
    let login = master("LOGIN");
    assert_eq!(login.len(), 1, "{events:#?}");
    assert_eq!(annotation(login[0], "detail.grant_type"), "password");
    assert!(
        events.iter().any(|e| e.verb == "list"
            && e.object_ref
                .as_ref()
                .is_some_and(|o| o.resource == "configmaps")),
        "the API server's own events are in the same log"
    );

    let scraped = kubeward_testkit::golden::bash(
        &cluster,
        "curl -sS --fail --cacert $P/ca.crt --cert $P/admin.crt --key $P/admin.key $API/metrics",
    );
    assert_eq!(scraped.code, 0, "{}", scraped.stderr);
    let samples = parse(&scraped.stdout);
    let realm = ("realm", "master");
    assert_eq!(
        total(
            &samples,
            "keycloak_user_events_total",
            &[
                realm,
                ("event", "login"),
                ("error", "invalid_user_credentials")
            ]
        ),
        1.0
    );
    assert_eq!(
        total(
            &samples,
            "kubeward_idp_tokens_issued_total",
            &[realm, ("grant_type", "password")]
        ),
        1.0
    );
    assert!(total(&samples, "apiserver_request_total", &[]) >= 1.0);
}
