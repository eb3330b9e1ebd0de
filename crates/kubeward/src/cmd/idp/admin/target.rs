//! Where the administration commands act: a stopped data directory (its store, opened directly)
//! or a running provider (its admin REST API, as `kcadm.sh` works). Without `--server`, a data
//! directory whose store is locked by a running kubeward is administered through the provider
//! that kubeward serves (`<data-dir>/idp-url`), and the command says so.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Args;

use super::super::data::{DataDir, URL_FILE};
use super::backend::Backend;
use super::{offline, online};
use crate::cmd::storage::store_path;

/// A running provider to administer through its admin REST API (kcadm.sh's flags).
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// The provider's URL, e.g. https://auth.example.com (default: the provider serving
    /// --data-dir, when one runs).
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// The realm the admin signs in to.
    #[arg(long = "auth-realm", default_value = "master", value_name = "REALM")]
    pub auth_realm: String,
    /// The admin's username (default: $KC_BOOTSTRAP_ADMIN_USERNAME, else admin).
    #[arg(long = "user", value_name = "NAME")]
    pub user: Option<String>,
    /// A file holding the admin's password (default: $KC_BOOTSTRAP_ADMIN_PASSWORD, else
    /// <data-dir>/idp-admin-password).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// The CA of the provider's certificate (default: <data-dir>/pki/ca.crt when it exists,
    /// else the system's roots).
    #[arg(long = "certificate-authority", value_name = "FILE")]
    pub certificate_authority: Option<PathBuf>,
}

/// Where a command acts: `--data-dir`, and a running provider.
#[derive(Debug, Clone, Args)]
pub struct Where {
    #[command(flatten)]
    pub data: DataDir,
    #[command(flatten)]
    pub server: ServerArgs,
}

impl Where {
    /// The backend: `--server`, else the provider running on the data directory, else the data
    /// directory itself.
    pub fn backend(&self) -> anyhow::Result<Box<dyn Backend>> {
        let data_dir = &self.data.data_dir;
        if let Some(url) = &self.server.server {
            return Ok(Box::new(self.connect(url)?));
        }
        // On etcd, running providers follow the store: change it directly.
        if self.data.storage.shared() || !store_is_locked(&store_path(data_dir))? {
            return Ok(Box::new(offline::Offline::open(&self.data)?));
        }
        let url = running_provider(data_dir)?;
        let online = self.connect(&url)?;
        eprintln!(
            "The identity provider is running on {} (its store is locked): administering it through its admin REST API at {url} as {}.",
            data_dir.display(),
            online.user()
        );
        Ok(Box::new(online))
    }

    /// The data directory (and storage flags), for the commands that only work offline; a
    /// running provider on redb is an error that says what to do (on etcd, running providers
    /// see the change).
    pub fn offline_only(&self, command: &str) -> anyhow::Result<&DataDir> {
        let data_dir = &self.data.data_dir;
        let locked = !self.data.storage.shared() && store_is_locked(&store_path(data_dir))?;
        if self.server.server.is_some() || locked {
            bail!(
                "`kubeward idp {command}` works on a stopped data directory (the admin REST API has no equivalent): stop the kubeward that serves {}, run it, then start it again",
                data_dir.display()
            );
        }
        Ok(&self.data)
    }

    fn connect(&self, url: &str) -> anyhow::Result<online::Online> {
        let data_dir = &self.data.data_dir;
        let user = self
            .server
            .user
            .clone()
            .or_else(|| env("KC_BOOTSTRAP_ADMIN_USERNAME"))
            .unwrap_or_else(|| "admin".to_string());
        let password = match &self.server.password_file {
            Some(file) => read_secret(file)?,
            None => match env("KC_BOOTSTRAP_ADMIN_PASSWORD") {
                Some(password) => password,
                None => read_secret(&data_dir.join("idp-admin-password")).context(
                    "no admin password: give --password-file (or set KC_BOOTSTRAP_ADMIN_PASSWORD)",
                )?,
            },
        };
        let ca = self
            .server
            .certificate_authority
            .clone()
            .or_else(|| Some(data_dir.join("pki/ca.crt")).filter(|p| p.is_file()));
        online::Online::connect(online::Credentials {
            server: url.trim_end_matches('/').to_string(),
            auth_realm: self.server.auth_realm.clone(),
            user,
            password,
            ca,
        })
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The first line of a file holding a secret.
fn read_secret(path: &Path) -> anyhow::Result<String> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let line = text.lines().next().unwrap_or_default().trim().to_string();
    if line.is_empty() {
        bail!("{} is empty", path.display());
    }
    Ok(line)
}

/// Whether a running kubeward holds the store's lock (redb locks its file with `flock`).
pub fn store_is_locked(store: &Path) -> anyhow::Result<bool> {
    let file = match std::fs::File::open(store) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(error).with_context(|| format!("opening {}", store.display())),
    };
    match file.try_lock() {
        Ok(()) => Ok(false),
        Err(std::fs::TryLockError::WouldBlock) => Ok(true),
        Err(std::fs::TryLockError::Error(error)) => {
            Err(error).with_context(|| format!("checking the lock of {}", store.display()))
        }
    }
}

/// The URL of the provider serving `data_dir`, as it recorded it.
fn running_provider(data_dir: &Path) -> anyhow::Result<String> {
    let file = data_dir.join(URL_FILE);
    match std::fs::read_to_string(&file) {
        Ok(text) if !text.trim().is_empty() => Ok(text.trim().to_string()),
        _ => bail!(
            "{} is in use by a running kubeward that serves no identity provider: stop it, or give --server URL",
            data_dir.display()
        ),
    }
}
