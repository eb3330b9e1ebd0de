//! The API server trusts an OpenID provider we did not write: npm `oidc-provider` (testpeers/)
//! runs as the issuer over HTTPS with a test CA (`oidc_provider.mjs`), `kubeward up` trusts it
//! through kube-apiserver's `--oidc-*` flags or an `--authentication-config` file, and real
//! kubectl presents its ID tokens. Bad tokens get the exact 401 body, the reason is logged (the
//! token never), and the server keeps answering.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kubeward_jose::jws::{encode_part, sign};
use kubeward_jose::{Algorithm, SigningKey};
use kubeward_testkit::process::{Process, Stream};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer as CaIssuer, KeyPair};
use serde_json::{Value, json};

use crate::support::{repo, run};
use kubeward_testkit::cluster::{Cluster, ok};
use kubeward_testkit::golden;

pub(crate) const CLIENT_ID: &str = "kubernetes";
pub(crate) const CLIENT_SECRET: &str = "oidc-provider-secret";
const PASSWORD: &str = "jiwoo-password";

/// The npm oidc-provider, running; killed when dropped.
pub(crate) struct Provider {
    process: Process,
    dir: PathBuf,
    port: u16,
    pub(crate) key: SigningKey,
}

impl Provider {
    /// Writes a CA and a serving certificate for 127.0.0.1 into `dir` and starts the provider
    /// on a port it picks itself, signing with `key`.
    pub(crate) fn start(dir: &Path, key: SigningKey) -> Self {
        write_certificates(dir);
        Self::spawn(dir, 0, key, json!({}))
    }

    /// Starts the provider with the certificates [`write_certificates`] wrote into `dir`
    /// before, and more of `oidc_provider.mjs`'s settings (`usersFile`, `redirectUris`,
    /// `refreshTokens`).
    pub(crate) fn start_prepared(dir: &Path, key: SigningKey, extra: Value) -> Self {
        Self::spawn(dir, 0, key, extra)
    }

    fn spawn(dir: &Path, port: u16, key: SigningKey, extra: Value) -> Self {
        let testpeers = repo().join("testpeers");
        assert!(
            testpeers.join("node_modules/oidc-provider").is_dir(),
            "testpeers are not installed: run `npm ci --prefix testpeers` first"
        );
        std::fs::write(dir.join("signing.pem"), key.to_pkcs8_pem().expect("PKCS#8"))
            .expect("write the signing key");
        let mut config = json!({
            "testpeers": testpeers,
            "port": port,
            "cert": dir.join("issuer.crt"),
            "key": dir.join("issuer.key"),
            "signingKey": dir.join("signing.pem"),
            "kid": key.key_id(),
            "alg": key.algorithm().as_str(),
            "clientId": CLIENT_ID,
            "clientSecret": CLIENT_SECRET,
            "users": {
                "jiwoo": {"password": PASSWORD, "claims": {
                    "preferred_username": "jiwoo", "groups": ["dev-team"],
                    "email": "jiwoo@example.com", "email_verified": true}},
                "mallory": {"password": PASSWORD, "claims": {
                    "preferred_username": "mallory", "groups": "outsiders",
                    "email": "mallory@evil.example", "email_verified": false}},
            },
        });
        if let (Some(config), Some(extra)) = (config.as_object_mut(), extra.as_object()) {
            config.extend(extra.clone());
        }
        let config_path = dir.join("provider.json");
        std::fs::write(&config_path, config.to_string()).expect("write the provider config");
        let script = repo().join("crates/kubeward/tests/it/oidc_provider.mjs");
        let mut command = Command::new("node");
        command.arg(&script).arg(&config_path).stderr(Stdio::null());
        let process = Process::start(command, Stream::Stdout, Duration::from_secs(30), |line| {
            line.starts_with("ready ")
        });
        let port = process
            .printed
            .lines()
            .find_map(|line| line.strip_prefix("ready https://127.0.0.1:"))
            .and_then(|port| port.trim().parse().ok())
            .expect("the provider names its port");
        Self {
            process,
            dir: dir.to_path_buf(),
            port,
            key,
        }
    }

    /// Stops the provider and starts it again on the same port with another signing key.
    fn rotate(mut self, key: SigningKey) -> Self {
        self.process.kill();
        let dir = self.dir.clone();
        let port = self.port;
        drop(self);
        Self::spawn(&dir, port, key, json!({}))
    }

