//! kubeward's API server: a Kubernetes-compatible HTTPS server for access control.
//!
//! A request follows kube-apiserver's filter chain in one straight line (`pipeline`, with the
//! filters in `filters`): authentication (`kubeward-authn`) → request info → impersonation →
//! authorization (`authorizer`, the one place that asks `kubeward-rbac`) → `handlers`. What the
//! server knows of each kind, and the generic reads and writes through each kind's strategy, is
//! the `registry`; objects live behind `kubeward-store`'s `Store`. What follows a write (the RBAC
//! index, namespace deletion, default ServiceAccounts, `kube-root-ca.crt`, legacy token Secrets,
//! CSR signing) is done by the `controllers`, driven by the store's watch; a write answers once
//! they have handled it (`sync`). Replicas sharing a store (etcd) each keep their RBAC index and
//! elect, through a Lease, the one that runs the other controllers. Dependencies point down that
//! list: nothing imports the pipeline, the handlers or the controllers but the start-up here.
//!
//! This crate does I/O (sockets, TLS, the store); the decisions it wires are made by the pure
//! crates below it.
#![forbid(unsafe_code)]
// Every handler fails with Kubernetes' `Status`, the body the client gets; it is large, but
// boxing it on every path would buy nothing on a path that ends the request anyway.
#![allow(clippy::result_large_err)]

mod auditing;
mod authorizer;
mod authorizers;
mod bearer;
mod clock;
mod codec;
mod config;
mod controllers;
mod error;
mod filters;
mod flow_schemas;
mod handlers;
mod health;
mod iam_ec2;
mod iam_sts;
mod inflight;
mod metered_store;
mod metrics;
mod oidc_keys;
mod pipeline;
mod registry;
mod review_server;
mod revocation_feed;
mod state;
mod sync;
mod time_zone;
mod upstream;
mod webhooks;

#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod test_support;

pub use config::{
    Authorizer, Endpoint, Gateway, KubeletClientConfig, LeaderElection, MetricsSource,
    ServerConfig, ServiceAccountSigning, TokenWebhook, WebhookAuthorizer,
};
pub use error::StartError;
pub use handlers::discovery::VERSION_JSON;
pub use handlers::proxy::{
    forwarded_request_headers, forwarded_response_headers, impersonation_headers,
};
pub use iam_sts::{StsClientError, send_sts, sts_client};
pub use kubeward_net::Limits;
pub use oidc_keys::{FetchError, KeyFetcher};
pub use review_server::{ReviewServer, ReviewServerConfig, SharedPolicy, Unmatched};

use std::net::SocketAddr;
use std::sync::Arc;

use kubeward_net::TlsAcceptor;
use kubeward_net::{ClientAuth, ConnectionInfo};
use tokio::net::TcpListener;

/// What runs beside the requests: the controllers' driver and, among replicas, the candidacy
/// for running the once-per-cluster controllers. Stopped when dropped (the candidacy first).
struct Background {
    _candidacy: Option<controllers::leader::Candidacy>,
    _driver: controllers::driver::Driver,
    /// The replica's identity in the leader election.
    identity: Option<String>,
}

/// The state a server answers from: the authenticators, the bootstrap objects reconciled,
/// stored objects that no longer pass validation reported, and the controllers running and
/// caught up with the store (the RBAC index loaded, default ServiceAccounts in place). Among
/// replicas (`config.leader_election`), the controllers but the RBAC index, the IAM mappings and
/// the object counts run on the elected leader only.
async fn prepare(
    config: ServerConfig,
    store: Arc<dyn kubeward_store::Store>,
) -> Result<(Arc<state::State>, Background), StartError> {
    let election = config.leader_election;
    let state = Arc::new(state::State::new(config, store)?);
    let bootstrap_error = |e: kubeward_store::StoreError| StartError::Bootstrap(e.to_string());
    controllers::bootstrap::reconcile(&state).map_err(bootstrap_error)?;
    state.health.set_bootstrapped();
    controllers::bootstrap::report_invalid_objects(&state).map_err(bootstrap_error)?;
    let revision = state.store.revision().map_err(bootstrap_error)?;
    let started =
        |e: std::io::Error| StartError::Bootstrap(format!("starting the controllers: {e}"));
    let own = match election {
        Some(_) => controllers::every_replica(),
        None => controllers::all(),
    };
    let driver =
        controllers::driver::start(state.clone(), own, controllers::driver::Progress::Published)
            .map_err(started)?;
    if !state.synced.wait_for(revision).await {
        return Err(StartError::Bootstrap(
            "the controllers did not handle the store in time".to_string(),
        ));
    }
    let (candidacy, identity) = match election {
        Some(timing) => {
            let identity = controllers::leader::identity();
            let candidacy = controllers::leader::start(
                state.clone(),
                timing,
                identity.clone(),
                controllers::once_per_cluster,
            )
            .map_err(started)?;
            (Some(candidacy), Some(identity))
        }
        None => (None, None),
    };
    state.health.set_synced();
    Ok((
        state,
        Background {
            _candidacy: candidacy,
            _driver: driver,
            identity,
        },
    ))
}

/// A server bound to its socket, ready to serve.
pub struct Server {
    listener: TcpListener,
    acceptor: TlsAcceptor,
    limits: Limits,
    state: Arc<state::State>,
    /// The controllers' threads; stop when the server is dropped (a gateway has none).
    background: Option<Background>,
}

