//! Where the servers keep their objects, with kube-apiserver's flags: the embedded redb file
//! of the data directory (the default), or etcd v3 (`--storage-backend=etcd3`,
//! `--etcd-servers`, …) so that several replicas share one state.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Args;
use kubeward_store::{EtcdOptions, EtcdStore, EtcdTls, RedbStore, Store};

/// The value of `--storage-backend` for etcd (kube-apiserver's).
const ETCD3: &str = "etcd3";
/// The value of `--storage-backend` for the embedded file.
const REDB: &str = "redb";

/// The storage flags (kube-apiserver's names and defaults for etcd).
#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// The storage backend for persistence: 'redb' (the embedded file in --data-dir) or
    /// 'etcd3'. If not specified, etcd3 when --etcd-servers is given, redb otherwise.
    #[arg(long)]
    pub storage_backend: Option<String>,
    /// List of etcd servers to connect with (scheme://ip:port), comma separated.
    #[arg(long, value_delimiter = ',')]
    pub etcd_servers: Vec<String>,
    /// The prefix to prepend to all resource paths in etcd.
    #[arg(long, default_value = kubeward_store::DEFAULT_PREFIX)]
    pub etcd_prefix: String,
    /// SSL Certificate Authority file used to secure etcd communication.
    #[arg(long)]
    pub etcd_cafile: Option<PathBuf>,
    /// SSL certification file used to secure etcd communication.
    #[arg(long)]
    pub etcd_certfile: Option<PathBuf>,
    /// SSL key file used to secure etcd communication.
    #[arg(long)]
    pub etcd_keyfile: Option<PathBuf>,
    /// The interval of compaction requests. If 0, the compaction request from apiserver is
    /// disabled.
    #[arg(long, default_value = "5m0s", value_parser = parse_interval)]
    pub etcd_compaction_interval: Duration,
}

/// A Go duration that is not negative (`--etcd-compaction-interval`, `--leader-elect-*`).
pub fn parse_interval(text: &str) -> Result<Duration, String> {
    let nanos = kubeward_core::go::parse_duration(text)?;
    u64::try_from(nanos)
        .map(Duration::from_nanos)
        .map_err(|_| format!("must not be negative: {text}"))
}

/// The backend the flags choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// The data directory's redb file.
    Redb,
    /// etcd, reached with these options.
    Etcd(EtcdOptions),
}

fn read(path: &Path, flag: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("{flag} {}", path.display()))
}

impl StorageArgs {
    /// The backend these flags describe, with the TLS files read: every mistake in the flags is
    /// reported here, before anything connects.
    pub fn backend(&self) -> anyhow::Result<Backend> {
        let etcd = match self.storage_backend.as_deref() {
            None => !self.etcd_servers.is_empty(),
            Some(ETCD3) => true,
            Some(REDB) => false,
            Some(_) => bail!(
                "--storage-backend invalid, allowed values: {ETCD3}, {REDB}. If not specified, it will default to '{ETCD3}' with --etcd-servers and to '{REDB}' without"
            ),
        };
        let tls_flags = self.etcd_cafile.is_some()
            || self.etcd_certfile.is_some()
            || self.etcd_keyfile.is_some();
        if !etcd {
            if !self.etcd_servers.is_empty() || tls_flags {
                bail!(
                    "--etcd-servers and --etcd-cafile/--etcd-certfile/--etcd-keyfile are used with --storage-backend={ETCD3} only"
                );
            }
            return Ok(Backend::Redb);
        }
        let servers: Vec<String> = self
            .etcd_servers
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if servers.is_empty() {
            bail!("--etcd-servers must be specified");
        }
        for server in &servers {
            let well_formed = ["http://", "https://"].iter().any(|scheme| {
                server
                    .strip_prefix(scheme)
                    .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
            });
            if !well_formed {
                bail!(
                    "--etcd-servers: {server:?} is not of the form scheme://ip:port (http or https)"
                );
            }
            if tls_flags && server.starts_with("http://") {
                bail!(
                    "--etcd-servers: {server:?} is plain HTTP, but --etcd-cafile/--etcd-certfile/--etcd-keyfile ask for TLS: use https://"
                );
            }
        }
        let identity = match (&self.etcd_certfile, &self.etcd_keyfile) {
            (Some(cert), Some(key)) => {
                Some((read(cert, "--etcd-certfile")?, read(key, "--etcd-keyfile")?))
            }
            (None, None) => None,
            _ => bail!("--etcd-certfile and --etcd-keyfile go together"),
        };
        let ca_pem = self
            .etcd_cafile
            .as_ref()
            .map(|ca| read(ca, "--etcd-cafile"))
            .transpose()?;
        let https = servers.iter().any(|s| s.starts_with("https://"));
        Ok(Backend::Etcd(EtcdOptions {
            prefix: self.etcd_prefix.clone(),
            tls: https.then_some(EtcdTls { ca_pem, identity }),
            compaction_interval: self.etcd_compaction_interval,
            ..EtcdOptions::new(servers)
        }))
    }

    /// Opens the store the flags choose, in the data directory (created 0700 either way, for
    /// the files that stay local): its file (created 0600), or a connection to etcd (which fails
    /// with the reason when etcd cannot be reached within
    /// [`kubeward_store::DEFAULT_REQUEST_TIMEOUT`]).
    pub fn open(&self, data_dir: &Path) -> anyhow::Result<Arc<dyn Store>> {
        let backend = self.backend()?;
        crate::files::private_dir(data_dir)
            .with_context(|| format!("creating {}", data_dir.display()))?;
        match backend {
            Backend::Redb => open_redb(data_dir),
            Backend::Etcd(options) => Ok(Arc::new(EtcdStore::connect(options)?)),
        }
    }

    /// Whether other processes may share the store the flags choose (etcd).
    pub fn shared(&self) -> bool {
        matches!(self.backend(), Ok(Backend::Etcd(_)))
    }
}

/// The store file of a data directory (the API server's too).
pub fn store_path(data_dir: &Path) -> PathBuf {
    data_dir.join("store.redb")
}

/// Opens the store file of a data directory (already created, the owner's only: 0700). A new
/// store file is 0600: it holds signing keys and password hashes.
fn open_redb(data_dir: &Path) -> anyhow::Result<Arc<dyn Store>> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let path = store_path(data_dir);
    if !path.exists() {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("creating {}", path.display()))?;
    }
    RedbStore::open(&path).map(|s| Arc::new(s) as Arc<dyn Store>).map_err(|e| {
        anyhow::anyhow!(
            "cannot open {}: {e} (is a kubeward server running on this data directory? stop it, or use the admin REST API)",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests;
