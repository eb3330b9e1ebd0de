//! The log file, rotated as kube-apiserver's lumberjack logger rotates it: when a write would
//! take the file past `--audit-log-maxsize` megabytes (100 when 0), the file is renamed
//! `<name>-<UTC time as 2006-01-02T15-04-05.000><ext>` and a new one started; then backups
//! beyond `--audit-log-maxbackup` (newest kept) and older than `--audit-log-maxage` days (by the
//! time in their names) are removed. A write longer than the maximum size is refused. Files and
//! directories are created private (0600, 0700), as kube-apiserver creates the log file.
//!
//! A path that is not a regular file — `/dev/null`, a named pipe a log shipper reads, a link to
//! either — is written to as it is and never rotated: lumberjack would rename even `/dev/null`
//! aside once 100 MB had gone through it, and create a regular file in its place.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::timestamp;

/// lumberjack's megabyte.
const MEGABYTE: u64 = 1024 * 1024;
/// lumberjack's size when none is given, in megabytes.
const DEFAULT_MAX_SIZE: u64 = 100;
/// A day, as lumberjack counts `MaxAge`.
const DAY: Duration = Duration::from_secs(24 * 3600);

/// When to rotate and what to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rotation {
    /// `--audit-log-maxsize`: megabytes before rotating (0: 100).
    pub max_size_mb: u32,
    /// `--audit-log-maxbackup`: backups kept (0: all).
    pub max_backups: u32,
    /// `--audit-log-maxage`: days a backup is kept (0: no limit).
    pub max_age_days: u32,
}

impl Rotation {
    /// The size in bytes a file may reach.
    pub fn max_bytes(&self) -> u64 {
        match u64::from(self.max_size_mb) {
            0 => DEFAULT_MAX_SIZE * MEGABYTE,
            size => size * MEGABYTE,
        }
    }
}

/// The name a file rotated at `at` takes: the time (UTC, milliseconds) between the file's stem
/// and its extension.
pub fn backup_name(path: &Path, at: SystemTime) -> PathBuf {
    let (prefix, ext) = prefix_and_ext(path);
    let mut stamp = String::with_capacity(27);
    timestamp::push_micro(&mut stamp, at);
    // `2006-01-02T15:04:05.000000Z` → `2006-01-02T15-04-05.000`
    let stamp = stamp[..23].replace(':', "-");
    path.with_file_name(format!("{prefix}{stamp}{ext}"))
}

/// The rotation time written in a backup's file name, if `name` is a backup of `path`.
pub fn backup_time(path: &Path, name: &str) -> Option<SystemTime> {
    let (prefix, ext) = prefix_and_ext(path);
    let stamp = name.strip_prefix(&prefix)?.strip_suffix(&ext)?;
    let bytes = stamp.as_bytes();
    if bytes.len() != 23 || bytes[13] != b'-' || bytes[16] != b'-' || bytes[19] != b'.' {
        return None;
    }
    let mut text = stamp.to_string();
    text.replace_range(13..14, ":");
    text.replace_range(16..17, ":");
    text.push('Z');
    timestamp::parse(&text)
}

/// The backups to remove, of `backups` (file name and rotation time), at `now`: beyond the
/// newest `max_backups`, and older than `max_age_days`.
pub fn to_remove(
    backups: &[(String, SystemTime)],
    rotation: &Rotation,
    now: SystemTime,
) -> Vec<String> {
    let mut sorted: Vec<&(String, SystemTime)> = backups.iter().collect();
    sorted.sort_by_key(|backup| std::cmp::Reverse(backup.1));
    let mut remove = Vec::new();
    let mut kept = Vec::new();
    for (index, backup) in sorted.into_iter().enumerate() {
        if rotation.max_backups > 0 && index >= rotation.max_backups as usize {
            remove.push(backup.0.clone());
        } else {
            kept.push(backup);
        }
    }
    if rotation.max_age_days > 0 {
        let cutoff = now
            .checked_sub(DAY * rotation.max_age_days)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        remove.extend(
            kept.into_iter()
                .filter(|(_, at)| *at < cutoff)
                .map(|(name, _)| name.clone()),
        );
    }
    remove
}

/// `name-` and `.ext` of a path's file name.
fn prefix_and_ext(path: &Path) -> (String, String) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = match name.rfind('.') {
        Some(dot) => name[dot..].to_string(),
        None => String::new(),
    };
    let stem = &name[..name.len() - ext.len()];
    (format!("{stem}-"), ext)
}

