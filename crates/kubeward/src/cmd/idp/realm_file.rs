//! Keycloak realm files (`kc.sh export` format): reading one, JSON or YAML, and creating its
//! realm in a provider's directory (unless it exists, at a provider's start).

use std::io::Read as _;
use std::path::Path;

use anyhow::Context as _;
use kubeward_idp::directory::{Directory, DirectoryError};
use kubeward_idp::provider::RandomMinter;
use kubeward_idp::representation::RealmRepresentation;

/// Reads a realm file: JSON, or YAML when the file name says so or JSON fails.
pub fn read(path: &Path) -> anyhow::Result<RealmRepresentation> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        s
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
    };
    let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
    let parsed = if yaml {
        serde_saphyr::from_str(&text).map_err(|e| anyhow::anyhow!("{e}"))
    } else {
        serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{e}"))
    };
    parsed.with_context(|| format!("{} is not a Keycloak realm file", path.display()))
}

/// Imports a realm file into the directory.
pub fn import(directory: &Directory, rep: &RealmRepresentation) -> anyhow::Result<()> {
    let realm = kubeward_idp::representation::import(rep, &mut RandomMinter)
        .with_context(|| format!("realm {}", rep.realm))?;
    directory
        .create_realm(realm)
        .with_context(|| format!("realm {}", rep.realm))?;
    Ok(())
}

/// Imports a realm file unless its realm exists (made by an earlier start, or a moment ago by
/// another provider sharing the store).
pub fn import_missing(directory: &Directory, rep: &RealmRepresentation) -> anyhow::Result<()> {
    if directory.realm(&rep.realm).is_some() {
        return Ok(());
    }
    let realm = kubeward_idp::representation::import(rep, &mut RandomMinter)
        .with_context(|| format!("realm {}", rep.realm))?;
    match directory.create_realm(realm) {
        Ok(_) | Err(DirectoryError::RealmExists) => Ok(()),
        Err(error) => Err(error).with_context(|| format!("realm {}", rep.realm)),
    }
}
