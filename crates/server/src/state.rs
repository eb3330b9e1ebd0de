//! What every request shares: the configuration, the store, the RBAC index, the
//! authenticators (with the fetcher of OIDC keys and the STS client of IAM tokens), the audit
//! backends, the metrics and the health checks' flags.

use std::sync::{Arc, RwLock};

use kubeward_authn::{Authenticator, SigningKey};
use kubeward_pki::CertificateAuthority;
use kubeward_rbac::Policy;
use kubeward_store::{RedbStore, Store};

use crate::auditing::Auditing;
use crate::authorizers::Chain;
use crate::config::{Authorizer, Gateway, ServerConfig, WebhookAuthorizer};
use crate::error::StartError;
use crate::health::Health;
use crate::iam_sts::IamVerifier;
use crate::inflight::Inflight;
use crate::metrics::Metrics;
use crate::sync::Synced;
use crate::upstream::Upstream;
use crate::webhooks::token::TokenWebhookAuthenticator;

/// The server's shared state.
pub struct State {
    /// The configuration the server started with.
    pub config: ServerConfig,
    /// Durable objects (shared with the identity provider in `kubeward up`).
    pub store: Arc<dyn Store>,
    /// The RBAC index, kept in step with the RBAC objects of the store by its controller.
    pub policy: RwLock<Policy>,
    /// How far the controllers have handled the store's events.
    pub synced: Synced,
    /// The budgets of requests served at once.
    pub inflight: Inflight,
    /// The authentication chain.
    pub authenticator: Authenticator,
    /// The key that signs ServiceAccount tokens, parsed once (`None`: no TokenRequest).
    pub service_account_key: Option<SigningKey>,
    /// The CA that signs approved CertificateSigningRequests, parsed once.
    pub cluster_ca: Option<CertificateAuthority>,
    /// Fetches the OIDC issuers' keys (`None`: no OIDC configured).
    pub oidc_keys: Option<std::sync::Arc<crate::oidc_keys::KeyFetcher>>,
    /// The TLS client of kubelet connections (`None`: no kubelet client certificate).
    pub kubelet_tls: Option<kubeward_net::TlsConnector>,
    /// Sends IAM tokens' presigned requests to STS (`None`: no `--aws-iam-cluster-id`).
    pub iam: Option<IamVerifier>,
    /// The audit policy and backends (`None`: nothing is audited).
    pub audit: Option<Auditing>,
    /// The metrics `/metrics` shows.
    pub metrics: Arc<Metrics>,
    /// What the health checks read.
    pub health: Health,
    /// The token webhook, asked after the token authenticators (`None`: not configured).
    pub token_webhook: Option<TokenWebhookAuthenticator>,
    /// The authorizers after `system:masters`.
    pub authorizers: Chain,
    /// A gateway's upstream (`None`: requests are served from the store).
    pub upstream: Option<Upstream>,
    /// A gateway asks the upstream whether the user may impersonate (`None`: `authorizers`).
    pub impersonation: Option<Chain>,
}

impl State {
    /// Opens the store at `config.store_path`.
    pub fn open_store(config: &ServerConfig) -> Result<Arc<dyn Store>, StartError> {
        RedbStore::open(&config.store_path)
            .map(|store| Arc::new(store) as Arc<dyn Store>)
            .map_err(|e| StartError::Bootstrap(format!("{}: {e}", config.store_path.display())))
    }

