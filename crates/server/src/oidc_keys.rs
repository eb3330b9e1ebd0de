//! The OIDC issuers' keys: each issuer's discovery document (`{url}/.well-known/openid-configuration`
//! or `discoveryURL`) and JWKS are fetched over HTTPS (reqwest, as the login plugin fetches them)
//! with the configured CA (else the system roots), in the background at start (retried every 10 s until it works, as kube-apiserver)
//! and every five minutes after; a token whose `kid` is unknown triggers one refresh of its
//! issuer, at most once per 10 s per issuer. Requests never wait on the network except that
//! refresh. Errors are logged with the issuer, never a token.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use kubeward_authn::oidc::discovery::{parse_discovery, parse_jwks};
use kubeward_authn::oidc::{JwtIssuer, OidcAuthenticator};

/// How often an issuer's keys may be fetched again because of an unknown `kid`.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(10);
/// How often keys are fetched in the background once they are known.
pub const BACKGROUND_INTERVAL: Duration = Duration::from_secs(300);
/// The limit of one HTTP exchange.
pub const TIMEOUT: Duration = Duration::from_secs(30);
/// The largest discovery or JWKS document read.
pub const MAX_BODY: usize = 1 << 20;

/// Why keys could not be fetched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The URL is not an `https://host[:port]/path` URL.
    #[error("invalid URL {0:?}")]
    Url(String),
    /// The CA bundle holds no certificate.
    #[error("certificate authority: {0}")]
    Ca(String),
    /// Connecting, TLS or HTTP failed.
    #[error("{url}: {reason}")]
    Transport {
        /// The URL fetched.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The answer was not 200.
    #[error("{url}: {status}: {body}")]
    Status {
        /// The URL fetched.
        url: String,
        /// The HTTP status.
        status: http::StatusCode,
        /// The start of the body.
        body: String,
    },
    /// The document was not usable.
    #[error(transparent)]
    Document(#[from] kubeward_authn::oidc::discovery::DiscoveryError),
}

/// Fetches and refreshes the keys of every configured issuer.
pub struct KeyFetcher {
    oidc: Arc<OidcAuthenticator>,
    clients: Vec<Result<reqwest::Client, String>>,
    last_fetch: Mutex<Vec<Option<Instant>>>,
    refresh_locks: Vec<tokio::sync::Mutex<()>>,
}

impl KeyFetcher {
    /// A fetcher for `oidc`'s issuers, each trusting its CA (or the system roots).
    pub fn new(oidc: Arc<OidcAuthenticator>) -> Self {
        let clients = oidc.issuers().iter().map(client).collect();
        let count = oidc.issuers().len();
        Self {
            oidc,
            clients,
            last_fetch: Mutex::new(vec![None; count]),
            refresh_locks: (0..count).map(|_| tokio::sync::Mutex::new(())).collect(),
        }
    }

    /// Fetches issuer `index`'s keys now and installs them.
    pub async fn fetch(&self, index: usize) -> Result<usize, FetchError> {
        let issuer = &self.oidc.issuers()[index];
        let client = self.clients[index]
            .as_ref()
            .map_err(|e| FetchError::Ca(e.clone()))?;
        if let Ok(mut last) = self.last_fetch.lock() {
            last[index] = Some(Instant::now());
        }
        let discovery_url = issuer.discovery_url();
        let body = get(client, &discovery_url).await?;
        let discovery = parse_discovery(&body, issuer.url())?;
        let body = get(client, &discovery.jwks_uri).await?;
        let keys = parse_jwks(&body)?;
        let count = keys.len();
        self.oidc.set_keys(index, keys);
        Ok(count)
    }

    /// Refetches the keys of the issuer of `token` if its `kid` is unknown and the issuer was
    /// not fetched in the last [`REFRESH_INTERVAL`]; true when new keys were installed.
    pub async fn refresh_for(&self, token: &str) -> bool {
        let Some(index) = self.oidc.refresh_hint(token) else {
            return false;
        };
        let _guard = self.refresh_locks[index].lock().await;
        // Another request may have refreshed while this one waited.
        if self.oidc.refresh_hint(token).is_none() {
            return true;
        }
        let recent = self
            .last_fetch
            .lock()
            .map(|last| last[index].is_some_and(|at| at.elapsed() < REFRESH_INTERVAL))
            .unwrap_or(true);
        if recent {
            return false;
        }
        match self.fetch(index).await {
            Ok(count) => {
                tracing::info!(
                    issuer = self.oidc.issuers()[index].url(),
                    keys = count,
                    "oidc: keys refreshed for an unknown key id"
                );
                true
            }
            Err(error) => {
                tracing::warn!(issuer = self.oidc.issuers()[index].url(), %error, "oidc: refreshing keys failed");
                false
            }
        }
    }

    /// Runs forever: fetches every issuer's keys (every 10 s until the first success, then
    /// every [`BACKGROUND_INTERVAL`]).
    pub async fn run(self: Arc<Self>) {
        let tasks: Vec<_> = (0..self.oidc.issuers().len())
            .map(|index| {
                let fetcher = self.clone();
                tokio::spawn(async move { fetcher.keep_fresh(index).await })
            })
            .collect();
        for task in tasks {
            let _ = task.await;
        }
    }

    async fn keep_fresh(&self, index: usize) {
        let url = self.oidc.issuers()[index].url().to_string();
        loop {
            let wait = match self.fetch(index).await {
                Ok(count) => {
                    tracing::info!(issuer = %url, keys = count, "oidc: keys fetched");
                    BACKGROUND_INTERVAL
                }
                Err(error) => {
                    tracing::error!(issuer = %url, %error, "oidc authenticator: initializing plugin");
                    if self.oidc.issuers()[index].keys().is_some() {
                        BACKGROUND_INTERVAL
                    } else {
                        REFRESH_INTERVAL
                    }
                }
            };
            tokio::time::sleep(wait).await;
        }
    }
}

/// The HTTPS client of one issuer: its CA bundle (else the system's roots), HTTP/1.1.
fn client(issuer: &JwtIssuer) -> Result<reqwest::Client, String> {
    builder(issuer, Some(TIMEOUT))
}

/// [`client`] without an overall timeout, for a feed that stays open (connecting still has
/// [`TIMEOUT`]).
pub fn streaming_client(issuer: &JwtIssuer) -> Result<reqwest::Client, String> {
    builder(issuer, None)
}

fn builder(issuer: &JwtIssuer, timeout: Option<Duration>) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(TIMEOUT)
        .user_agent("kubeward")
        .redirect(reqwest::redirect::Policy::limited(5));
    if let Some(pem) = issuer.certificate_authority() {
        let roots =
            reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|e| e.to_string())?;
        if roots.is_empty() {
            return Err("no CERTIFICATE block".into());
        }
        builder = builder.tls_certs_only(roots);
    }
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder.build().map_err(|e| e.to_string())
}

/// GETs `url` and returns the body of a 200 answer, at most [`MAX_BODY`] bytes.
async fn get(client: &reqwest::Client, url: &str) -> Result<Bytes, FetchError> {
    let transport = |reason: String| FetchError::Transport {
        url: url.to_string(),
        reason,
    };
    let parsed = reqwest::Url::parse(url).map_err(|_| FetchError::Url(url.to_string()))?;
    if parsed.scheme() != "https" || parsed.host_str().is_none() {
        return Err(FetchError::Url(url.to_string()));
    }
    let mut response = client
        .get(parsed)
        .header(http::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| transport(kubeward_core::go::error_chain(&e)))?;
    let status = response.status();
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport(kubeward_core::go::error_chain(&e)))?
    {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(transport(format!(
                "the answer is larger than {MAX_BODY} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    if status != reqwest::StatusCode::OK {
        let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
        return Err(FetchError::Status {
            url: url.to_string(),
            status: http::StatusCode::from_u16(status.as_u16())
                .unwrap_or(http::StatusCode::BAD_GATEWAY),
            body: text,
        });
    }
    Ok(Bytes::from(body))
}
