//! Why a server could not start.

use std::net::SocketAddr;

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
    /// The authorization configuration cannot be used.
    #[error("authorization: {0}")]
    Authorization(String),
    /// A gateway's upstream cannot be used.
    #[error("upstream: {0}")]
    Upstream(String),
    /// The ServiceAccount signing key or the cluster signing CA cannot be used.
    #[error("signing: {0}")]
    Signing(String),
    /// An audit backend could not start.
    #[error("audit: {0}")]
    Audit(String),
    /// The store failed while the server reconciled its bootstrap objects.
    #[error("bootstrap: {0}")]
    Bootstrap(String),
}
