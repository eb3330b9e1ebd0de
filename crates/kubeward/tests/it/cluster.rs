//! A real `kubeward up` on a free port in a temporary data directory, and the real kubectl
//! pointed at it.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The kubectl every machine has; other versions live beside the Cloud SDK.
const KUBECTL: &str = "/usr/bin/kubectl";

/// How long `kubeward up` may take to say it is ready.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running `kubeward up`; stopped (SIGKILL) when dropped.
pub struct Cluster {
    child: Child,
    /// The temporary folder holding the data directory and the test's scratch files.
    pub dir: tempfile::TempDir,
    /// `<data-dir>`.
    pub data_dir: PathBuf,
    /// `<data-dir>/admin.kubeconfig`.
    pub admin_kubeconfig: PathBuf,
    /// `https://127.0.0.1:<port>`.
    pub server: String,
    /// The identity provider, `https://127.0.0.1:<port>`.
    pub idp: String,
    /// What `kubeward up` printed on stdout up to readiness.
    pub banner: String,
}

impl Cluster {
    /// Starts `kubeward up --data-dir <tmp>/data --secure-port 0` and waits until it is ready.
    pub fn up() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let data_dir = dir.path().join("data");
        Self::start(dir, data_dir)
    }

    /// Starts `kubeward up … EXTRA…` in `dir` (e.g. with `--oidc-*` flags) and waits until it
    /// is ready; its log (`RUST_LOG=info`) goes to `<dir>/kubeward.log`.
    pub fn up_with(dir: tempfile::TempDir, extra: &[String]) -> Self {
        let data_dir = dir.path().join("data");
        Self::start_with(dir, data_dir, extra)
    }

    /// What the server logged so far (servers started with [`Cluster::up_with`]).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.scratch("kubeward.log")).unwrap_or_default()
    }

    /// Starts `kubeward up` on an existing data directory (for restarts).
    pub fn start(dir: tempfile::TempDir, data_dir: PathBuf) -> Self {
        Self::start_with(dir, data_dir, &[])
    }

    fn start_with(dir: tempfile::TempDir, data_dir: PathBuf, extra: &[String]) -> Self {
        let binary = assert_cmd::cargo::cargo_bin("kubeward");
        let (level, stderr) = if extra.is_empty() {
            ("warn", Stdio::inherit())
        } else {
            let log = std::fs::File::create(dir.path().join("kubeward.log")).expect("a log file");
            ("info", Stdio::from(log))
        };
        let mut child = Command::new(binary)
            .args(["up", "--secure-port", "0", "--idp-port", "0", "--data-dir"])
            .env("RUST_LOG", level)
            .arg(&data_dir)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("kubeward up starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (lines_tx, lines_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut banner = String::new();
        let mut server = None;
        let mut idp = None;
        loop {
            match lines_rx.recv_timeout(START_TIMEOUT) {
                Ok(line) => {
                    if let Some(url) = line.trim().strip_prefix("API server:") {
                        server = Some(url.trim().to_string());
                    }
                    if let Some(url) = line.trim().strip_prefix("IdP:") {
                        idp = Some(url.trim().to_string());
                    }
                    banner.push_str(&line);
                    banner.push('\n');
                    if line.trim() == "kubectl auth whoami" {
                        break;
                    }
                }
                Err(error) => {
                    let _ = child.kill();
                    panic!("kubeward up did not become ready ({error}); it printed:\n{banner}");
                }
            }
        }
        let admin_kubeconfig = data_dir.join("admin.kubeconfig");
        Self {
            child,
            dir,
            server: server.expect("the banner names the API server"),
            idp: idp.expect("the banner names the identity provider"),
            admin_kubeconfig,
            data_dir,
            banner,
        }
    }

    /// Stops the server with SIGKILL and returns its folders, for a restart.
    pub fn kill(mut self) -> (tempfile::TempDir, PathBuf) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let dir = std::mem::replace(
            &mut self.dir,
            tempfile::tempdir().expect("a temporary folder"),
        );
        (dir, self.data_dir.clone())
    }

    /// A path in the test's scratch folder.
    pub fn scratch(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `kubectl ARGS…` as the admin.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        self.kubectl_with(KUBECTL, &self.admin_kubeconfig, args)
    }

    /// `kubectl.1.NN ARGS…` as the admin (`minor` = 27 … 33).
    pub fn kubectl_version(&self, minor: u32, args: &[&str]) -> Output {
        let binary = format!("/usr/lib/google-cloud-sdk/bin/kubectl.1.{minor}");
        self.kubectl_with(&binary, &self.admin_kubeconfig, args)
    }

    fn kubectl_with(&self, binary: &str, kubeconfig: &Path, args: &[&str]) -> Output {
        Command::new(binary)
            .env("KUBECONFIG", kubeconfig)
            .env("HOME", self.dir.path())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{binary} runs: {e}"))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// stdout of a command that must have succeeded.
pub fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