impl Server {
    /// Opens the store at `config.store_path`, then [`Server::bind_with_store`].
    pub async fn bind(config: ServerConfig) -> Result<Self, StartError> {
        let store = state::State::open_store(&config)?;
        Self::bind_with_store(config, store).await
    }

    /// Reconciles the bootstrap objects (system namespaces, the bootstrap RBAC policy), starts
    /// the controllers and waits until they have handled the store (the RBAC index loaded,
    /// default ServiceAccounts in place), then binds the listening socket. `kubeward up` hands
    /// in the store it shares with the identity provider; `config.store_path` is not used.
    pub async fn bind_with_store(
        config: ServerConfig,
        store: Arc<dyn kubeward_store::Store>,
    ) -> Result<Self, StartError> {
        let acceptor = kubeward_net::acceptor(
            &config.tls_cert_pem,
            &config.tls_key_pem,
            ClientAuth::Request,
        )
        .map_err(|e| StartError::Tls(e.to_string()))?;
        let limits = config.limits;
        let (state, background) = prepare(config.clone(), store).await?;
        let listener = TcpListener::bind(config.bind_address)
            .await
            .map_err(|source| StartError::Bind {
                address: config.bind_address,
                source,
            })?;
        let address = listener.local_addr().map_err(|source| StartError::Bind {
            address: config.bind_address,
            source,
        })?;
        controllers::bootstrap::kubernetes_service(&state, address)
            .map_err(|e| StartError::Bootstrap(e.to_string()))?;
        Ok(Self {
            listener,
            acceptor,
            limits,
            state,
            background: Some(background),
        })
    }

    /// This replica's identity in the leader election (`holderIdentity` of the Lease
    /// `kube-system/kube-controller-manager` while it leads), when there is one.
    pub fn leader_identity(&self) -> Option<&str> {
        self.background.as_ref()?.identity.as_deref()
    }

    /// The audit policy and the backends events go to (`--audit-*`), for what else in the
    /// process records events in the same log (the identity provider `kubeward up` runs).
    pub fn audit(
        &self,
    ) -> Option<(
        kubeward_audit::Policy,
        Arc<kubeward_audit::backend::Backends>,
    )> {
        let audit = self.state.audit.as_ref()?;
        Some((audit.policy().clone(), audit.backends()))
    }

    /// A gateway in front of `config.gateway`'s upstream: the same filters, no store of its own
    /// (an empty one in memory), no controllers; its RBAC policy, when it authorizes locally,
    /// is installed with [`Server::policy_installer`].
    pub async fn bind_gateway(config: ServerConfig) -> Result<Self, StartError> {
        if config.gateway.is_none() {
            return Err(StartError::Upstream("no upstream is configured".into()));
        }
        let acceptor = kubeward_net::acceptor(
            &config.tls_cert_pem,
            &config.tls_key_pem,
            ClientAuth::Request,
        )
        .map_err(|e| StartError::Tls(e.to_string()))?;
        let store = kubeward_store::RedbStore::in_memory()
            .map_err(|e| StartError::Bootstrap(e.to_string()))?;
        let state = Arc::new(state::State::new(config.clone(), Arc::new(store))?);
        let listener = TcpListener::bind(config.bind_address)
            .await
            .map_err(|source| StartError::Bind {
                address: config.bind_address,
                source,
            })?;
        Ok(Self {
            listener,
            acceptor,
            limits: config.limits,
            state,
            background: None,
        })
    }

    /// Replaces the RBAC policy the server answers from (a gateway's local policy, loaded from
    /// manifests or its upstream by the caller).
    pub fn policy_installer(&self) -> impl Fn(kubeward_rbac::Policy) + Send + Sync + 'static {
        let state = self.state.clone();
        move |policy| *state.policy_mut() = policy
    }

    /// The address the server listens on (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until the task is dropped.
    pub async fn serve(self) {
        self.serve_until(std::future::pending()).await;
    }

    /// Serves until `shutdown` completes, then stops accepting connections and lets requests
    /// in flight finish (the limits' grace period) before it returns.
    pub async fn serve_until(self, shutdown: impl std::future::Future<Output = ()>) {
        let Self {
            listener,
            acceptor,
            limits,
            state,
            background: _background,
        } = self;
        if let Some(fetcher) = state.oidc_keys.clone() {
            tokio::spawn(fetcher.run());
        }
        if let Some(oidc) = state.authenticator.oidc() {
            tokio::spawn(revocation_feed::follow(
                oidc.clone(),
                state.authenticator.revocations().clone(),
            ));
        }
        let serving = state.clone();
        let handler = move |request: http::Request<hyper::body::Incoming>,
                            connection: Arc<ConnectionInfo>| {
            let state = serving.clone();
            // Boxed: the connection spawns a task per request (HTTP/2: per stream), and the
            // filter chain's future is large; the task then holds a pointer, not a copy of it.
            Box::pin(async move {
                pipeline::handle(&state, &connection, request.map(codec::body::boxed)).await
            })
        };
        let stopping = state.clone();
        let shutdown = async move {
            shutdown.await;
            // `/readyz` fails from here on, while requests in flight finish.
            stopping.health.set_shutting_down();
        };
        kubeward_net::serve(listener, Some(acceptor), limits, handler, shutdown).await;
        // What the audit backends still hold is delivered before the server is gone.
        if let Some(audit) = &state.audit {
            audit.shutdown();
        }
    }
}