    pub(crate) fn issuer(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    pub(crate) fn ca(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }

    /// An ID token from the provider's password grant.
    pub(crate) fn id_token(&self, user: &str) -> String {
        let output = Command::new("curl")
            .args(["-sS", "--fail-with-body", "--cacert"])
            .arg(self.ca())
            .args(["-u", &format!("{CLIENT_ID}:{CLIENT_SECRET}")])
            .args([
                "-d",
                "grant_type=password",
                "-d",
                &format!("username={user}"),
            ])
            .args([
                "-d",
                &format!("password={PASSWORD}"),
                "-d",
                "scope=openid profile email",
            ])
            .arg(format!("{}/token", self.issuer()))
            .output()
            .expect("curl runs");
        let body: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "token response: {e}: {}",
                String::from_utf8_lossy(&output.stdout)
            )
        });
        body["id_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no id_token in {body}"))
            .to_string()
    }

    /// A token with the provider's own key but claims of the test's choosing.
    pub(crate) fn forge(&self, claims: &Value) -> String {
        sign(claims, &self.key).expect("sign")
    }

    /// The claims the provider puts in jiwoo's ID token, valid now.
    pub(crate) fn claims(&self) -> Value {
        let now = unix_now();
        json!({"iss": self.issuer(), "aud": CLIENT_ID, "sub": "jiwoo", "preferred_username": "jiwoo",
               "groups": ["dev-team"], "iat": now, "exp": now + 600})
    }
}

pub(crate) fn unix_now() -> u64 {
    #[allow(clippy::disallowed_methods)] // The test compares with the server's real clock.
    let now = SystemTime::now();
    now.duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// Writes a CA (`ca.crt`) and its serving certificate for 127.0.0.1 (`issuer.crt`,
/// `issuer.key`) into `dir`.
pub(crate) fn write_certificates(dir: &Path) {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "oidc-provider test CA");
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA");
    std::fs::write(dir.join("ca.crt"), ca_cert.pem()).expect("write CA");
    let issuer = CaIssuer::new(ca_params, ca_key);
    let key = KeyPair::generate().expect("serving key");
    let params = CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("serving params");
    let cert = params
        .signed_by(&key, &issuer)
        .expect("serving certificate");
    std::fs::write(dir.join("issuer.crt"), cert.pem()).expect("write certificate");
    std::fs::write(dir.join("issuer.key"), key.serialize_pem()).expect("write key");
}

/// A kubeconfig with the cluster's CA and no credentials (kubectl gets `--token`).
fn token_kubeconfig(cluster: &Cluster) -> PathBuf {
    let path = cluster.scratch("token.kubeconfig");
    let ca = cluster.data_dir.join("pki/ca.crt");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {}\n    certificate-authority: {}\nusers:\n- name: u\n  user: {{}}\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\n",
            cluster.server,
            ca.display()
        ),
    )
    .expect("write kubeconfig");
    path
}

