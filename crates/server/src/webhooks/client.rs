//! One call to a webhook: `POST` of a review to the exact URL of its kubeconfig, over HTTPS
//! with the kubeconfig's CA (else the system's roots), client certificate or bearer token,
//! bounded by a timeout, retried as kube-apiserver retries (a reset connection, 500, 504, 429
//! or `Retry-After`: five attempts, 500 ms growing ×1.5 with jitter). A refused connection
//! fails at once. Errors are for the log: they name the URL, never a token.

use std::time::Duration;

use bytes::Bytes;
use kubeward_webhook::retry::{Backoff, Failure, should_retry};

use crate::config::Endpoint;

/// The largest answer read.
pub const MAX_ANSWER: usize = 1 << 20;

/// A webhook's HTTPS client.
pub struct WebhookClient {
    http: reqwest::Client,
    url: reqwest::Url,
    bearer_token: crate::bearer::BearerToken,
    backoff: Backoff,
}

impl std::fmt::Debug for WebhookClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookClient")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

impl WebhookClient {
    /// A client for `connection`, each attempt bounded by `timeout`.
    pub fn new(connection: &Endpoint, timeout: Duration) -> Result<Self, String> {
        let url = reqwest::Url::parse(&connection.url)
            .map_err(|e| format!("server {:?}: {e}", connection.url))?;
        let http = builder(connection)?
            .timeout(timeout)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            http,
            url,
            bearer_token: crate::bearer::BearerToken::new(connection),
            backoff: Backoff::default(),
        })
    }

    /// The URL posted to.
    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    /// Posts `body` and returns the answer of a 2xx, retrying transient failures.
    pub async fn post(&self, body: &[u8]) -> Result<Bytes, String> {
        let mut attempt = 0;
        loop {
            match self.attempt(body).await {
                Ok(answer) => return Ok(answer),
                Err((failure, message)) => {
                    let wait = should_retry(failure)
                        .then(|| self.backoff.wait_after(attempt, random_fraction()))
                        .flatten();
                    let Some(wait) = wait else {
                        return Err(message);
                    };
                    tracing::debug!(url = %self.url, %message, ?wait, "webhook: retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn attempt(&self, body: &[u8]) -> Result<Bytes, (Failure, String)> {
        let mut request = self
            .http
            .post(self.url.clone())
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::ACCEPT, "application/json, */*")
            .body(body.to_vec());
        if let Some(token) = self.bearer_token.current() {
            request = request.bearer_auth(token);
        }
        let transport = |e: reqwest::Error| {
            let reset = is_reset(&e);
            (
                Failure::Transport { reset },
                format!("{}: {}", self.url, kubeward_core::go::error_chain(&e)),
            )
        };
        let response = request.send().await.map_err(transport)?;
        let code = response.status().as_u16();
        let retry_after = response.headers().contains_key(http::header::RETRY_AFTER);
        let answer = match read_limited(response, MAX_ANSWER).await {
            Ok(answer) => answer,
            Err(Read::Transport(e)) => return Err(transport(e)),
            Err(too_large @ Read::TooLarge(_)) => {
                return Err((
                    Failure::Transport { reset: false },
                    format!("{}: {too_large}", self.url),
                ));
            }
        };
        if !(200..300).contains(&code) {
            let text = String::from_utf8_lossy(&answer[..answer.len().min(200)]).into_owned();
            return Err((
                Failure::Status { code, retry_after },
                format!("{}: HTTP {code}: {}", self.url, text.trim()),
            ));
        }
        Ok(Bytes::from(answer))
    }
}

/// Why an answer could not be read.
#[derive(Debug)]
pub enum Read {
    /// The connection failed while the answer was read.
    Transport(reqwest::Error),
    /// The answer is longer than the limit (in bytes) allowed: it is not read further.
    TooLarge(usize),
}

impl std::fmt::Display for Read {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Transport(error) => write!(f, "{}", kubeward_core::go::error_chain(error)),
            Self::TooLarge(limit) => write!(f, "the answer is larger than {limit} bytes"),
        }
    }
}

/// The body of `response`, at most `limit` bytes: a longer one is an error, never cut short.
pub async fn read_limited(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, Read> {
    let mut answer = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(Read::Transport)? {
        if answer.len() + chunk.len() > limit {
            return Err(Read::TooLarge(limit));
        }
        answer.extend_from_slice(&chunk);
    }
    Ok(answer)
}

/// A client builder for `endpoint`: its CA (else the system's roots), `insecure-skip-tls-verify`,
/// its client certificate; no redirects.
pub fn builder(endpoint: &Endpoint) -> Result<reqwest::ClientBuilder, String> {
    let url = reqwest::Url::parse(&endpoint.url)
        .map_err(|e| format!("server {:?}: {e}", endpoint.url))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(format!("server {:?}: not an https:// URL", endpoint.url));
    }
    let mut builder = reqwest::Client::builder()
        .user_agent("kubeward")
        .redirect(reqwest::redirect::Policy::none());
    if let Some(pem) = &endpoint.ca_pem {
        let roots = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .map_err(|e| format!("certificate-authority: {e}"))?;
        if roots.is_empty() {
            return Err("certificate-authority: no CERTIFICATE block".into());
        }
        builder = builder.tls_certs_only(roots);
    }
    if endpoint.insecure_skip_tls_verify {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    if let Some(pem) = &endpoint.client_identity_pem {
        let identity = reqwest::Identity::from_pem(pem.as_bytes())
            .map_err(|e| format!("client certificate: {e}"))?;
        builder = builder.identity(identity);
    }
    Ok(builder)
}

/// Whether the connection was reset or lost mid-exchange (what kube-apiserver retries).
fn is_reset(error: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
            )
        {
            return true;
        }
        if let Some(hyper) = cause.downcast_ref::<hyper::Error>()
            && hyper.is_incomplete_message()
        {
            return true;
        }
        source = cause.source();
    }
    false
}

/// A number in `[0, 1)` for the jitter.
fn random_fraction() -> f64 {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[..8]);
    (u64::from_le_bytes(word) >> 11) as f64 / (1u64 << 53) as f64
}
