//! An etcd cluster on loopback, started from Debian's `etcd-server` (the `etcd` binary on the
//! `PATH`, or `KUBEWARD_ETCD`): members on ports chosen by the kernel, data in a temporary
//! directory (on tmpfs when there is one, where fsync costs nothing), each member killable with
//! SIGKILL and restartable on its data. Everything is killed when the cluster is dropped.

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

/// How long a cluster may take to elect a leader.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The PEM a client needs to reach a TLS cluster (client certificates are required).
#[derive(Clone)]
pub struct ClientTls {
    /// The CA that signed the members' serving certificates and the client certificate.
    pub ca_pem: String,
    /// The client certificate.
    pub cert_pem: String,
    /// The client certificate's key.
    pub key_pem: String,
    /// The same three written to files (`ca.crt`, `client.crt`, `client.key`).
    pub files: (PathBuf, PathBuf, PathBuf),
}

struct Member {
    name: String,
    client_port: u16,
    peer_port: u16,
    process: Option<Child>,
}

/// A running etcd cluster.
pub struct EtcdCluster {
    dir: tempfile::TempDir,
    members: Vec<Member>,
    tls: Option<ClientTls>,
}

/// The etcd binary.
fn etcd_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("KUBEWARD_ETCD") {
        return PathBuf::from(path);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("etcd"))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!("etcd is not installed: apt-get install etcd-server (Debian's etcd 3.4), or set KUBEWARD_ETCD")
        })
}

/// Ports the kernel hands out now (free when this returns, as far as anyone can tell).
fn free_ports(count: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..count)
        .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free loopback port"))
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().expect("bound").port())
        .collect()
}

fn temporary_dir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    let builder = {
        let mut builder = tempfile::Builder::new();
        builder.prefix("kubeward-etcd-");
        builder
    };
    if shm.is_dir()
        && let Ok(dir) = builder.tempdir_in(shm)
    {
        return dir;
    }
    builder.tempdir().expect("a temporary directory")
}

/// `GET /health` of a member: whether it answers `"health":"true"` (it has a leader).
fn healthy(port: u16, tls: bool) -> bool {
    if tls {
        // A TLS member: its port accepting connections is as far as a plain socket can see.
        return TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok();
    }
    let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.contains("\"health\":\"true\"")
}

impl EtcdCluster {
    /// Starts a cluster of `size` members (plain HTTP) and waits until every member has a
    /// leader. Panics with the members' logs when it does not come up.
    pub fn start(size: usize) -> Self {
        Self::start_with(size, false)
    }

    /// Starts a cluster whose members serve clients over TLS only and require a client
    /// certificate (`--client-cert-auth`), with certificates made now.
    pub fn start_tls(size: usize) -> Self {
        Self::start_with(size, true)
    }

    fn start_with(size: usize, tls: bool) -> Self {
        let dir = temporary_dir();
        let tls = tls.then(|| write_certificates(dir.path()));
        let ports = free_ports(2 * size);
        let members = (0..size)
            .map(|i| Member {
                name: format!("m{i}"),
                client_port: ports[2 * i],
                peer_port: ports[2 * i + 1],
                process: None,
            })
            .collect();
        let mut cluster = Self { dir, members, tls };
        for member in 0..size {
            cluster.spawn(member, "new");
        }
        cluster.wait_healthy();
        cluster
    }

    /// The client URLs of every member (`--etcd-servers`).
    pub fn endpoints(&self) -> Vec<String> {
        (0..self.members.len()).map(|i| self.endpoint(i)).collect()
    }

