//! What the server is told at start: kube-apiserver's flags, as values.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kubeward_authn::AuthenticatorConfig;
use kubeward_webhook::Version;
use kubeward_webhook::authorization_config::WebhookSpec;

/// One authorizer of the chain (`--authorization-mode` or `--authorization-config`), asked in
/// order after the `system:masters` group.
#[derive(Debug, Clone)]
pub enum Authorizer {
    /// Kubernetes RBAC.
    Rbac,
    /// Every request is allowed.
    AlwaysAllow,
    /// Every request is denied.
    AlwaysDeny,
    /// The Node authorizer: kubeward runs no kubelets, so it never has an opinion.
    Node,
    /// A SubjectAccessReview webhook.
    Webhook(Box<WebhookAuthorizer>),
}

/// An authorization webhook: its settings and how to reach it.
#[derive(Debug, Clone)]
pub struct WebhookAuthorizer {
    /// Name, caching, timeout, version, failure policy, match conditions.
    pub spec: WebhookSpec,
    /// Where it is (from its kubeconfig file).
    pub connection: Endpoint,
}

/// Where a peer (a webhook, a gateway's upstream) is and how to reach it: what the current
/// cluster and user of its kubeconfig file say.
#[derive(Clone, Default)]
pub struct Endpoint {
    /// The URL (the cluster's `server`, path included: a webhook is posted to it exactly).
    pub url: String,
    /// The CA bundle that signs the webhook's certificate (PEM); `None`: the system's roots.
    pub ca_pem: Option<String>,
    /// `insecure-skip-tls-verify`.
    pub insecure_skip_tls_verify: bool,
    /// The client certificate and key to present (PEM, both in one).
    pub client_identity_pem: Option<String>,
    /// A bearer token to present.
    pub bearer_token: Option<String>,
    /// The file the bearer token was read from (`tokenFile`, a pod's ServiceAccount token):
    /// read again at most once a minute, as client-go does, so a rotated token is picked up.
    pub bearer_token_file: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &self.url)
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field("client_identity", &self.client_identity_pem.is_some())
            .field("bearer_token", &self.bearer_token.is_some())
            .finish_non_exhaustive()
    }
}

/// `--authentication-token-webhook-*`: a TokenReview webhook after the other token
/// authenticators.
#[derive(Debug, Clone)]
pub struct TokenWebhook {
    /// Where it is (`--authentication-token-webhook-config-file`).
    pub connection: Endpoint,
    /// `--authentication-token-webhook-version` (default `v1beta1`).
    pub version: Version,
    /// `--authentication-token-webhook-cache-ttl` (default 2m): how long an answer is reused.
    pub cache_ttl: Duration,
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

/// kube-controller-manager's `--leader-elect-*` durations: with them, the replicas that share
/// a store elect one of them, through a `coordination.k8s.io/v1` Lease, to run what runs once
/// per cluster (the controllers but the RBAC index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaderElection {
    /// How long a holder that stopped renewing keeps the Lease (`--leader-elect-lease-duration`).
    pub lease_duration: Duration,
    /// How long the holder keeps trying to renew before it stops leading
    /// (`--leader-elect-renew-deadline`).
    pub renew_deadline: Duration,
    /// How long a candidate waits between attempts (`--leader-elect-retry-period`).
    pub retry_period: Duration,
}

impl Default for LeaderElection {
    /// kube-controller-manager's defaults: 15 s, 10 s, 2 s.
    fn default() -> Self {
        Self {
            lease_duration: Duration::from_secs(15),
            renew_deadline: Duration::from_secs(10),
            retry_period: Duration::from_secs(2),
        }
    }
}

/// client-go's `JitterFactor`: attempts are spread over up to 1.2 retry periods.
pub(crate) const JITTER_FACTOR: f64 = 1.2;

impl LeaderElection {
    /// client-go's checks of the three durations (`NewLeaderElector`), with its messages.
    pub fn check(&self) -> Result<(), String> {
        if self.lease_duration <= self.renew_deadline {
            return Err("leaseDuration must be greater than renewDeadline".into());
        }
        if self.renew_deadline.as_secs_f64() <= JITTER_FACTOR * self.retry_period.as_secs_f64() {
            return Err("renewDeadline must be greater than retryPeriod*JitterFactor".into());
        }
        if self.lease_duration.is_zero() {
            return Err("leaseDuration must be greater than zero".into());
        }
        if self.renew_deadline.is_zero() {
            return Err("renewDeadline must be greater than zero".into());
        }
        if self.retry_period.is_zero() {
            return Err("retryPeriod must be greater than zero".into());
        }
        Ok(())
    }
}

/// A gateway: requests are authenticated (and authorized, when configured) here, then
/// forwarded to the upstream cluster as the user they come from.
#[derive(Debug, Clone)]
pub struct Gateway {
    /// The upstream API server and the gateway's own credential there (it must be allowed to
    /// impersonate users, groups, uids and user extras).
    pub upstream: Endpoint,
    /// How long the upstream may take to begin its answer (its status and headers; a watch's
    /// or `logs -f`'s body is not timed): past it the client gets kube-apiserver's 504.
    pub response_timeout: std::time::Duration,
    /// Whether ordinary requests go to the upstream over HTTP/2 when it offers it (ALPN `h2`):
    /// one multiplexed connection per connection thread. Watches, `logs` and upgrades keep
    /// HTTP/1.1 (a connection each, so that they are never held back by the upstream's limit
    /// of concurrent streams per connection).
    pub http2: bool,
}

impl Gateway {
    /// How long the upstream may take to begin an answer unless told otherwise:
    /// kube-apiserver's own `--request-timeout`.
    pub const RESPONSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

    /// A gateway in front of `upstream`, with [`Gateway::RESPONSE_TIMEOUT`], HTTP/2 when the
    /// upstream offers it.
    pub fn new(upstream: Endpoint) -> Self {
        Self {
            upstream,
            response_timeout: Self::RESPONSE_TIMEOUT,
            http2: true,
        }
    }

    /// The upstream endpoint at `path` (an API path of the upstream).
    pub fn upstream_at(&self, path: &str) -> Endpoint {
        Endpoint {
            url: format!("{}{path}", self.upstream.url.trim_end_matches('/')),
            ..self.upstream.clone()
        }
    }
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
    /// The authorizers after `system:masters`, in order.
    pub authorization: Vec<Authorizer>,
    /// The token webhook, if any.
    pub token_webhook: Option<TokenWebhook>,
    /// `Some`: run as a gateway in front of this upstream instead of serving from the store.
    pub gateway: Option<Gateway>,
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
    /// Other replicas share the store: elect the one that runs the controllers (but the RBAC
    /// index, which every replica keeps). `None`: this server runs them all itself.
    pub leader_election: Option<LeaderElection>,
    /// Metrics of other parts of the process (the identity provider `kubeward up` runs),
    /// served on `/metrics` after the server's own.
    pub metrics_sources: Vec<MetricsSource>,
}

/// Writes metric families in OpenMetrics text (without the closing `# EOF`).
#[derive(Clone)]
pub struct MetricsSource(pub Arc<dyn Fn(&mut String) -> std::fmt::Result + Send + Sync>);

impl std::fmt::Debug for MetricsSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsSource")
    }
}
