//! A webhook's (or a gateway upstream's) kubeconfig file, read for the server: what `kubeward_webhook::kubeconfig` parses,
//! with the files it names read (relative paths from the kubeconfig's folder, as client-go
//! resolves them).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use kubeward_server::Endpoint;
use kubeward_webhook::kubeconfig::{self, Source};

/// The connection `path` describes; `flag` names the flag in errors.
pub fn load(path: &Path, flag: &str) -> anyhow::Result<Endpoint> {
    load_context(path, flag, None)
}

/// The connection `path` describes at `context` (`None`: its current context).
pub fn load_context(path: &Path, flag: &str, context: Option<&str>) -> anyhow::Result<Endpoint> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{flag}: reading {}", path.display()))?;
    let parsed = kubeconfig::parse_context(&text, context)
        .with_context(|| format!("{flag}: {}", path.display()))?;
    let folder = path.parent().unwrap_or(Path::new("."));
    let resolve = |file: &str| -> PathBuf {
        let file = Path::new(file);
        if file.is_absolute() {
            file.to_path_buf()
        } else {
            folder.join(file)
        }
    };
    let read = |source: &Option<Source>, what: &str| -> anyhow::Result<Option<String>> {
        match source {
            None => Ok(None),
            Some(Source::Data(bytes)) => String::from_utf8(bytes.clone())
                .map(Some)
                .with_context(|| format!("{flag}: {what}-data is not PEM text")),
            Some(Source::File(file)) => {
                let file = resolve(file);
                std::fs::read_to_string(&file)
                    .map(Some)
                    .with_context(|| format!("{flag}: {what} {}", file.display()))
            }
        }
    };
    let ca_pem = read(&parsed.certificate_authority, "certificate-authority")?;
    let certificate = read(&parsed.client_certificate, "client-certificate")?;
    let key = read(&parsed.client_key, "client-key")?;
    let client_identity_pem = match (certificate, key) {
        (Some(certificate), Some(key)) => Some(format!("{}\n{}", certificate.trim_end(), key)),
        _ => None,
    };
    // A `tokenFile` is read now (a missing file fails at start) and again at most once a
    // minute while running, as client-go reads it, so a rotated token is picked up.
    let (bearer_token, bearer_token_file) = match (&parsed.token, &parsed.token_file) {
        (Some(token), _) => (Some(token.clone()), None),
        (None, Some(file)) => {
            let file = resolve(file);
            let token = std::fs::read_to_string(&file)
                .with_context(|| format!("{flag}: tokenFile {}", file.display()))?;
            (Some(token.trim().to_string()), Some(file))
        }
        (None, None) => (None, None),
    };
    Ok(Endpoint {
        url: parsed.server,
        ca_pem,
        insecure_skip_tls_verify: parsed.insecure_skip_tls_verify,
        client_identity_pem,
        bearer_token,
        bearer_token_file,
    })
}
