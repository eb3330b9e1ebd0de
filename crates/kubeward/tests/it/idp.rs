//! `kubeward idp`: a real `kubeward idp serve` over TLS, driven by software we did not write
//! (curl as seed 001 writes it, npm openid-client with headless Chromium, PyPI python-keycloak).

mod admin_api;
mod bootstrap;
mod breadth;
mod brokered_kubectl;
mod brokering;
mod browser;
mod browser_flows;
mod cli;
mod cors;
mod events;
mod extras;
mod federation;
mod federation_admin;
mod flows;
mod negative;
mod replicas;
mod role_mappings;
mod seed_001;
mod seed_001_cluster;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use kubeward_testkit::process::{Process, Stream};

use base64::Engine as _;
use serde_json::Value;

/// The seed 001 realm (client `kubernetes-client`, user `test`, group `developers`).
pub fn seed_realm_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../idp/src/representation/seed-001-realm.json")
}

/// The secret of `kubernetes-client` in the seed realm file.
pub const SECRET: &str = "kubernetes-client-secret";
/// The password of `test` in the seed realm file.
pub const PASSWORD: &str = "test-password";

/// A running `kubeward idp serve` on a free port; killed when dropped.
pub struct Idp {
    process: Process,
    /// Temporary folder (data directory inside).
    pub dir: tempfile::TempDir,
    /// The data directory.
    pub data_dir: PathBuf,
    /// `https://127.0.0.1:<port>`.
    pub url: String,
}

impl Idp {
    /// Starts the provider with the seed realm imported.
    pub fn start() -> Self {
        Self::start_with(&[], &[])
    }

    /// Starts the provider with extra arguments and environment.
    pub fn start_with(args: &[&str], env: &[(&str, &str)]) -> Self {
        Self::start_in(tempfile::tempdir().expect("a temporary folder"), args, env)
    }

    /// Stops the provider and returns its folder (for a restart with [`Idp::start_in`]).
    pub fn stop(mut self) -> tempfile::TempDir {
        self.process.kill();
        std::mem::replace(
            &mut self.dir,
            tempfile::tempdir().expect("a temporary folder"),
        )
    }

