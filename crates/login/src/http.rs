//! The HTTP client that talks to the provider: trust (`--certificate-authority`,
//! `--certificate-authority-data`, `--insecure-skip-tls-verify`), timeouts, and the reading of
//! JSON answers and OAuth 2.0 error bodies (RFC 6749 5.2).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde::de::DeserializeOwned;

#[cfg(test)]
mod tests;

/// How long a connection to the provider may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one request to the provider may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a request to the provider failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// A `--certificate-authority` file or data could not be used.
    #[error("could not load the certificate from {source_name}: {message}")]
    Certificate {
        /// The file name, or `certificate-authority-data`.
        source_name: String,
        /// What was wrong.
        message: String,
    },
    /// The client could not be built.
    #[error("could not build the HTTP client: {0}")]
    Client(String),
    /// The request could not be sent or the answer not read (DNS, refused, TLS, timeout).
    #[error("{0}")]
    Transport(String),
    /// The provider answered with an OAuth 2.0 error.
    #[error("{0}")]
    OAuth(OAuthError),
    /// The provider answered with an unexpected status.
    #[error("{url}: {status}: {body}")]
    Status {
        /// The URL requested.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The beginning of the body.
        body: String,
    },
    /// The answer was not the JSON expected.
    #[error("{url}: invalid response: {message}")]
    Json {
        /// The URL requested.
        url: String,
        /// The parser's message.
        message: String,
    },
}

/// An OAuth 2.0 error response (`error`, `error_description`), shown as Go's oauth2 package
/// shows it: `oauth2: "invalid_grant" "description"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OAuthError {
    /// The error code (`invalid_client`, `authorization_pending`, …).
    pub error: String,
    /// The human-readable description.
    #[serde(default)]
    pub error_description: Option<String>,
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "oauth2: {:?}", self.error)?;
        if let Some(description) = &self.error_description {
            write!(f, " {description:?}")?;
        }
        Ok(())
    }
}

/// Which servers the client trusts.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// PEM files of CA certificates; when any is given, only these are trusted.
    pub certificate_authorities: Vec<PathBuf>,
    /// Base64 of PEM CA certificates.
    pub certificate_authority_data: Vec<String>,
    /// Trust any server certificate.
    pub insecure_skip_tls_verify: bool,
}

/// The client for the provider.
pub fn client(tls: &TlsOptions) -> Result<reqwest::Client, HttpError> {
    let mut roots = Vec::new();
    for path in &tls.certificate_authorities {
        let pem = std::fs::read(path).map_err(|e| HttpError::Certificate {
            source_name: path.display().to_string(),
            message: format!("could not read: {e}"),
        })?;
        roots.extend(parse_pem(&pem, &path.display().to_string())?);
    }
    for data in &tls.certificate_authority_data {
        let name = "certificate-authority-data".to_string();
        let pem = STANDARD
            .decode(data.trim())
            .map_err(|e| HttpError::Certificate {
                source_name: name.clone(),
                message: format!("could not decode base64: {e}"),
            })?;
        roots.extend(parse_pem(&pem, &name)?);
    }
    let mut builder = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::limited(5));
    if !roots.is_empty() {
        builder = builder.tls_certs_only(roots);
    }
    if tls.insecure_skip_tls_verify {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    builder.build().map_err(|e| HttpError::Client(chain(&e)))
}

fn parse_pem(pem: &[u8], name: &str) -> Result<Vec<reqwest::Certificate>, HttpError> {
    let invalid = |message: String| HttpError::Certificate {
        source_name: name.to_string(),
        message,
    };
    let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| invalid(chain(&e)))?;
    if certs.is_empty() {
        return Err(invalid("invalid certificate".into()));
    }
    Ok(certs)
}

/// An error and its causes on one line (`a: b: c`), as Go's wrapped errors read.
pub fn chain(error: &dyn std::error::Error) -> String {
    kubeward_core::go::error_chain(error)
}

/// Sends `request` and reads a JSON answer; a 4xx/5xx with an OAuth error body becomes
/// [`HttpError::OAuth`].
pub async fn send_json<T: DeserializeOwned>(
    request: reqwest::RequestBuilder,
) -> Result<T, HttpError> {
    let (status, url, body) = send(request).await?;
    if !(200..300).contains(&status) {
        return Err(error_from(status, url, &body));
    }
    serde_json::from_slice(&body).map_err(|e| HttpError::Json {
        url,
        message: e.to_string(),
    })
}

/// Sends `request` and returns its status, URL and body.
pub async fn send(request: reqwest::RequestBuilder) -> Result<(u16, String, Vec<u8>), HttpError> {
    let response = request
        .send()
        .await
        .map_err(|e| HttpError::Transport(chain(&e)))?;
    let status = response.status().as_u16();
    let url = response.url().to_string();
    let body = response
        .bytes()
        .await
        .map_err(|e| HttpError::Transport(chain(&e)))?;
    Ok((status, url, body.to_vec()))
}

/// The error for a failed answer: the OAuth error in the body when there is one.
pub fn error_from(status: u16, url: String, body: &[u8]) -> HttpError {
    if let Ok(oauth) = serde_json::from_slice::<OAuthError>(body) {
        return HttpError::OAuth(oauth);
    }
    let text = String::from_utf8_lossy(body);
    let body: String = text.trim().chars().take(200).collect();
    HttpError::Status { url, status, body }
}
