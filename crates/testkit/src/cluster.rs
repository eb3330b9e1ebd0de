//! A real `kubeward up` on ports it chooses itself, in a temporary data directory, and the real
//! kubectl pointed at it as the admin, an x509 user, a token user or the OIDC user.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::process::{Process, Stream};

/// How long `kubeward up` may take to say it is ready.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The line of `up`'s banner that ends it.
const BANNER_END: &str = "kubectl auth whoami";

/// A running `kubeward up`; stopped when dropped (SIGTERM, so that a lab node stops its pods'
/// processes; SIGKILL after 10 seconds).
pub struct Cluster {
    process: Process,
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
    /// Starts `kubeward up` in a fresh temporary folder and waits until it is ready.
    pub fn up() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let data_dir = dir.path().join("data");
        Self::start(dir, data_dir)
    }

    /// Starts `kubeward up … EXTRA…` in `dir` and waits until it is ready; its log
    /// (`RUST_LOG=info`) goes to `<dir>/kubeward.log`. EXTRA may name `--idp-port`.
    pub fn up_with(dir: tempfile::TempDir, extra: &[String]) -> Self {
        Self::up_with_env(dir, extra, &[])
    }

    /// [`Cluster::up_with`] with environment variables set for `kubeward up` alone (e.g.
    /// `KUBECONFIG` for `--merge-kubeconfig`).
    pub fn up_with_env(dir: tempfile::TempDir, extra: &[String], env: &[(&str, &OsStr)]) -> Self {
        let data_dir = dir.path().join("data");
        let argument = data_dir.clone().into_os_string();
        Self::launch(dir, data_dir, None, &argument, extra, env)
    }

    /// Starts `kubeward up` on an existing data directory (for restarts).
    pub fn start(dir: tempfile::TempDir, data_dir: PathBuf) -> Self {
        Self::start_with(dir, data_dir, &[])
    }

    /// Starts `kubeward up … EXTRA…` on an existing data directory (a restart with flags); its
    /// log goes to `<dir>/kubeward.log`.
    pub fn restart_with(dir: tempfile::TempDir, data_dir: PathBuf, extra: &[String]) -> Self {
        Self::start_with(dir, data_dir, extra)
    }

    /// Starts `kubeward up --data-dir RELATIVE` in the folder `cwd` (inside `dir`), as a user
    /// who runs it where they stand; its log goes to `<dir>/kubeward.log`.
    pub fn up_in(dir: tempfile::TempDir, cwd: &Path, relative: &str) -> Self {
        Self::launch(
            dir,
            cwd.join(relative),
            Some(cwd),
            OsStr::new(relative),
            &[],
            &[],
        )
    }

    fn start_with(dir: tempfile::TempDir, data_dir: PathBuf, extra: &[String]) -> Self {
        let argument = data_dir.clone().into_os_string();
        Self::launch(dir, data_dir, None, &argument, extra, &[])
    }

    fn launch(
        dir: tempfile::TempDir,
        data_dir: PathBuf,
        cwd: Option<&Path>,
        data_dir_argument: &OsStr,
        extra: &[String],
        env: &[(&str, &OsStr)],
    ) -> Self {
        let (level, stderr) = if extra.is_empty() && cwd.is_none() {
            ("warn", Stdio::inherit())
        } else {
            let log = std::fs::File::create(dir.path().join("kubeward.log")).expect("a log file");
            ("info", Stdio::from(log))
        };
        let mut command = Command::new(crate::kubeward_binary());
        if let Some(cwd) = cwd {
            command.current_dir(cwd);
        }
        // Any free port for the identity provider, unless the caller names one.
        let idp_port: &[&str] = match extra.iter().any(|a| a.starts_with("--idp-port")) {
            true => &[],
            false => &["--idp-port", "0"],
        };
        command
            .args(["up", "--secure-port", "0"])
            .args(idp_port)
            .arg("--data-dir")
            .arg(data_dir_argument)
            .args(extra)
            .env("RUST_LOG", level)
            .envs(env.iter().copied())
            .stderr(stderr);
        let process = Process::start(command, Stream::Stdout, START_TIMEOUT, |line| {
            line.trim() == BANNER_END
        });
        let banner = process.printed.clone();
        let field = |prefix: &str| {
            banner
                .lines()
                .find_map(|line| line.trim().strip_prefix(prefix))
                .map(|value| value.trim().to_string())
                .unwrap_or_else(|| panic!("the banner names {prefix}\n{banner}"))
        };
        let server = field("API server:");
        let idp = field("IdP:");
        Self {
            process,
            admin_kubeconfig: data_dir.join("admin.kubeconfig"),
            dir,
            data_dir,
            server,
            idp,
            banner,
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// How many file descriptors the server holds open now.
    pub fn open_files(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .map(|entries| entries.count())
            .unwrap_or(0)
    }

    /// The lines `kubeward up` printed on stdout since its banner (or the last call).
    pub fn stdout_lines(&self) -> Vec<String> {
        self.process.take_lines()
    }

    /// What the server logged so far (servers started with [`Cluster::up_with`]).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.scratch("kubeward.log")).unwrap_or_default()
    }

    /// Stops the server with SIGKILL and returns its folders, for a restart.
    pub fn kill(mut self) -> (tempfile::TempDir, PathBuf) {
        self.process.kill();
        let dir = std::mem::replace(
            &mut self.dir,
            tempfile::tempdir().expect("a temporary folder"),
        );
        (dir, self.data_dir.clone())
    }

    /// Stops the server with SIGTERM (as a clean shutdown), waits for it to exit, and returns
    /// its folders.
    pub fn terminate(mut self) -> (tempfile::TempDir, PathBuf) {
        self.process.terminate(Duration::from_secs(20));
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

    /// The cluster CA, PEM.
    pub fn ca_pem(&self) -> String {
        std::fs::read_to_string(self.data_dir.join("pki/ca.crt")).expect("the cluster CA")
    }

    /// `kubectl ARGS…` as the admin.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        self.kubectl_as(&self.admin_kubeconfig, args)
    }

    /// `kubectl.1.NN ARGS…` as the admin (`minor` = 27 … 33).
    pub fn kubectl_version(&self, minor: u32, args: &[&str]) -> Output {
        self.run_kubectl(&crate::kubectl_version(minor), &self.admin_kubeconfig, args)
    }

    /// `kubectl ARGS…` with `kubeconfig`.
    pub fn kubectl_as(&self, kubeconfig: &Path, args: &[&str]) -> Output {
        self.run_kubectl(Path::new(crate::KUBECTL), kubeconfig, args)
    }

    fn run_kubectl(&self, binary: &Path, kubeconfig: &Path, args: &[&str]) -> Output {
        Command::new(binary)
            .env("KUBECONFIG", kubeconfig)
            .env("HOME", self.dir.path())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{} runs: {e}", binary.display()))
    }

    /// A kubeconfig for user `name` in `groups` with a client certificate from the cluster CA
    /// (as `kubeward user add` or seed 002 would make one).
    pub fn x509_user(&self, name: &str, groups: &[&str]) -> PathBuf {
        let pki = self.data_dir.join("pki");
        let read = |file: &str| std::fs::read_to_string(pki.join(file)).expect("the cluster CA");
        let ca = kubeward_pki::CertificateAuthority::from_pem(&read("ca.crt"), &read("ca.key"))
            .expect("the cluster CA loads");
        let groups: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
        let issued = ca
            .issue_client(
                name,
                &groups,
                time::OffsetDateTime::now_utc(),
                Duration::from_secs(3600),
            )
            .expect("a client certificate");
        let user = format!(
            "    client-certificate-data: {}\n    client-key-data: {}\n",
            STANDARD.encode(&issued.cert_pem),
            STANDARD.encode(&issued.key_pem)
        );
        self.write_kubeconfig(&format!("{name}.kubeconfig"), name, &user)
    }

    /// A kubeconfig presenting bearer `token` (a static, ServiceAccount or OIDC token).
    pub fn token_user(&self, file_name: &str, token: &str) -> PathBuf {
        self.write_kubeconfig(file_name, "token-user", &format!("    token: {token}\n"))
    }

    /// The kubeconfig `up` writes for its own identity provider (kubelogin's exec block).
    pub fn oidc_kubeconfig(&self) -> PathBuf {
        self.data_dir.join("oidc.kubeconfig")
    }

    /// Writes a kubeconfig for this cluster with `user`'s credential lines.
    fn write_kubeconfig(&self, file_name: &str, user: &str, credential: &str) -> PathBuf {
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: kubeward\n  cluster:\n    server: {server}\n    certificate-authority-data: {ca}\nusers:\n- name: {user}\n  user:\n{credential}contexts:\n- name: {user}@kubeward\n  context:\n    cluster: kubeward\n    user: {user}\ncurrent-context: {user}@kubeward\n",
            server = self.server,
            ca = STANDARD.encode(self.ca_pem()),
        );
        let path = self.scratch(file_name);
        std::fs::write(&path, text).expect("write a kubeconfig");
        path
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.process.terminate(Duration::from_secs(10));
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