/// A log file that rotates itself.
#[derive(Debug)]
pub struct RotatingFile {
    path: PathBuf,
    rotation: Rotation,
    file: Option<File>,
    size: u64,
    /// Whether the path is a regular file (rotated); else a device or a pipe, written as it is.
    regular: bool,
}

impl RotatingFile {
    /// Creates the file (and its directory) if missing, as kube-apiserver does at start.
    pub fn create(path: &Path, rotation: Rotation) -> io::Result<Self> {
        create_dir(path)?;
        let file = open(path, false)?;
        let regular = file.metadata()?.file_type().is_file();
        Ok(Self {
            path: path.to_path_buf(),
            rotation,
            file: None,
            size: 0,
            regular,
        })
    }

    /// Whether `length` more bytes go into the current file without rotating it.
    pub fn fits(&self, length: usize) -> bool {
        self.file.is_some()
            && (!self.regular || self.size + length as u64 <= self.rotation.max_bytes())
    }

    /// Writes `bytes` at the end of the file, rotating first if they would take it past the
    /// maximum size.
    pub fn write(&mut self, bytes: &[u8], now: SystemTime) -> io::Result<()> {
        let length = bytes.len() as u64;
        let max = self.rotation.max_bytes();
        if self.regular && length > max {
            return Err(io::Error::other(format!(
                "write length {length} exceeds maximum file size {max}"
            )));
        }
        if self.file.is_none() {
            self.open_existing_or_new(length, now)?;
        }
        if self.regular && self.size + length > max {
            self.rotate(now)?;
        }
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("the log file is not open"))?;
        file.write_all(bytes)?;
        self.size += length;
        Ok(())
    }

    fn open_existing_or_new(&mut self, length: u64, now: SystemTime) -> io::Result<()> {
        let info = fs::metadata(&self.path);
        self.regular = info
            .as_ref()
            .map_or(true, |info| info.file_type().is_file());
        if !self.regular {
            self.file = Some(open(&self.path, false)?);
            self.size = 0;
            return Ok(());
        }
        self.mill(now);
        match info {
            Err(e) if e.kind() == io::ErrorKind::NotFound => self.open_new(now),
            Err(e) => Err(e),
            Ok(info) if info.len() + length >= self.rotation.max_bytes() => self.rotate(now),
            Ok(info) => match open(&self.path, false) {
                Ok(file) => {
                    self.file = Some(file);
                    self.size = info.len();
                    Ok(())
                }
                Err(_) => self.open_new(now),
            },
        }
    }

    fn rotate(&mut self, now: SystemTime) -> io::Result<()> {
        self.file = None;
        self.open_new(now)?;
        self.mill(now);
        Ok(())
    }

    /// Moves the current file aside (if any) and starts an empty one with its permissions.
    fn open_new(&mut self, now: SystemTime) -> io::Result<()> {
        create_dir(&self.path)?;
        let mut mode = None;
        if let Ok(info) = fs::metadata(&self.path) {
            mode = Some(info.permissions().mode());
            fs::rename(&self.path, backup_name(&self.path, now))?;
        }
        let file = open(&self.path, true)?;
        if let Some(mode) = mode {
            file.set_permissions(fs::Permissions::from_mode(mode))?;
        }
        self.file = Some(file);
        self.size = 0;
        Ok(())
    }

    /// Removes the backups the rotation no longer keeps (failures are left for the next time).
    fn mill(&self, now: SystemTime) {
        if self.rotation.max_backups == 0 && self.rotation.max_age_days == 0 {
            return;
        }
        let Some(dir) = self.path.parent() else {
            return;
        };
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        let backups: Vec<(String, SystemTime)> = entries
            .flatten()
            .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                backup_time(&self.path, &name).map(|at| (name, at))
            })
            .collect();
        for name in to_remove(&backups, &self.rotation, now) {
            let _ = fs::remove_file(dir.join(name));
        }
    }
}

/// The file's directory, created private if missing.
fn create_dir(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir),
        _ => Ok(()),
    }
}

/// Opens `path` for appending (created 0600), or truncated when `truncate`.
fn open(path: &Path, truncate: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).mode(0o600);
    if truncate {
        options.write(true).truncate(true);
    } else {
        options.append(true);
    }
    options.open(path)
}

#[cfg(test)]
mod tests;
