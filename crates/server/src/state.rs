//! What every request shares: the configuration, the store, the RBAC index and the
//! authenticators.

use std::sync::{Arc, Mutex, RwLock};

use base64::Engine as _;
use kubeward_authn::SigningKey;
use kubeward_authn::{Authenticator, LegacyTokenSecret, ServiceAccountLookup};
use kubeward_pki::CertificateAuthority;
use kubeward_rbac::Policy;
use kubeward_store::{ObjectKey, RedbStore, Store};

use crate::StartError;
use crate::config::ServerConfig;

/// The server's shared state.
pub struct State {
    /// The configuration the server started with.
    pub config: ServerConfig,
    /// Durable objects (shared with the identity provider in `kubeward up`).
    pub store: Arc<dyn Store>,
    /// The RBAC index, kept in step with the RBAC objects of the store.
    pub policy: RwLock<Policy>,
    /// Serializes writes that must update the RBAC index in the order of the store's revisions.
    pub policy_writes: Mutex<()>,
    /// The authentication chain.
    pub authenticator: Authenticator,
    /// The key that signs ServiceAccount tokens, parsed once (`None`: no TokenRequest).
    pub service_account_key: Option<SigningKey>,
    /// The CA that signs approved CertificateSigningRequests, parsed once.
    pub cluster_ca: Option<CertificateAuthority>,
    /// Fetches the OIDC issuers' keys (`None`: no OIDC configured).
    pub oidc_keys: Option<std::sync::Arc<crate::oidc_keys::KeyFetcher>>,
}

impl State {
    /// Opens the store at `config.store_path`.
    pub fn open_store(config: &ServerConfig) -> Result<Arc<dyn Store>, StartError> {
        RedbStore::open(&config.store_path)
            .map(|store| Arc::new(store) as Arc<dyn Store>)
            .map_err(|e| StartError::Bootstrap(format!("{}: {e}", config.store_path.display())))
    }

    /// Builds the authenticators over an open store.
    pub fn new(config: ServerConfig, store: Arc<dyn Store>) -> Result<Self, StartError> {
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
        Ok(Self {
            oidc_keys,
            config,
            store,
            policy: RwLock::new(Policy::new()),
            policy_writes: Mutex::new(()),
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

/// The key of a core-group object.
pub fn core_key(resource: &str, namespace: Option<&str>, name: &str) -> ObjectKey {
    ObjectKey {
        group: String::new(),
        resource: resource.to_string(),
        namespace: namespace.map(str::to_string),
        name: name.to_string(),
    }
}

impl ServiceAccountLookup for State {
    fn service_account_uid(&self, namespace: &str, name: &str) -> Option<String> {
        self.uid_of(core_key("serviceaccounts", Some(namespace), name))
    }

    fn secret_uid(&self, namespace: &str, name: &str) -> Option<String> {
        self.uid_of(core_key("secrets", Some(namespace), name))
    }

    fn pod_uid(&self, namespace: &str, name: &str) -> Option<String> {
        self.uid_of(core_key("pods", Some(namespace), name))
    }

    fn node_uid(&self, name: &str) -> Option<String> {
        self.uid_of(core_key("nodes", None, name))
    }

    fn legacy_token_secret(&self, namespace: &str, name: &str) -> Option<LegacyTokenSecret> {
        let secret = self
            .store
            .get(&core_key("secrets", Some(namespace), name))
            .ok()??;
        let token = secret.pointer("/data/token")?.as_str()?;
        let token = base64::engine::general_purpose::STANDARD
            .decode(token)
            .ok()?;
        let invalid_since = secret
            .pointer("/metadata/labels/kubernetes.io~1legacy-token-invalid-since")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string);
        Some(LegacyTokenSecret {
            token,
            invalid_since,
        })
    }
}

impl State {
    fn uid_of(&self, key: ObjectKey) -> Option<String> {
        let object = self.store.get(&key).ok()??;
        Some(crate::meta::uid(&object).to_string())
    }
}
