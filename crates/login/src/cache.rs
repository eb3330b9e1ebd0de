//! The token cache: one JSON file per key (`{"id_token":…,"refresh_token":…}`, kubelogin's
//! format), mode 0600 in a 0700 directory, written atomically (temporary file + rename) and
//! guarded by a `<key>.lock` file so that concurrent kubectl calls neither corrupt the cache nor
//! log in twice.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{ErrorKind, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use aws_lc_rs::digest;
use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

/// Why the cache could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// A file-system operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was attempted.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The cache file is not the expected JSON.
    #[error("invalid token cache json {path}: {message}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
}

/// What identifies a cache entry: a different issuer, client, secret, scope set, redirect URL,
/// user name or trust setting is a different entry (the fields of kubelogin's key).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CacheKey {
    /// `--oidc-issuer-url`.
    pub issuer: String,
    /// `--oidc-client-id`.
    pub client_id: String,
    /// `--oidc-client-secret`.
    pub client_secret: String,
    /// `--oidc-extra-scope`, in the order given.
    pub extra_scopes: Vec<String>,
    /// `--oidc-redirect-url`.
    pub redirect_url: String,
    /// `--username` of the password grant.
    pub username: String,
    /// `--certificate-authority` files.
    pub certificate_authorities: Vec<String>,
    /// `--certificate-authority-data`.
    pub certificate_authority_data: Vec<String>,
    /// `--insecure-skip-tls-verify`.
    pub insecure_skip_tls_verify: bool,
}

impl CacheKey {
    /// The file name of the entry: the hex SHA-256 of the key's canonical JSON.
    pub fn file_name(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        let hash = digest::digest(&digest::SHA256, &json);
        hash.as_ref().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The tokens kept for one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSet {
    /// The ID token handed to kubectl.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id_token: String,
    /// The refresh token, when the provider issued one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// The cache directory (`--token-cache-dir`).
#[derive(Debug, Clone)]
pub struct TokenCache {
    dir: PathBuf,
}

/// An exclusive lock on one entry, released when dropped.
#[derive(Debug)]
pub struct CacheLock {
    _file: File,
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> CacheError {
    let path = path.to_path_buf();
    move |source| CacheError::Io {
        action,
        path,
        source,
    }
}

impl TokenCache {
    /// The cache in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of the entry for `key`.
    pub fn path(&self, key: &CacheKey) -> PathBuf {
        self.dir.join(key.file_name())
    }

    fn ensure_dir(&self) -> Result<(), CacheError> {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .map_err(io("could not create directory", &self.dir))
    }

    /// Waits for and takes the lock of `key`'s entry.
    pub fn lock(&self, key: &CacheKey) -> Result<CacheLock, CacheError> {
        self.ensure_dir()?;
        let path = self.dir.join(format!("{}.lock", key.file_name()));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(io("could not open the lock file", &path))?;
        file.lock()
            .map_err(io("could not lock the cache file", &path))?;
        Ok(CacheLock { _file: file })
    }

    /// The entry of `key`, or `None` when there is none.
    pub fn load(&self, key: &CacheKey) -> Result<Option<TokenSet>, CacheError> {
        let path = self.path(key);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io("could not open file", &path)(e)),
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| CacheError::Corrupt {
                path,
                message: e.to_string(),
            })
    }

    /// Writes the entry of `key` (0600, atomically).
    pub fn save(&self, key: &CacheKey, tokens: &TokenSet) -> Result<(), CacheError> {
        self.ensure_dir()?;
        let path = self.path(key);
        let tmp = self
            .dir
            .join(format!("{}.tmp.{}", key.file_name(), std::process::id()));
        let json = serde_json::to_vec(tokens).map_err(|e| CacheError::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io("could not create file", &tmp))?;
        file.write_all(&json)
            .and_then(|()| file.sync_all())
            .map_err(io("could not write file", &tmp))?;
        fs::rename(&tmp, &path).map_err(io("could not replace file", &path))
    }

    /// Removes the entry of `key`; `true` if there was one.
    pub fn remove(&self, key: &CacheKey) -> Result<bool, CacheError> {
        let path = self.path(key);
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io("could not remove file", &path)(e)),
        }
    }

    /// Removes the whole directory (`clean`).
    pub fn remove_all(&self) -> Result<(), CacheError> {
        match fs::remove_dir_all(&self.dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io("could not remove the directory", &self.dir)(e)),
        }
    }
}
