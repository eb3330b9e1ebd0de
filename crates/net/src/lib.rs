//! kubeward's HTTPS serving, shared by the API server and the identity provider: TLS server
//! configurations (`tls`, with the client side of the API server's kubelet connections) and one
//! accept loop with kube-apiserver's connection limits, a cap on open connections and graceful
//! shutdown (`listener`), whose connections close as Go's server closes them (`linger`). It knows
//! nothing of what is served.
#![forbid(unsafe_code)]

mod linger;
pub mod listener;
pub mod tls;

pub use listener::{ConnectionInfo, Handler, Limits, serve};
pub use tls::{ClientAuth, TlsError, acceptor, connect, connector};
pub use tokio_rustls::{TlsAcceptor, TlsConnector};
