//! Reading manifests from files and directories.

use std::path::{Path, PathBuf};

use super::manifest::{self, LoadError, Manifests};

/// Loads every manifest under `paths`: a file is read whatever its name; a directory is walked
/// recursively for `*.yaml`, `*.yml` and `*.json` files, in name order.
pub fn load_paths(paths: &[PathBuf]) -> Result<Manifests, LoadError> {
    let mut manifests = Manifests::default();
    for path in paths {
        for file in manifest_files(path)? {
            let text = std::fs::read_to_string(&file).map_err(|e| read_error(&file, &e))?;
            manifests.extend(manifest::parse(&text, &file.display().to_string())?);
        }
    }
    Ok(manifests)
}

fn manifest_files(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let metadata = std::fs::metadata(path).map_err(|e| read_error(path, &e))?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| read_error(path, &e))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(|e| read_error(path, &e))?;
    entries.sort();
    let mut files = Vec::new();
    for entry in entries {
        if entry.is_dir() {
            files.extend(manifest_files(&entry)?);
        } else if entry
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        {
            files.push(entry);
        }
    }
    Ok(files)
}

fn read_error(path: &Path, error: &std::io::Error) -> LoadError {
    LoadError::Read {
        path: path.display().to_string(),
        message: error.to_string(),
    }
}
