//! A data directory as the identity provider's commands see it: where its store is, opening it
//! (private from the start), and the file a running provider leaves to say where it answers.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use kubeward_idp::directory::Directory;
use kubeward_idp::provider::Provider;
use kubeward_store::{RedbStore, Store};

use super::super::storage::StorageArgs;

/// Where the provider keeps its state.
#[derive(Debug, Clone, Args)]
pub struct DataDir {
    /// The data directory (shared with `kubeward up`).
    #[arg(long, default_value = "./kubeward-data", global = true)]
    pub data_dir: PathBuf,
    /// Where the realms, sessions and keys are stored: the data directory, or etcd (shared by
    /// several providers, which see what the offline commands change).
    #[command(flatten)]
    pub storage: StorageArgs,
}

/// The file of a data directory that names the URL of the provider serving it (written at each
/// start): with the store's lock, it tells the administration commands where a running provider
/// answers.
pub const URL_FILE: &str = "idp-url";

/// The store file of a data directory (the API server's too).
pub fn store_path(data_dir: &Path) -> PathBuf {
    data_dir.join("store.redb")
}

/// Opens the data directory's store. A new data directory is the owner's only (0700) and a new
/// store file 0600: it holds signing keys and password hashes.
pub fn open_store(data_dir: &Path) -> anyhow::Result<Arc<dyn Store>> {
    use std::os::unix::fs::OpenOptionsExt as _;
    crate::files::private_dir(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
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

/// A provider over the store the flags choose (a change made through it is a compare-and-swap
/// when running providers share that store).
pub fn open_provider(data: &DataDir) -> anyhow::Result<Provider> {
    let store = data.storage.open(&data.data_dir)?;
    let directory = if data.storage.shared() {
        Directory::open_shared(store)
    } else {
        Directory::open(store)
    }
    .context("reading the identity provider's realms")?;
    directory
        .upgrade(&mut kubeward_idp::provider::RandomMinter)
        .context("upgrading the identity provider's realms")?;
    Ok(Provider::new(directory))
}

/// Seconds since the epoch.
pub fn now() -> u64 {
    kubeward_idp::http::clock::now()
}
