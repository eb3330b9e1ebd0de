//! What the server is told at start: kube-apiserver's flags, as values.

use std::net::SocketAddr;
use std::path::PathBuf;

use kubeward_authn::AuthenticatorConfig;

/// `--authorization-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizationMode {
    /// Kubernetes RBAC (the default).
    Rbac,
    /// Every authenticated request is allowed.
    AlwaysAllow,
}

/// How ServiceAccount tokens are issued (TokenRequest).
#[derive(Debug, Clone)]
pub struct ServiceAccountSigning {
    /// `--service-account-issuer`: the `iss` of issued tokens.
    pub issuer: String,
    /// `--service-account-signing-key-file` contents (PEM private key).
    pub signing_key_pem: String,
    /// `--api-audiences` (defaults to the issuer).
    pub audiences: Vec<String>,
}

/// How the API server reaches kubelets (`--kubelet-client-certificate`, `--kubelet-client-key`,
/// `--kubelet-certificate-authority`), for `pods/log|exec|attach|portforward`.
#[derive(Clone)]
pub struct KubeletClientConfig {
    /// The client certificate (PEM).
    pub cert_pem: String,
    /// Its key (PEM).
    pub key_pem: String,
    /// The CA that signs kubelets' serving certificates (PEM).
    pub ca_pem: String,
}

impl std::fmt::Debug for KubeletClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeletClientConfig")
            .finish_non_exhaustive()
    }
}

/// Everything the server needs to run.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// `--bind-address` and `--secure-port`.
    pub bind_address: SocketAddr,
    /// `--tls-cert-file` contents (PEM chain).
    pub tls_cert_pem: String,
    /// `--tls-private-key-file` contents (PEM).
    pub tls_key_pem: String,
    /// The authenticators (`--client-ca-file`, `--token-auth-file`, ServiceAccount keys,
    /// `--anonymous-auth`).
    pub authentication: AuthenticatorConfig,
    /// `--authorization-mode`.
    pub authorization: AuthorizationMode,
    /// The cluster CA that signs approved CertificateSigningRequests (`--cluster-signing-*` of
    /// kube-controller-manager): certificate and key PEM. `None`: CSRs are never signed.
    pub cluster_signing: Option<(String, String)>,
    /// TokenRequest signing; `None` disables the `token` subresource.
    pub service_account_signing: Option<ServiceAccountSigning>,
    /// The database file of the store.
    pub store_path: PathBuf,
    /// How to reach kubelets; `None`: `pods/log|exec|attach|portforward` answer that the server
    /// has no kubelet client certificate.
    pub kubelet_client: Option<KubeletClientConfig>,
    /// `--max-requests-inflight`: reads served at once (0: no limit).
    pub max_requests_inflight: usize,
    /// `--max-mutating-requests-inflight`: writes served at once (0: no limit).
    pub max_mutating_requests_inflight: usize,
    /// Connection limits (handshake and header deadlines, header size, streams, open
    /// connections).
    pub limits: kubeward_net::Limits,
    /// The audit policy and backends (`--audit-*`); `None`: nothing is audited.
    pub audit: Option<kubeward_audit::backend::Options>,
}
