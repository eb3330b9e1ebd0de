//! The test issuer (npm oidc-provider on HTTPS with a CA made here), the browser command, and
//! runs of the plugin with a deadline.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use kubeward_testkit::process::{Process, Stream};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer as CaIssuer,
    KeyPair, KeyUsagePurpose,
};

use crate::support::repo;

/// The client registered at the test issuer.
pub const CLIENT_ID: &str = "kubernetes";
/// Its secret.
pub const CLIENT_SECRET: &str = "kubernetes-secret";
/// How long one plugin run may take before the test fails as a hang.
pub const RUN_DEADLINE: Duration = Duration::from_secs(120);

fn login_dir() -> PathBuf {
    repo().join("crates/kubeward/tests/it/login")
}

/// Fails with a clear message when a tool the tests need is missing.
pub fn require_tools() {
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.is_ok_and(|o| o.status.success()),
        "node is required (Debian package nodejs)"
    );
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "/usr/bin/chromium is required (Debian package chromium)"
    );
    for peer in ["oidc-provider", "playwright-core"] {
        let path = repo().join("testpeers/node_modules").join(peer);
        assert!(
            path.exists(),
            "{} is missing: run `npm ci --prefix testpeers`",
            path.display()
        );
    }
}

/// A running test issuer; killed when dropped.
pub struct Issuer {
    /// The node process; killed when the issuer is dropped.
    _process: Process,
    /// Scratch folder: certificates, request log, caches, scripts.
    pub dir: tempfile::TempDir,
    /// `https://127.0.0.1:PORT`.
    pub url: String,
    /// The CA certificate that signed the issuer's certificate.
    pub ca: PathBuf,
    log: PathBuf,
}

fn write_certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name = DistinguishedName::new();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "kubeward login test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).expect("ca cert");
    let issuer = CaIssuer::new(ca_params, ca_key);
    let key = KeyPair::generate().expect("server key");
    let params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .expect("server params");
    let cert = params.signed_by(&key, &issuer).expect("server cert");
    let ca = dir.join("ca.crt");
    let crt = dir.join("issuer.crt");
    let pem_key = dir.join("issuer.key");
    std::fs::write(&ca, ca_cert.pem()).expect("ca.crt");
    std::fs::write(&crt, cert.pem()).expect("issuer.crt");
    std::fs::write(&pem_key, key.serialize_pem()).expect("issuer.key");
    std::fs::set_permissions(&pem_key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    (ca, crt, pem_key)
}

impl Issuer {
    /// Starts the issuer with ID tokens valid `id_token_ttl` seconds.
    pub fn start(id_token_ttl: u64) -> Self {
        require_tools();
        let dir = tempfile::tempdir().expect("a temporary folder");
        let (ca, crt, key) = write_certificates(dir.path());
        let log = dir.path().join("requests.log");
        std::fs::write(&log, "").expect("request log");
        let mut command = Command::new("node");
        command
            .arg(login_dir().join("oidc_provider.mjs"))
            .env("TLS_CERT", &crt)
            .env("TLS_KEY", &key)
            .env("REQUEST_LOG", &log)
            .env("ID_TOKEN_TTL", id_token_ttl.to_string())
            .env("CLIENT_SECRET", CLIENT_SECRET)
            .stdin(Stdio::null())
            .stderr(Stdio::null());
        let process = Process::start(command, Stream::Stdout, Duration::from_secs(30), |line| {
            line.starts_with("ISSUER ")
        });
        let url = process
            .printed
            .lines()
            .find_map(|line| line.strip_prefix("ISSUER "))
            .expect("the issuer names its URL")
            .to_string();
        let issuer = Self {
            _process: process,
            dir,
            url,
            ca,
            log,
        };
        issuer.write_browser_scripts();
        issuer
    }

    fn write_browser_scripts(&self) {
        let browser = login_dir().join("browser.mjs");
        let scripts = [
            (
                "browser.sh",
                format!("#!/bin/sh\nexec node '{}' \"$@\"\n", browser.display()),
            ),
            // A "browser" that comes back to the listener with a forged state.
            (
                "forged-state.sh",
                "#!/bin/sh\nexec curl -sS -o /dev/null \"${1}?code=forged-code&state=forged-state\"\n"
                    .to_string(),
            ),
        ];
        for (name, text) in scripts {
            let path = self.dir.path().join(name);
            std::fs::write(&path, text).expect("script");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
    }

    /// A path in the scratch folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The requests the issuer has received so far, `METHOD PATH` each.
    pub fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .expect("request log")
            .lines()
            .map(String::from)
            .collect()
    }

    /// The flags every run passes: issuer, client, trust, cache, a free listen port, the
    /// Chromium browser command.
    pub fn base_args(&self) -> Vec<String> {
        vec![
            format!("--oidc-issuer-url={}", self.url),
            format!("--oidc-client-id={CLIENT_ID}"),
            format!("--oidc-client-secret={CLIENT_SECRET}"),
            format!("--certificate-authority={}", self.ca.display()),
            format!("--token-cache-dir={}", self.path("cache").display()),
            "--listen-address=127.0.0.1:0".to_string(),
            "--authentication-timeout-sec=90".to_string(),
            format!("--browser-command={}", self.path("browser.sh").display()),
        ]
    }

    /// `kubectl-oidc_login get-token BASE_ARGS EXTRA…` with `env`.
    pub fn get_token(&self, extra: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("kubectl-oidc_login"));
        command
            .arg("get-token")
            .args(self.base_args())
            .args(extra)
            .env("HOME", self.dir.path())
            .env_remove("KUBERNETES_EXEC_INFO")
            .env_remove("KUBECACHEDIR");
        for (key, value) in env {
            command.env(key, value);
        }
        run(command)
    }
}

/// Runs `command` (stdin closed), failing the test if it outlives [`RUN_DEADLINE`].
pub fn run(mut command: Command) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > RUN_DEADLINE {
            let _ = child.kill();
            let output = child.wait_with_output().expect("output");
            panic!(
                "the command hung for {RUN_DEADLINE:?}; stderr:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// stderr of a run that must have failed with exit code 1 and printed nothing on stdout.
pub fn failed(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "stderr:\n{stderr}");
    assert!(
        output.stdout.is_empty(),
        "stdout must stay empty: {:?}",
        output.stdout
    );
    stderr
}

/// The claims of an ID token (the payload, decoded by the test itself).
pub fn claims(token: &str) -> serde_json::Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// The ExecCredential a run printed.
pub fn credential(stdout: &str) -> serde_json::Value {
    assert!(
        stdout.ends_with('\n') && stdout.lines().count() == 1,
        "{stdout:?}"
    );
    serde_json::from_str(stdout).expect("an ExecCredential")
}
