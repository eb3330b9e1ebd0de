//! The kubeconfig file of a webhook (`--authentication-token-webhook-config-file`,
//! `--authorization-webhook-config-file`, `connectionInfo.kubeConfigFile`) or of a gateway's
//! upstream (`--upstream-kubeconfig`, any context),
//! read as client-go reads it for kube-apiserver: the current context's cluster (`server` is the exact URL posted
//! to, `certificate-authority[-data]`, `insecure-skip-tls-verify`) and user
//! (`client-certificate[-data]`, `client-key[-data]`, `token`, `tokenFile`). Files it names are
//! only named here: the caller reads them, relative to the kubeconfig's folder.

use serde::Deserialize;

/// Where a piece of PEM comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Embedded (`…-data`, already base64-decoded).
    Data(Vec<u8>),
    /// A file path as written.
    File(String),
}

/// What a webhook kubeconfig says.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookKubeconfig {
    /// The URL posted to.
    pub server: String,
    /// The CA that signs the webhook's certificate.
    pub certificate_authority: Option<Source>,
    /// `insecure-skip-tls-verify`.
    pub insecure_skip_tls_verify: bool,
    /// The client certificate.
    pub client_certificate: Option<Source>,
    /// Its key.
    pub client_key: Option<Source>,
    /// A bearer token.
    pub token: Option<String>,
    /// A file holding the bearer token.
    pub token_file: Option<String>,
}

impl std::fmt::Debug for WebhookKubeconfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookKubeconfig")
            .field("server", &self.server)
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// A kubeconfig that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KubeconfigError {
    /// It does not decode.
    #[error("the kubeconfig does not decode: {0}")]
    Decode(String),
    /// It decodes but does not describe a reachable webhook.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
struct File {
    #[serde(default, rename = "current-context")]
    current_context: String,
    #[serde(default)]
    clusters: Vec<Named<Cluster>>,
    #[serde(default)]
    users: Vec<Named<User>>,
    #[serde(default)]
    contexts: Vec<Named<Context>>,
}

#[derive(Deserialize)]
struct Named<T> {
    #[serde(default)]
    name: String,
    #[serde(
        default = "Option::default",
        alias = "cluster",
        alias = "user",
        alias = "context"
    )]
    value: Option<T>,
}

#[derive(Deserialize, Default)]
struct Cluster {
    #[serde(default)]
    server: String,
    #[serde(default, rename = "certificate-authority")]
    certificate_authority: Option<String>,
    #[serde(default, rename = "certificate-authority-data")]
    certificate_authority_data: Option<String>,
    #[serde(default, rename = "insecure-skip-tls-verify")]
    insecure_skip_tls_verify: bool,
}

#[derive(Deserialize, Default)]
struct User {
    #[serde(default, rename = "client-certificate")]
    client_certificate: Option<String>,
    #[serde(default, rename = "client-certificate-data")]
    client_certificate_data: Option<String>,
    #[serde(default, rename = "client-key")]
    client_key: Option<String>,
    #[serde(default, rename = "client-key-data")]
    client_key_data: Option<String>,
    #[serde(default)]
    token: Option<String>,
    #[serde(default, rename = "tokenFile")]
    token_file: Option<String>,
    #[serde(default)]
    exec: Option<serde_json::Value>,
    #[serde(default, rename = "auth-provider")]
    auth_provider: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct Context {
    #[serde(default)]
    cluster: String,
    #[serde(default)]
    user: String,
}

/// Reads a webhook kubeconfig (its current context).
pub fn parse(text: &str) -> Result<WebhookKubeconfig, KubeconfigError> {
    parse_context(text, None)
}

/// Reads a kubeconfig at `context` (`None`: its current context); a named context that is not
/// there is refused in client-go's words.
pub fn parse_context(
    text: &str,
    context: Option<&str>,
) -> Result<WebhookKubeconfig, KubeconfigError> {
    let file: File =
        serde_saphyr::from_str(text).map_err(|e| KubeconfigError::Decode(e.to_string()))?;
    let wanted = context.unwrap_or(&file.current_context).to_string();
    let found = file
        .contexts
        .into_iter()
        .find(|c| c.name == wanted && !wanted.is_empty());
    if found.is_none()
        && let Some(name) = context
    {
        return Err(KubeconfigError::Invalid(format!(
            "context was not found for specified context: {name}"
        )));
    }
    let context = found.and_then(|c| c.value).unwrap_or_default();
    let cluster = file
        .clusters
        .into_iter()
        .find(|c| c.name == context.cluster)
        .and_then(|c| c.value)
        .unwrap_or_default();
    if cluster.server.is_empty() {
        return Err(KubeconfigError::Invalid(
            "no configuration has been provided: the current-context must name a context whose cluster has a server".into(),
        ));
    }
    let user = file
        .users
        .into_iter()
        .find(|u| u.name == context.user && !context.user.is_empty())
        .and_then(|u| u.value)
        .unwrap_or_default();
    if user.exec.is_some() || user.auth_provider.is_some() {
        return Err(KubeconfigError::Invalid(
            "credential plugins (exec, auth-provider) are not run for webhooks".into(),
        ));
    }
    let source = |data: Option<String>,
                  file: Option<String>,
                  what: &str|
     -> Result<Option<Source>, KubeconfigError> {
        match (data, file) {
            (Some(data), _) if !data.is_empty() => decode_base64(&data)
                .map(|bytes| Some(Source::Data(bytes)))
                .ok_or_else(|| KubeconfigError::Invalid(format!("{what}-data is not base64"))),
            (_, Some(file)) if !file.is_empty() => Ok(Some(Source::File(file))),
            _ => Ok(None),
        }
    };
    let client_certificate = source(
        user.client_certificate_data,
        user.client_certificate,
        "client-certificate",
    )?;
    let client_key = source(user.client_key_data, user.client_key, "client-key")?;
    if client_certificate.is_some() != client_key.is_some() {
        return Err(KubeconfigError::Invalid(
            "client-certificate and client-key go together".into(),
        ));
    }
    Ok(WebhookKubeconfig {
        server: cluster.server,
        certificate_authority: source(
            cluster.certificate_authority_data,
            cluster.certificate_authority,
            "certificate-authority",
        )?,
        insecure_skip_tls_verify: cluster.insecure_skip_tls_verify,
        client_certificate,
        client_key,
        token: user.token.filter(|t| !t.is_empty()),
        token_file: user.token_file.filter(|t| !t.is_empty()),
    })
}

/// Standard base64, as client-go decodes `…-data` fields.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
}

#[cfg(test)]
mod tests;
