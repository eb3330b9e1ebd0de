//! What the lab node is told at start.

use std::net::SocketAddr;
use std::path::PathBuf;

/// A client certificate and its key (PEM).
#[derive(Clone)]
pub struct Credential {
    /// The certificate chain, leaf first.
    pub cert_pem: String,
    /// The private key.
    pub key_pem: String,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential").finish_non_exhaustive()
    }
}

/// Everything the lab node needs.
#[derive(Debug, Clone)]
pub struct LabNodeConfig {
    /// The Node's name (its identity is `system:node:<name>`).
    pub node_name: String,
    /// The API server's URL (`https://127.0.0.1:6443`).
    pub api_server: String,
    /// The cluster CA (PEM): it signed the API server's serving certificate, and the client
    /// certificates the node accepts on its own HTTPS server.
    pub ca_pem: String,
    /// The node's client certificate (`CN=system:node:<name>`, `O=system:nodes`).
    pub node_credential: Credential,
    /// The scheduler's client certificate (`CN=system:kube-scheduler`): with it the node binds
    /// pending pods to itself through `pods/binding`, as kube-scheduler does. `None`: pods must
    /// name the node in `spec.nodeName`.
    pub scheduler_credential: Option<Credential>,
    /// The serving certificate of the node's HTTPS server (the kubelet API).
    pub serving: Credential,
    /// Where pods' files live (logs, projected tokens, working directories).
    pub work_dir: PathBuf,
    /// Where the kubelet API listens (port 0: any free port; loopback only).
    pub listen: SocketAddr,
}
