//! The audit webhook's kubeconfig-formatted file, read as client-go reads it for a webhook: the
//! cluster and user of the current context (or of the file's only context) give the server URL,
//! the CA (`certificate-authority` file or `-data`), `insecure-skip-tls-verify`, and the client
//! certificate and key or the token (`token`, `tokenFile`). Relative file names are relative to
//! the file's directory.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kubeward_audit::backend::webhook::Target;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "kebab-case")]
struct Kubeconfig {
    clusters: Vec<Named<Cluster>>,
    users: Vec<NamedUser>,
    contexts: Vec<Named<Context>>,
    current_context: String,
}

#[derive(Deserialize)]
struct Named<T> {
    name: String,
    #[serde(alias = "cluster", alias = "context")]
    value: T,
}

#[derive(Deserialize)]
struct NamedUser {
    name: String,
    user: User,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "kebab-case")]
struct Cluster {
    server: String,
    certificate_authority: Option<String>,
    certificate_authority_data: Option<String>,
    insecure_skip_tls_verify: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Context {
    cluster: String,
    user: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "kebab-case")]
struct User {
    client_certificate: Option<String>,
    client_certificate_data: Option<String>,
    client_key: Option<String>,
    client_key_data: Option<String>,
    token: Option<String>,
    #[serde(rename = "tokenFile")]
    token_file: Option<String>,
}

/// The webhook the file at `path` names.
pub fn read(path: &Path) -> anyhow::Result<Target> {
    let text = std::fs::read_to_string(path).context("reading the file")?;
    let config: Kubeconfig = serde_saphyr::from_str(&text).context("not a kubeconfig")?;
    let base = path.parent().unwrap_or(Path::new("."));
    let context = if config.current_context.is_empty() {
        match config.contexts.as_slice() {
            [only] => &only.value,
            _ => bail!("no current-context is set"),
        }
    } else {
        &config
            .contexts
            .iter()
            .find(|c| c.name == config.current_context)
            .ok_or_else(|| anyhow!("context {:?} not found", config.current_context))?
            .value
    };
    let cluster = &config
        .clusters
        .iter()
        .find(|c| c.name == context.cluster)
        .ok_or_else(|| anyhow!("cluster {:?} not found", context.cluster))?
        .value;
    if cluster.server.is_empty() {
        bail!("cluster {:?} has no server", context.cluster);
    }
    let user = match context.user.as_str() {
        "" => None,
        name => Some(
            &config
                .users
                .iter()
                .find(|u| u.name == name)
                .ok_or_else(|| anyhow!("user {name:?} not found"))?
                .user,
        ),
    };
    let ca_pem = data_or_file(
        cluster.certificate_authority_data.as_deref(),
        cluster.certificate_authority.as_deref(),
        base,
        "certificate-authority",
    )?;
    let mut target = Target {
        url: cluster.server.clone(),
        ca_pem,
        insecure_skip_tls_verify: cluster.insecure_skip_tls_verify,
        ..Target::default()
    };
    if let Some(user) = user {
        let certificate = data_or_file(
            user.client_certificate_data.as_deref(),
            user.client_certificate.as_deref(),
            base,
            "client-certificate",
        )?;
        let key = data_or_file(
            user.client_key_data.as_deref(),
            user.client_key.as_deref(),
            base,
            "client-key",
        )?;
        target.client_identity_pem = match (certificate, key) {
            (Some(mut certificate), Some(key)) => {
                certificate.push(b'\n');
                certificate.extend_from_slice(&key);
                Some(certificate)
            }
            (None, None) => None,
            _ => bail!("client-certificate and client-key go together"),
        };
        target.token = match (&user.token, &user.token_file) {
            (Some(token), _) => Some(token.clone()),
            (None, Some(file)) => Some(
                std::fs::read_to_string(resolve(base, file))
                    .with_context(|| format!("tokenFile {file}"))?
                    .trim()
                    .to_string(),
            ),
            (None, None) => None,
        };
    }
    Ok(target)
}

/// Base64 data, or the contents of a file (relative to `base`).
fn data_or_file(
    data: Option<&str>,
    file: Option<&str>,
    base: &Path,
    field: &str,
) -> anyhow::Result<Option<Vec<u8>>> {
    if let Some(data) = data.filter(|d| !d.is_empty()) {
        return STANDARD
            .decode(data.trim())
            .map(Some)
            .with_context(|| format!("{field}-data is not base64"));
    }
    match file.filter(|f| !f.is_empty()) {
        Some(file) => std::fs::read(resolve(base, file))
            .map(Some)
            .with_context(|| format!("{field} {file}")),
        None => Ok(None),
    }
}

fn resolve(base: &Path, file: &str) -> PathBuf {
    let path = Path::new(file);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

#[cfg(test)]
mod tests;