    /// Starts the provider on the data directory inside `dir`.
    pub fn start_in(dir: tempfile::TempDir, args: &[&str], env: &[(&str, &str)]) -> Self {
        let data_dir = dir.path().join("data");
        let mut command = Command::new(kubeward_testkit::kubeward_binary());
        command
            .args(["idp", "serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&data_dir)
            .arg("--import-realm")
            .arg(seed_realm_file())
            .args(args)
            .env("RUST_LOG", "warn")
            .env_remove("KC_BOOTSTRAP_ADMIN_USERNAME")
            .env_remove("KC_BOOTSTRAP_ADMIN_PASSWORD")
            .stderr(Stdio::inherit());
        for (k, v) in env {
            command.env(k, v);
        }
        let process = Process::start(command, Stream::Stdout, Duration::from_secs(60), |line| {
            line == "Ready."
        });
        let url = process
            .printed
            .lines()
            .find_map(|line| line.strip_prefix("IdP:"))
            .map(|url| url.trim().to_string())
            .expect("the banner names the IdP");
        Self {
            process,
            dir,
            data_dir,
            url,
        }
    }

    /// The CA that signed the provider's certificate.
    pub fn ca(&self) -> PathBuf {
        self.data_dir.join("pki/ca.crt")
    }

    /// `https://…/realms/<realm>`.
    pub fn issuer(&self, realm: &str) -> String {
        format!("{}/realms/{realm}", self.url)
    }

    /// `curl ARGS…` trusting the provider's CA: (HTTP status, body).
    pub fn curl(&self, args: &[&str]) -> (u16, String) {
        curl(&self.ca(), args)
    }

    /// The seed 001 password grant with these credentials: (status, body as JSON).
    pub fn password_grant(&self, username: &str, password: &str, secret: &str) -> (u16, Value) {
        let url = format!(
            "{}/protocol/openid-connect/token",
            self.issuer("kubernetes")
        );
        let (status, body) = self.curl(&[
            "--location",
            &url,
            "--header",
            "Content-Type: application/x-www-form-urlencoded",
            "-d",
            "grant_type=password",
            "-d",
            "client_id=kubernetes-client",
            "-d",
            &format!("username={username}"),
            "-d",
            &format!("password={password}"),
            "-d",
            "scope=openid",
            "-d",
            &format!("client_secret={secret}"),
        ]);
        (status, json(&body))
    }

    /// A form POST to a realm endpoint: (status, body).
    pub fn post_form(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let url = format!("{}{path}", self.url);
        let mut args: Vec<String> = vec![url, "-d".into(), String::new()];
        for (k, v) in form {
            args.push("--data-urlencode".into());
            args.push(format!("{k}={v}"));
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.curl(&refs)
    }

    /// `METHOD <url>/admin/realms/<path>` as the master realm's first admin (a token from
    /// admin-cli's password grant), with a JSON body: (status, body).
    pub fn admin(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        let (status, token) = self.post_form(
            "/realms/master/protocol/openid-connect/token",
            &[
                ("grant_type", "password"),
                ("client_id", "admin-cli"),
                ("username", "admin"),
                ("password", &self.admin_password()),
            ],
        );
        assert_eq!(status, 200, "{token}");
        let bearer = format!(
            "Authorization: Bearer {}",
            json(&token)["access_token"].as_str().unwrap()
        );
        let url = format!("{}/admin/realms/{path}", self.url);
        let mut args = vec!["-X", method, "-H", &bearer, &url];
        if let Some(body) = body {
            args.extend(["-H", "Content-Type: application/json", "-d", body]);
        }
        self.curl(&args)
    }

    /// The admin password the provider generated.
    pub fn admin_password(&self) -> String {
        std::fs::read_to_string(self.data_dir.join("idp-admin-password"))
            .expect("idp-admin-password is written")
            .trim()
            .to_string()
    }
}

/// Runs a python-keycloak script of `tests/it/idp` against the provider (environment:
/// `SERVER_URL`, `CA`, `ADMIN_PASSWORD` and `env`) and returns the JSON of its last line.
pub fn python_keycloak(script: &str, idp: &Idp, env: &[(&str, &str)]) -> Value {
    python_keycloak_at(script, &idp.url, &idp.ca(), &idp.admin_password(), env)
}

/// [`python_keycloak`] against the provider at `url` (trusting `ca`), whose first admin's
/// password is `admin_password`: `kubeward up`'s own provider.
pub fn python_keycloak_at(
    script: &str,
    url: &str,
    ca: &Path,
    admin_password: &str,
    env: &[(&str, &str)],
) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/idp")
        .join(script);
    let output = Command::new("python3")
        .arg(&script)
        .env("SERVER_URL", url)
        .env("CA", ca)
        .env("ADMIN_PASSWORD", admin_password)
        // The scripts import keycloak_peer.py: no __pycache__ beside them.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .envs(env.iter().copied())
        .output()
        .expect("python3 is installed (with python-keycloak from testpeers/requirements.txt)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "python failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    json(stdout.lines().last().expect("one JSON line"))
}

/// Runs curl (a missing curl is a failure, never a skip).
pub fn curl(ca: &Path, args: &[&str]) -> (u16, String) {
    let output = Command::new("curl")
        .args(["-sS", "--max-time", "30", "--cacert"])
        .arg(ca)
        .args(["-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("curl is installed (apt-get install curl)");
    assert!(
        output.status.success(),
        "curl failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').expect("curl printed the status");
    (
        status.trim().parse().expect("a status code"),
        body.to_string(),
    )
}

/// A JSON body.
pub fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// The claims of a JWT (decoded, not verified).
pub fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT has three parts");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// The header of a JWT.
pub fn header(token: &str) -> Value {
    let part = token.split('.').next().expect("a header");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64url header");
    serde_json::from_slice(&bytes).expect("JSON header")
}
