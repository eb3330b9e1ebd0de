//! What every request shares: the configuration, the store, the RBAC index, the
//! authenticators (with the fetcher of OIDC keys and the STS client of IAM tokens), the audit
//! backends, the metrics and the health checks' flags.

use std::sync::{Arc, RwLock};

use kubeward_authn::{Authenticator, SigningKey};
use kubeward_pki::CertificateAuthority;
use kubeward_rbac::Policy;
use kubeward_store::{RedbStore, Store};

use crate::auditing::Auditing;
use crate::config::ServerConfig;
use crate::error::StartError;
use crate::health::Health;
use crate::iam_sts::IamVerifier;
use crate::inflight::Inflight;
use crate::metrics::Metrics;
use crate::sync::Synced;

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
                let ca = config
                    .authentication
                    .iam
                    .as_ref()
                    .and_then(|settings| settings.sts_ca_pem.as_deref());
                IamVerifier::new(iam.clone(), ca.map(str::as_bytes))
            })
            .transpose()
            .map_err(|e| StartError::Authentication(format!("--aws-iam-sts-ca-file: {e}")))?;
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
