//! A data directory as the identity provider's commands see it: its store (opened by the
//! storage flags), the provider over it, and the file a running provider leaves to say where it
//! answers.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use kubeward_idp::directory::Directory;
use kubeward_idp::provider::Provider;

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
