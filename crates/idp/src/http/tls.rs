//! TLS for the provider's listener, and the accept loop that serves the router on it from one
//! connection thread per core.

use std::net::SocketAddr;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

/// Why TLS cannot be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// The certificate chain does not parse.
    #[error("the TLS certificate does not parse: {0}")]
    Certificate(String),
    /// The key does not parse or does not fit.
    #[error("the TLS key cannot be used: {0}")]
    Key(String),
}

/// A TLS acceptor for `cert_pem` (leaf first) and `key_pem`, HTTP/2 and HTTP/1.1 by ALPN.
pub fn acceptor(cert_pem: &str, key_pem: &str) -> Result<TlsAcceptor, TlsError> {
    let chain = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Certificate(e.to_string()))?;
    if chain.is_empty() {
        return Err(TlsError::Certificate("no certificate in the PEM".into()));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| TlsError::Key(e.to_string()))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Key(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Key(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Serves `app` on `listener` (TLS when `tls` is given) until the task is dropped.
///
/// Connections are spread round-robin over one single-threaded runtime per core (the model of
/// actix-web): a connection, and every request on it, stays on one thread, so answering a
/// request never wakes another thread, and the token endpoint's signatures run where the
/// request was read. A work-stealing runtime spent about a fifth of a token's CPU time on such
/// wake-ups at low concurrency. Dropping this future stops the threads and their connections.
pub async fn serve(listener: TcpListener, tls: Option<TlsAcceptor>, app: axum::Router) {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let workers: Vec<Worker> = (0..threads)
        .filter_map(|i| match Worker::start(i, tls.clone(), app.clone()) {
            Ok(worker) => Some(worker),
            Err(error) => {
                tracing::error!(%error, "starting a connection thread");
                None
            }
        })
        .collect();
    if workers.is_empty() {
        return;
    }
    for next in (0..workers.len()).cycle() {
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        match tcp.into_std() {
            Ok(tcp) => workers[next].hand(tcp, peer),
            Err(error) => tracing::warn!(%peer, %error, "handing a connection over failed"),
        }
    }
}

/// A thread with a single-threaded runtime that serves the connections it is handed.
struct Worker {
    connections: tokio::sync::mpsc::UnboundedSender<(std::net::TcpStream, SocketAddr)>,
}

impl Worker {
    fn start(index: usize, tls: Option<TlsAcceptor>, app: axum::Router) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (connections, mut handed) = tokio::sync::mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name(format!("idp-conn-{index}"))
            .spawn(move || {
                // Ends when the acceptor is dropped; dropping the runtime ends its connections.
                runtime.block_on(async move {
                    while let Some((tcp, peer)) = handed.recv().await {
                        match tokio::net::TcpStream::from_std(tcp) {
                            Ok(tcp) => drop(tokio::spawn(connection(
                                tcp,
                                peer,
                                tls.clone(),
                                app.clone(),
                            ))),
                            Err(error) => tracing::warn!(%peer, %error, "connection lost"),
                        }
                    }
                });
            })?;
        Ok(Self { connections })
    }

    fn hand(&self, tcp: std::net::TcpStream, peer: SocketAddr) {
        if self.connections.send((tcp, peer)).is_err() {
            tracing::error!(%peer, "a connection thread has stopped");
        }
    }
}

/// Serves one connection: the TLS handshake, then HTTP/1.1 or HTTP/2 by ALPN.
async fn connection(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    tls: Option<TlsAcceptor>,
    app: axum::Router,
) {
    let service = hyper::service::service_fn(move |request| app.clone().oneshot(request));
    let builder =
        hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
    let result = match tls {
        Some(acceptor) => match acceptor.accept(tcp).await {
            Ok(stream) => {
                builder
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await
            }
            Err(error) => {
                tracing::debug!(%peer, %error, "TLS handshake failed");
                return;
            }
        },
        None => {
            builder
                .serve_connection(hyper_util::rt::TokioIo::new(tcp), service)
                .await
        }
    };
    if let Err(error) = result {
        tracing::debug!(%peer, %error, "connection ended with an error");
    }
}
