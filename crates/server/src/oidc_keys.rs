//! The OIDC issuers' keys: each issuer's discovery document (`{url}/.well-known/openid-configuration`
//! or `discoveryURL`) and JWKS are fetched over HTTPS with the configured CA (else the system
//! roots), in the background at start (retried every 10 s until it works, as kube-apiserver)
//! and every five minutes after; a token whose `kid` is unknown triggers one refresh of its
//! issuer, at most once per 10 s per issuer. Requests never wait on the network except that
//! refresh. Errors are logged with the issuer, never a token.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty, Limited};
use hyper_util::rt::TokioIo;
use kubeward_authn::oidc::discovery::{parse_discovery, parse_jwks};
use kubeward_authn::oidc::{JwtIssuer, OidcAuthenticator};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio_rustls::TlsConnector;

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
    connectors: Vec<Result<TlsConnector, String>>,
    last_fetch: Mutex<Vec<Option<Instant>>>,
    refresh_locks: Vec<tokio::sync::Mutex<()>>,
}

impl KeyFetcher {
    /// A fetcher for `oidc`'s issuers, each trusting its CA (or the system roots).
    pub fn new(oidc: Arc<OidcAuthenticator>) -> Self {
        let connectors = oidc.issuers().iter().map(connector).collect();
        let count = oidc.issuers().len();
        Self {
            oidc,
            connectors,
            last_fetch: Mutex::new(vec![None; count]),
            refresh_locks: (0..count).map(|_| tokio::sync::Mutex::new(())).collect(),
        }
    }

    /// Fetches issuer `index`'s keys now and installs them.
    pub async fn fetch(&self, index: usize) -> Result<usize, FetchError> {
        let issuer = &self.oidc.issuers()[index];
        let connector = self.connectors[index]
            .as_ref()
            .map_err(|e| FetchError::Ca(e.clone()))?;
        if let Ok(mut last) = self.last_fetch.lock() {
            last[index] = Some(Instant::now());
        }
        let discovery_url = issuer.discovery_url();
        let body = get(connector, &discovery_url).await?;
        let discovery = parse_discovery(&body, issuer.url())?;
        let body = get(connector, &discovery.jwks_uri).await?;
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

fn connector(issuer: &JwtIssuer) -> Result<TlsConnector, String> {
    let mut roots = rustls::RootCertStore::empty();
    match issuer.certificate_authority() {
        Some(pem) => {
            for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                let cert = cert.map_err(|e| e.to_string())?;
                roots.add(cert).map_err(|e| e.to_string())?;
            }
            if roots.is_empty() {
                return Err("no CERTIFICATE block".into());
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                let _ = roots.add(cert);
            }
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsConnector::from(Arc::new(config)))
}

/// GETs `url` over HTTPS/1.1 and returns the body of a 200 answer.
async fn get(connector: &TlsConnector, url: &str) -> Result<Bytes, FetchError> {
    tokio::time::timeout(TIMEOUT, get_inner(connector, url))
        .await
        .map_err(|_| FetchError::Transport {
            url: url.to_string(),
            reason: "timed out".into(),
        })?
}

async fn get_inner(connector: &TlsConnector, url: &str) -> Result<Bytes, FetchError> {
    let transport = |reason: String| FetchError::Transport {
        url: url.to_string(),
        reason,
    };
    let uri: http::Uri = url.parse().map_err(|_| FetchError::Url(url.to_string()))?;
    if uri.scheme_str() != Some("https") {
        return Err(FetchError::Url(url.to_string()));
    }
    let host = uri
        .host()
        .ok_or_else(|| FetchError::Url(url.to_string()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = uri.port_u16().unwrap_or(443);
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| transport(e.to_string()))?;
    let name = ServerName::try_from(host.clone()).map_err(|e| transport(e.to_string()))?;
    let tls = connector
        .connect(name, tcp)
        .await
        .map_err(|e| transport(e.to_string()))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .map_err(|e| transport(e.to_string()))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let authority = uri
        .authority()
        .map(|a| a.as_str().to_string())
        .unwrap_or_default();
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let request = http::Request::get(path)
        .header(http::header::HOST, authority)
        .header(http::header::ACCEPT, "application/json")
        .header(http::header::USER_AGENT, "kubeward")
        .body(Empty::<Bytes>::new())
        .map_err(|e| transport(e.to_string()))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| transport(e.to_string()))?;
    let status = response.status();
    let body = Limited::new(response.into_body(), MAX_BODY)
        .collect()
        .await
        .map_err(|e| transport(e.to_string()))?
        .to_bytes();
    if status != http::StatusCode::OK {
        let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
        return Err(FetchError::Status {
            url: url.to_string(),
            status,
            body: text,
        });
    }
    Ok(body)
}