/// `kubectl --token=TOKEN ARGS…` → (exit code, stdout, stderr).
fn kubectl_as(cluster: &Cluster, token: &str, args: &[&str]) -> (i32, String, String) {
    let output = Command::new("/usr/bin/kubectl")
        .env("KUBECONFIG", token_kubeconfig(cluster))
        .env("HOME", cluster.dir.path())
        .arg(format!("--token={token}"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("kubectl runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `curl -i` with `Authorization: Bearer TOKEN` → (status line, body).
pub(crate) fn curl_as(cluster: &Cluster, token: &str, path: &str) -> (String, String) {
    // The header goes through a file: a large token does not fit in one argument.
    let header = cluster.scratch("authorization.header");
    std::fs::write(&header, format!("Authorization: Bearer {token}\n")).expect("write header");
    let output = Command::new("curl")
        .args(["-sS", "-i", "--cacert"])
        .arg(cluster.data_dir.join("pki/ca.crt"))
        .arg("-H")
        .arg(format!("@{}", header.display()))
        .arg(format!("{}{path}", cluster.server))
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n");
    if text.is_empty() {
        return (
            String::new(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        );
    }
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    (
        head.lines().next().unwrap_or_default().trim().to_string(),
        body.to_string(),
    )
}

/// The 401 body a real kube-apiserver answered (golden `c-default-rbac/31-malformed-jwt-401`).
fn golden_401_body() -> String {
    let out = golden::stdout_of("c-default-rbac/31-malformed-jwt-401").replace("\r\n", "\n");
    out.split_once("\n\n")
        .expect("headers and body")
        .1
        .to_string()
}

/// Waits until the server has fetched the issuer's keys and accepts `token`.
pub(crate) fn wait_accepted(cluster: &Cluster, token: &str, within: Duration) -> String {
    let start = Instant::now();
    loop {
        let (code, stdout, stderr) = kubectl_as(cluster, token, &["auth", "whoami"]);
        if code == 0 {
            return stdout;
        }
        assert!(
            start.elapsed() < within,
            "the token was not accepted within {within:?}: {stderr}\nserver log:\n{}",
            cluster.log()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn whoami_cells(stdout: &str) -> Vec<Vec<String>> {
    golden::table_cells(stdout)
}

pub(crate) fn golden_flags(provider: &Provider) -> Vec<String> {
    vec![
        format!("--oidc-issuer-url={}", provider.issuer()),
        format!("--oidc-client-id={CLIENT_ID}"),
        format!("--oidc-ca-file={}", provider.ca().display()),
        "--oidc-username-claim=preferred_username".into(),
        "--oidc-username-prefix=-".into(),
        "--oidc-groups-claim=groups".into(),
        "--oidc-groups-prefix=oidc:".into(),
    ]
}

#[test]
fn oidc_flags_map_the_user_and_rbac_applies() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let provider = Provider::start(
        dir.path(),
        SigningKey::generate(Algorithm::RS256).expect("key"),
    );
    let cluster = Cluster::up_with(dir, &golden_flags(&provider));
    let token = provider.id_token("jiwoo");

    let whoami = wait_accepted(&cluster, &token, Duration::from_secs(20));
    assert_eq!(
        whoami_cells(&whoami),
        [
            vec!["ATTRIBUTE", "VALUE"],
            vec!["Username", "jiwoo"],
            vec!["Groups", "[oidc:dev-team system:authenticated]"],
        ]
    );

    // Forbidden before a binding.
    let (code, _, stderr) = kubectl_as(&cluster, &token, &["get", "pods", "-n", "default"]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "Error from server (Forbidden): pods is forbidden: User \"jiwoo\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"\n"
    );
    // The admin binds the group; then pods and namespaces can be read, nothing else.
    ok(&cluster.kubectl(&[
        "create",
        "clusterrole",
        "oidc-reader",
        "--verb=get,list",
        "--resource=pods,namespaces",
    ]));
    ok(&cluster.kubectl(&[
        "create",
        "clusterrolebinding",
        "oidc-reader",
        "--clusterrole=oidc-reader",
        "--group=oidc:dev-team",
    ]));
    let (code, stdout, stderr) = kubectl_as(&cluster, &token, &["get", "pods", "-n", "default"]);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    assert_eq!(stderr, "No resources found in default namespace.\n");
    let (code, _, stderr) = kubectl_as(&cluster, &token, &["delete", "namespace", "default"]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "Error from server (Forbidden): namespaces \"default\" is forbidden: User \"jiwoo\" cannot delete resource \"namespaces\" in API group \"\" in the namespace \"default\"\n"
    );
    // Seed 001's curl with the id_token returns the Namespace.
    let (status, body) = curl_as(&cluster, &token, "/api/v1/namespaces/default");
    assert_eq!(status, "HTTP/2 200", "{body}");
    let namespace: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(namespace["kind"], "Namespace");
    assert_eq!(namespace["metadata"]["name"], "default");

    // A string groups claim is one group.
    let mallory = provider.id_token("mallory");
    let whoami = wait_accepted(&cluster, &mallory, Duration::from_secs(5));
    assert_eq!(
        whoami_cells(&whoami)[2],
        ["Groups", "[oidc:outsiders system:authenticated]"]
    );

    bad_tokens_get_401(&cluster, &provider, &token);
}

/// Every bad token: 401 with the golden body, the reason in the log, never the token; the
/// server still answers afterwards.
fn bad_tokens_get_401(cluster: &Cluster, provider: &Provider, good: &str) {
    let claims = provider.claims();
    let with = |key: &str, value: Value| {
        let mut c = claims.clone();
        c[key] = value;
        c
    };
    let raw = |header: Value, payload: &Value, signature: &[u8]| {
        format!(
            "{}.{}.{}",
            encode_part(header.to_string().as_bytes()),
            encode_part(payload.to_string().as_bytes()),
            encode_part(signature)
        )
    };
    let stranger = SigningKey::generate(Algorithm::RS256).expect("key");
    let hs256 = {
        let header = json!({"alg": "HS256", "kid": provider.key.key_id()});
        let input = format!(
            "{}.{}",
            encode_part(header.to_string().as_bytes()),
            encode_part(claims.to_string().as_bytes())
        );
        let mac = hmac_sha256(provider.key.public_key().spki_der(), input.as_bytes());
        format!("{input}.{}", encode_part(&mac))
    };
    let now = unix_now();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "alg none",
            raw(json!({"alg": "none"}), &claims, b""),
            "unsupported algorithm, expected [\"RS256\"] got \"none\"",
        ),
        (
            "HS256 with the public key",
            hs256,
            "unsupported algorithm, expected [\"RS256\"] got \"HS256\"",
        ),
        (
            "unknown kid",
            sign(&claims, &stranger).expect("sign"),
            "failed to verify id token signature",
        ),
        (
            "wrong issuer",
            provider.forge(&with("iss", json!("https://evil.example"))),
            "invalid bearer token",
        ),
        (
            "wrong audience",
            provider.forge(&with("aud", json!("someone-else"))),
            "oidc: expected audience \"kubernetes\" got [\"someone-else\"]",
        ),
        (
            "expired",
            provider.forge(&with("exp", json!(now - 120))),
            "oidc: token is expired (Token Expiry: ",
        ),
        (
            "not yet valid",
            provider.forge(&with("nbf", json!(now + 3600))),
            "before the nbf (not before) time",
        ),
        (
            "oversized",
            sign(&with("pad", json!("x".repeat(40_000))), &stranger).expect("sign"),
            "failed to verify id token signature",
        ),
        (
            "malformed base64",
            format!(
                "{}.@@@.{}",
                encode_part(b"{\"alg\":\"RS256\"}"),
                encode_part(b"sig")
            ),
            "invalid bearer token",
        ),
        (
            "malformed JSON",
            raw(json!({"alg": "RS256"}), &json!("not an object"), b"sig"),
            "invalid bearer token",
        ),
        (
            "tampered",
            {
                let t = provider.forge(&claims);
                let parts: Vec<&str> = t.split('.').collect();
                format!(
                    "{}.{}.{}",
                    parts[0],
                    encode_part(
                        with("preferred_username", json!("admin"))
                            .to_string()
                            .as_bytes()
                    ),
                    parts[2]
                )
            },
            "failed to verify id token signature",
        ),
    ];
    let expected_body = golden_401_body();
    for (name, token, reason) in &cases {
        let (status, body) = curl_as(cluster, token, "/api/v1/namespaces");
        assert_eq!(status, "HTTP/2 401", "{name}: {body}");
        assert_eq!(body, expected_body, "{name}");
        assert!(
            cluster.log().contains(reason),
            "{name}: {reason:?} not in the log:\n{}",
            cluster.log()
        );
    }
    // Size alone is no reason: as by kube-apiserver, a validly signed 55 kB token is accepted.
    let big = provider.forge(&with("pad", json!("x".repeat(40_000))));
    let (status, body) = curl_as(cluster, &big, "/api/v1/namespaces");
    assert_eq!(status, "HTTP/2 200", "{body}");
    let log = cluster.log();
    for (name, token, _) in &cases {
        let signature = token.rsplit('.').next().unwrap_or_default();
        if signature.len() > 8 {
            assert!(!log.contains(signature), "{name}: the log shows the token");
        }
    }
    assert!(!log.contains(good), "the log shows a token");
    // Still answering.
    let (code, _, stderr) = kubectl_as(cluster, good, &["auth", "whoami"]);
    assert_eq!(code, 0, "{stderr}");
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC-SHA256 through openssl, as an attacker would compute it.
    let key_hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let mut child = Command::new("openssl")
        .args([
            "dgst",
            "-sha256",
            "-mac",
            "HMAC",
            "-macopt",
            &format!("hexkey:{key_hex}"),
            "-binary",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("openssl runs");
    use std::io::Write as _;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(message)
        .expect("write");
    let output = child.wait_with_output().expect("openssl finishes");
    assert!(output.status.success());
    output.stdout
}

#[test]
fn a_rotated_signing_key_is_fetched_on_an_unknown_kid() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let provider = Provider::start(
        dir.path(),
        SigningKey::generate(Algorithm::RS256).expect("key"),
    );
    let cluster = Cluster::up_with(dir, &golden_flags(&provider));
    wait_accepted(
        &cluster,
        &provider.id_token("jiwoo"),
        Duration::from_secs(20),
    );
    let provider = provider.rotate(SigningKey::generate(Algorithm::RS256).expect("key"));
    let rotated = provider.id_token("jiwoo");
    // Refetched within the 10-second rate limit of unknown-kid refreshes.
    let whoami = wait_accepted(&cluster, &rotated, Duration::from_secs(15));
    assert_eq!(whoami_cells(&whoami)[1], ["Username", "jiwoo"]);
    assert!(
        cluster
            .log()
            .contains("keys refreshed for an unknown key id")
    );
}

#[test]
fn an_authentication_config_file_maps_with_cel() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let provider = Provider::start(
        dir.path(),
        SigningKey::generate(Algorithm::ES256).expect("key"),
    );
    let ca = std::fs::read_to_string(provider.ca()).expect("CA");
    let indented: String = ca.lines().map(|l| format!("      {l}\n")).collect();
    let config = format!(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\njwt:\n- issuer:\n    url: {}\n    audiences: [{CLIENT_ID}, other]\n    audienceMatchPolicy: MatchAny\n    certificateAuthority: |\n{indented}  claimValidationRules:\n  - expression: claims.email_verified == true\n    message: email must be verified\n  claimMappings:\n    username:\n      expression: \"'oidc:' + claims.email\"\n    groups:\n      claim: groups\n      prefix: 'idp:'\n    uid:\n      claim: sub\n  userValidationRules:\n  - expression: \"!user.username.startsWith('oidc:system:')\"\n    message: no system users\n",
        provider.issuer()
    );
    let path = dir.path().join("authn.yaml");
    std::fs::write(&path, config).expect("write config");
    let cluster = Cluster::up_with(
        dir,
        &[format!("--authentication-config={}", path.display())],
    );
    let whoami = wait_accepted(
        &cluster,
        &provider.id_token("jiwoo"),
        Duration::from_secs(20),
    );
    let cells = whoami_cells(&whoami);
    assert_eq!(cells[1], ["Username", "oidc:jiwoo@example.com"]);
    assert_eq!(cells[2], ["UID", "jiwoo"]);
    assert_eq!(cells[3], ["Groups", "[idp:dev-team system:authenticated]"]);
    // mallory's email is not verified: the claim validation rule refuses her.
    let (status, body) = curl_as(
        &cluster,
        &provider.id_token("mallory"),
        "/api/v1/namespaces",
    );
    assert_eq!(status, "HTTP/2 401");
    assert_eq!(body, golden_401_body());
    assert!(cluster.log().contains(
        "oidc: error evaluating claim validation expression: validation expression 'claims.email_verified == true' failed: email must be verified"
    ));
}

#[test]
fn a_bad_authentication_config_stops_the_start_with_the_field_named() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("authn.yaml");
    std::fs::write(
        &path,
        "apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\njwt:\n- issuer:\n    url: http://issuer.example\n    audiences: [kubernetes]\n  claimMappings:\n    username:\n      claim: sub\n",
    )
    .expect("write config");
    let data = dir.path().join("data");
    let config = format!("--authentication-config={}", path.display());
    let (code, _, stderr) = run(&[
        "up",
        "--secure-port",
        "0",
        "--data-dir",
        data.to_str().expect("utf-8"),
        &config,
    ]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains(
            "jwt[0].issuer.url: Invalid value: \"http://issuer.example\": URL scheme must be https"
        ) && stderr.contains("jwt[0].claimMappings.username.prefix: Required value"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&[
        "up",
        "--secure-port",
        "0",
        "--data-dir",
        data.to_str().expect("utf-8"),
        &config,
        "--oidc-issuer-url=https://a.example",
        "--oidc-client-id=k",
    ]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("authentication-config file and oidc-* flags are mutually exclusive"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&[
        "up",
        "--secure-port",
        "0",
        "--data-dir",
        data.to_str().expect("utf-8"),
        "--oidc-issuer-url=https://a.example",
    ]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("oidc-issuer-url and oidc-client-id must be specified together"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&[
        "up",
        "--secure-port",
        "0",
        "--data-dir",
        data.to_str().expect("utf-8"),
        "--oidc-issuer-url=https://a.example",
        "--oidc-client-id=k",
        "--oidc-signing-algs=HS256",
    ]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("oidc: unsupported signing alg: \"HS256\""),
        "{stderr}"
    );
}
