//! Writing the data directory's files: whole or not at all, secrets readable by the owner only.

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

/// Who may read a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Keys, tokens, kubeconfigs with credentials: mode 0600.
    Secret,
    /// Certificates and other public material: mode 0644.
    Public,
}

impl Access {
    fn mode(self) -> u32 {
        match self {
            Self::Secret => 0o600,
            Self::Public => 0o644,
        }
    }
}

/// Writes `contents` to `path` atomically: a temporary file beside it, created with the final
/// mode (a secret is never readable by others, not even for a moment), synced, then renamed over
/// `path`.
pub fn write_atomic(path: &Path, contents: &[u8], access: Access) -> std::io::Result<()> {
    let file_name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other(format!("{} is not a file path", path.display())))?;
    let mut temporary_name = file_name.to_os_string();
    temporary_name.push(".tmp");
    let temporary = path.with_file_name(temporary_name);
    let _ = fs::remove_file(&temporary);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(access.mode())
        .open(&temporary)?;
    file.write_all(contents)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temporary, path)?;
    // Make the rename itself durable.
    fs::File::open(directory_of(path))?.sync_all()?;
    Ok(())
}

/// The directory holding `path`: its parent, or `.` for a bare file name (whose parent is the
/// empty path, which names no directory).
pub fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Creates `dir` and its missing parents with mode 0700 (the owner's only): a data directory
/// holds keys, tokens and password hashes. An existing directory is left as it is; [`shared`]
/// tells whether others may read it.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// The mode of `dir` when its group or others may enter or read it (`None` when only its owner
/// may, or when it cannot be read).
pub fn shared(dir: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = fs::metadata(dir).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(test)]
mod tests;