    /// The client URL of one member.
    pub fn endpoint(&self, member: usize) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.members[member].client_port)
    }

    /// The client credentials of a TLS cluster.
    pub fn client_tls(&self) -> Option<&ClientTls> {
        self.tls.as_ref()
    }

    /// Kills one member with SIGKILL (as a crash would) and waits for it to be gone.
    pub fn kill(&mut self, member: usize) {
        if let Some(mut process) = self.members[member].process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }

    /// Starts a killed member again on its data, and waits until it is back in the cluster.
    pub fn restart(&mut self, member: usize) {
        self.spawn(member, "existing");
        self.wait_healthy();
    }

    fn initial_cluster(&self) -> String {
        self.members
            .iter()
            .map(|m| format!("{}=http://127.0.0.1:{}", m.name, m.peer_port))
            .collect::<Vec<_>>()
            .join(",")
    }

    fn log_path(&self, member: usize) -> PathBuf {
        self.dir
            .path()
            .join(format!("{}.log", self.members[member].name))
    }

    fn spawn(&mut self, member: usize, state: &str) {
        let initial_cluster = self.initial_cluster();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path(member))
            .expect("etcd log file");
        let client_url = self.endpoint(member);
        let m = &self.members[member];
        let peer_url = format!("http://127.0.0.1:{}", m.peer_port);
        let mut command = Command::new(etcd_binary());
        command
            .arg("--name")
            .arg(&m.name)
            .arg("--data-dir")
            .arg(self.dir.path().join(&m.name))
            .args(["--listen-client-urls", &client_url])
            .args(["--advertise-client-urls", &client_url])
            .args(["--listen-peer-urls", &peer_url])
            .args(["--initial-advertise-peer-urls", &peer_url])
            .args(["--initial-cluster", &initial_cluster])
            .args(["--initial-cluster-state", state])
            .args(["--initial-cluster-token", "kubeward-test"])
            // Elections in a fraction of a second on loopback.
            .args(["--heartbeat-interval", "50", "--election-timeout", "500"])
            .args(["--logger", "zap", "--log-level", "warn"]);
        if let Some(tls) = &self.tls {
            let (ca, _, _) = &tls.files;
            command
                .arg("--cert-file")
                .arg(self.dir.path().join("server.crt"))
                .arg("--key-file")
                .arg(self.dir.path().join("server.key"))
                .arg("--trusted-ca-file")
                .arg(ca)
                .arg("--client-cert-auth");
        }
        let process = command
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("starting etcd: {e}"));
        self.members[member].process = Some(process);
    }

    fn wait_healthy(&mut self) {
        let deadline = Instant::now() + START_TIMEOUT;
        let tls = self.tls.is_some();
        for member in 0..self.members.len() {
            if self.members[member].process.is_none() {
                continue;
            }
            while !healthy(self.members[member].client_port, tls) {
                let exited = self.members[member]
                    .process
                    .as_mut()
                    .and_then(|p| p.try_wait().ok().flatten());
                if exited.is_some() || Instant::now() > deadline {
                    let log = std::fs::read_to_string(self.log_path(member)).unwrap_or_default();
                    panic!(
                        "etcd member {} did not come up ({exited:?}):\n{log}",
                        self.members[member].name
                    );
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

impl Drop for EtcdCluster {
    fn drop(&mut self) {
        for member in 0..self.members.len() {
            self.kill(member);
        }
    }
}

/// A CA, a serving certificate for 127.0.0.1 and a client certificate, written to `dir`.
fn write_certificates(dir: &Path) -> ClientTls {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "etcd test CA");
    let ca_pem = ca_params.self_signed(&ca_key).expect("CA").pem();
    let issuer = Issuer::new(ca_params, ca_key);
    let issue = |names: Vec<String>, common_name: &str| {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(names).expect("params");
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        let cert = params.signed_by(&key, &issuer).expect("certificate");
        (cert.pem(), key.serialize_pem())
    };
    let (server_pem, server_key) = issue(
        vec!["127.0.0.1".to_string(), "localhost".to_string()],
        "etcd",
    );
    let (cert_pem, key_pem) = issue(Vec::new(), "kubeward");
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write a certificate");
        path
    };
    write("server.crt", &server_pem);
    write("server.key", &server_key);
    let files = (
        write("ca.crt", &ca_pem),
        write("client.crt", &cert_pem),
        write("client.key", &key_pem),
    );
    ClientTls {
        ca_pem,
        cert_pem,
        key_pem,
        files,
    }
}