    /// Builds the authenticators over an open store (timed into the metrics).
    pub fn new(config: ServerConfig, store: Arc<dyn Store>) -> Result<Self, StartError> {
        let metrics = Arc::new(Metrics::new());
        let store: Arc<dyn Store> =
            Arc::new(crate::metered_store::Metered::new(store, metrics.clone()));
        let authenticator = Authenticator::new(config.authentication.clone())
            .map_err(|e| StartError::Authentication(e.to_string()))?;
        let service_account_key = config
            .service_account_signing
            .as_ref()
            .map(|signing| SigningKey::from_pem(&signing.signing_key_pem))
            .transpose()
            .map_err(|e| StartError::Signing(format!("--service-account-signing-key-file: {e}")))?;
        let cluster_ca = config
            .cluster_signing
            .as_ref()
            .map(|(cert, key)| CertificateAuthority::from_pem(cert, key))
            .transpose()
            .map_err(|e| StartError::Signing(format!("cluster signing CA: {e}")))?;
        let oidc_keys = authenticator
            .oidc()
            .map(|oidc| std::sync::Arc::new(crate::oidc_keys::KeyFetcher::new(oidc.clone())));
        let kubelet_tls = config
            .kubelet_client
            .as_ref()
            .map(|c| kubeward_net::connector(&c.cert_pem, &c.key_pem, &c.ca_pem))
            .transpose()
            .map_err(|e| StartError::Tls(format!("kubelet client: {e}")))?;
        let iam = authenticator
            .iam()
            .map(|iam| {
                let settings = config.authentication.iam.as_ref();
                let ca = settings.and_then(|s| s.sts_ca_pem.as_deref());
                let ec2 = settings.and_then(|s| s.ec2.clone());
                IamVerifier::new(iam.clone(), ca.map(str::as_bytes), ec2)
            })
            .transpose()
            .map_err(|e| StartError::Authentication(format!("--aws-iam-sts-ca-file: {e}")))?;
        let token_webhook = config
            .token_webhook
            .as_ref()
            .map(|webhook| TokenWebhookAuthenticator::new(webhook, authenticator.api_audiences()))
            .transpose()
            .map_err(|e| StartError::Authentication(format!("token webhook: {e}")))?;
        let authorizers = Chain::new(&config.authorization).map_err(StartError::Authorization)?;
        let upstream = config
            .gateway
            .as_ref()
            .map(Upstream::new)
            .transpose()
            .map_err(|e| StartError::Upstream(e.to_string()))?;
        let impersonation = config
            .gateway
            .as_ref()
            .map(|gateway| Chain::new(&[upstream_access_review(gateway)]))
            .transpose()
            .map_err(StartError::Upstream)?;
        let inflight = Inflight::new(
            config.max_requests_inflight,
            config.max_mutating_requests_inflight,
        );
        let audit = config.audit.as_ref().map(Auditing::start).transpose()?;
        Ok(Self {
            kubelet_tls,
            oidc_keys,
            iam,
            audit,
            metrics,
            health: Health::default(),
            token_webhook,
            authorizers,
            upstream,
            impersonation,
            config,
            store,
            policy: RwLock::new(Policy::new()),
            synced: Synced::default(),
            inflight,
            authenticator,
            service_account_key,
            cluster_ca,
        })
    }

    /// Reads the RBAC index (a poisoned lock still holds a consistent index: writers replace
    /// entries whole).
    pub fn policy(&self) -> std::sync::RwLockReadGuard<'_, Policy> {
        self.policy.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes the RBAC index.
    pub fn policy_mut(&self) -> std::sync::RwLockWriteGuard<'_, Policy> {
        self.policy.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// How long the upstream's answer on an impersonation is reused.
const IMPERSONATION_TTL: std::time::Duration = std::time::Duration::from_secs(10);

/// The upstream as an authorizer: a SubjectAccessReview to its API (as Pinniped's
/// impersonation proxy asks), denying when it cannot be asked.
fn upstream_access_review(gateway: &Gateway) -> Authorizer {
    use kubeward_webhook::authorization_config::{FailurePolicy, WebhookSpec};
    Authorizer::Webhook(Box::new(WebhookAuthorizer {
        spec: WebhookSpec {
            name: "upstream".to_string(),
            authorized_ttl: IMPERSONATION_TTL,
            unauthorized_ttl: IMPERSONATION_TTL,
            timeout: crate::upstream::CONNECT_TIMEOUT,
            version: kubeward_webhook::Version::V1,
            failure_policy: FailurePolicy::Deny,
            kubeconfig_file: String::new(),
            match_conditions: Vec::new(),
        },
        connection: gateway.upstream_at("/apis/authorization.k8s.io/v1/subjectaccessreviews"),
    }))
}
