//! kubeward's API server: a Kubernetes-compatible HTTPS server for access control.
//!
//! A request follows kube-apiserver's filter chain in one straight line (`pipeline`):
//! request info → authentication (`kubeward-authn`) → impersonation → authorization
//! (`kubeward-rbac`) → handler. Objects live in `kubeward-store`; the RBAC index is kept in step
//! with every write (`policy_sync`). Handlers are thin: they decode, call a library function and
//! map the result to Kubernetes' `Status` bodies (`respond`).
//!
//! This crate does I/O (sockets, TLS, the store); the decisions it wires are made by the pure
//! crates below it.
#![forbid(unsafe_code)]
// Every handler fails with Kubernetes' `Status`, the body the client gets; it is large, but
// boxing it on every path would buy nothing on a path that ends the request anyway.
#![allow(clippy::result_large_err)]

mod admission;
mod body;
mod bootstrap;
mod clock;
mod config;
mod csr;
mod discovery;
mod field_validation;
mod impersonation;
mod meta;
mod oidc_keys;
mod openapi;
mod patch;
mod pipeline;
mod pki_bridge;
mod policy_sync;
mod printing;
mod registry;
mod respond;
mod rest;
mod reviews;
mod selectors;
mod side_effects;
mod state;
mod tls;
mod token_request;
mod watch;

pub use config::{AuthorizationMode, ServerConfig, ServiceAccountSigning};
pub use oidc_keys::{FetchError, KeyFetcher};

use std::net::SocketAddr;
use std::sync::Arc;

use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// The largest header block a request may send over HTTP/2 (kube-apiserver: 1 MiB).
pub const MAX_HEADER_BYTES: u32 = 1 << 20;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// The operating system's answer.
        source: std::io::Error,
    },
    /// The TLS certificate or key cannot be used.
    #[error("TLS: {0}")]
    Tls(String),
    /// The authentication configuration cannot be used.
    #[error("authentication: {0}")]
    Authentication(String),
    /// The ServiceAccount signing key or the cluster signing CA cannot be used.
    #[error("signing: {0}")]
    Signing(String),
    /// The store failed while the server reconciled its bootstrap objects.
    #[error("bootstrap: {0}")]
    Bootstrap(String),
}

/// A server bound to its socket, ready to serve.
pub struct Server {
    listener: TcpListener,
    acceptor: TlsAcceptor,
    state: Arc<state::State>,
}

impl Server {
    /// Reconciles the bootstrap objects (namespaces, default ServiceAccounts, the bootstrap RBAC
    /// policy), loads the RBAC index from the store and binds the listening socket.
    pub async fn bind(config: ServerConfig) -> Result<Self, StartError> {
        let store = state::State::open_store(&config)?;
        Self::bind_with_store(config, store).await
    }

    /// [`Server::bind`] over a store opened by the caller (`kubeward up` shares it with the
    /// identity provider); `config.store_path` is not used.
    pub async fn bind_with_store(
        config: ServerConfig,
        store: Arc<dyn kubeward_store::Store>,
    ) -> Result<Self, StartError> {
        let acceptor = tls::acceptor(&config.tls_cert_pem, &config.tls_key_pem)?;
        let state = Arc::new(state::State::new(config.clone(), store)?);
        bootstrap::reconcile(&state).map_err(|e| StartError::Bootstrap(e.to_string()))?;
        policy_sync::load(&state).map_err(|e| StartError::Bootstrap(e.to_string()))?;
        side_effects::aggregate_cluster_roles(&state);
        let listener = TcpListener::bind(config.bind_address)
            .await
            .map_err(|source| StartError::Bind {
                address: config.bind_address,
                source,
            })?;
        Ok(Self {
            listener,
            acceptor,
            state,
        })
    }

    /// The address the server listens on (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accepts connections until the task is dropped. Each connection is served on its own task
    /// with HTTP/1.1 or HTTP/2 (ALPN).
    pub async fn serve(self) {
        let Self {
            listener,
            acceptor,
            state,
        } = self;
        if let Some(fetcher) = state.oidc_keys.clone() {
            tokio::spawn(fetcher.run());
        }
        loop {
            let (tcp, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            let acceptor = acceptor.clone();
            let state = state.clone();
            tokio::spawn(async move {
                let tls = match acceptor.accept(tcp).await {
                    Ok(tls) => tls,
                    Err(error) => {
                        tracing::debug!(%peer, %error, "TLS handshake failed");
                        return;
                    }
                };
                let connection = Arc::new(pipeline::Connection::from_tls(&tls));
                let service = hyper::service::service_fn(move |request| {
                    let state = state.clone();
                    let connection = connection.clone();
                    async move {
                        Ok::<_, std::convert::Infallible>(
                            pipeline::handle(&state, &connection, request).await,
                        )
                    }
                });
                let mut builder =
                    hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                // kube-apiserver's limit on a request's header block (Go's 1 MiB
                // `MaxHeaderBytes`), so that a large bearer token is authenticated (or refused
                // with 401) rather than the connection dropped.
                builder.http2().max_header_list_size(MAX_HEADER_BYTES);
                // HTTP/1.1 reads the head into one buffer: room for the same header block plus
                // the request line.
                builder
                    .http1()
                    .max_buf_size(MAX_HEADER_BYTES as usize + 64 * 1024);
                if let Err(error) = builder
                    .serve_connection_with_upgrades(TokioIo::new(tls), service)
                    .await
                {
                    tracing::debug!(%peer, %error, "connection ended with an error");
                }
            });
        }
    }
}
