//! `kubeward webhook serve`: the webhook a kube-apiserver delegates to. `POST /authenticate`
//! answers a TokenReview with kubeward's authentication chain (static tokens, ServiceAccount
//! tokens, OIDC with the issuers' keys fetched as the API server fetches them);
//! `POST /authorize` answers a SubjectAccessReview with kubeward's RBAC engine over a policy the
//! caller keeps current ([`SharedPolicy`]). The mapping of bodies is `kubeward-webhook`'s; this
//! module reads requests, asks, and writes answers. Served by `kubeward-net`'s accept loop,
//! optionally only to callers whose client certificate chains to a given CA.
//!
//! Nothing else in the crate imports this module.

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use http::{Method, Request, Response};
use kubeward_authn::{
    Authenticator, AuthenticatorConfig, ClientCertAuthenticator, ServiceAccountLookup,
};
use kubeward_core::status::{self, Status};
use kubeward_net::{ClientAuth, ConnectionInfo, Limits, TlsAcceptor};
use kubeward_rbac::Policy;
use kubeward_webhook::{Decision, Verdict, access_review, token_review};
use tokio::net::TcpListener;

use crate::codec::body::{self, RequestBody};
use crate::codec::respond::{self, Body};
use crate::error::StartError;
use crate::oidc_keys::KeyFetcher;

/// The policy the webhook answers from, replaced whole when its source changes; `None` until
/// it is first loaded (reviews are then answered with an evaluation error).
#[derive(Debug, Clone, Default)]
pub struct SharedPolicy(Arc<RwLock<Option<Arc<Policy>>>>);

impl SharedPolicy {
    /// Installs `policy`.
    pub fn set(&self, policy: Policy) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(policy));
    }

    /// The current policy, if loaded.
    pub fn get(&self) -> Option<Arc<Policy>> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// What a SubjectAccessReview gets when RBAC allows nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmatched {
    /// `allowed: false`: kube-apiserver asks its next authorizer.
    NoOpinion,
    /// `denied: true`: kube-apiserver stops and refuses.
    Deny,
}

/// Everything the webhook needs.
#[derive(Clone)]
pub struct ReviewServerConfig {
    /// Where to listen.
    pub bind_address: SocketAddr,
    /// The serving certificate (PEM, leaf first).
    pub tls_cert_pem: String,
    /// Its key (PEM).
    pub tls_key_pem: String,
    /// When set, only callers presenting a client certificate that chains to this CA bundle
    /// are answered (kube-apiserver's credential in the webhook kubeconfig); others get 401.
    pub caller_ca_pem: Option<String>,
    /// The authentication chain (no client CA: a TokenReview carries only a token).
    pub authentication: AuthenticatorConfig,
    /// Objects the ServiceAccount authenticator must find; `None`: none are known, so
    /// ServiceAccount tokens are not accepted.
    pub service_accounts: Option<Arc<dyn ServiceAccountLookup + Send + Sync>>,
    /// The RBAC policy.
    pub policy: SharedPolicy,
    /// What a request RBAC does not allow is answered.
    pub unmatched: Unmatched,
    /// Connection limits.
    pub limits: Limits,
}

/// A bound webhook, ready to serve.
pub struct ReviewServer {
    listener: TcpListener,
    acceptor: TlsAcceptor,
    limits: Limits,
    state: Arc<Reviewer>,
}

/// What answers reviews.
struct Reviewer {
    authenticator: Authenticator,
    callers: Option<ClientCertAuthenticator>,
    service_accounts: Option<Arc<dyn ServiceAccountLookup + Send + Sync>>,
    oidc_keys: Option<Arc<KeyFetcher>>,
    policy: SharedPolicy,
    unmatched: Unmatched,
}

/// The lookup of a webhook that knows no objects.
struct NoObjects;

impl ServiceAccountLookup for NoObjects {
    fn service_account_uid(&self, _: &str, _: &str) -> Option<String> {
        None
    }
    fn secret_uid(&self, _: &str, _: &str) -> Option<String> {
        None
    }
    fn pod_uid(&self, _: &str, _: &str) -> Option<String> {
        None
    }
}

impl ReviewServer {
    /// Builds the authenticators and binds the socket.
    pub async fn bind(config: ReviewServerConfig) -> Result<Self, StartError> {
        let acceptor = kubeward_net::acceptor(
            &config.tls_cert_pem,
            &config.tls_key_pem,
            if config.caller_ca_pem.is_some() {
                ClientAuth::Request
            } else {
                ClientAuth::None
            },
        )
        .map_err(|e| StartError::Tls(e.to_string()))?;
        let state = Arc::new(Reviewer::new(&config)?);
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
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until the task is dropped.
    pub async fn serve(self) {
        let Self {
            listener,
            acceptor,
            limits,
            state,
        } = self;
        if let Some(fetcher) = state.oidc_keys.clone() {
            tokio::spawn(fetcher.run());
        }
        if let Some(oidc) = state.authenticator.oidc() {
            tokio::spawn(crate::revocation_feed::follow(
                oidc.clone(),
                state.authenticator.revocations().clone(),
            ));
        }
        let handler = move |request: Request<hyper::body::Incoming>,
                            connection: Arc<ConnectionInfo>| {
            let state = state.clone();
            async move { state.handle(&connection, request.map(body::boxed)).await }
        };
        kubeward_net::serve(
            listener,
            Some(acceptor),
            limits,
            handler,
            std::future::pending(),
        )
        .await;
    }
}

impl Reviewer {
    fn new(config: &ReviewServerConfig) -> Result<Self, StartError> {
        let authenticator = Authenticator::new(config.authentication.clone())
            .map_err(|e| StartError::Authentication(e.to_string()))?;
        let callers = config
            .caller_ca_pem
            .as_deref()
            .map(ClientCertAuthenticator::from_pem)
            .transpose()
            .map_err(|e| StartError::Authentication(format!("caller CA: {e}")))?;
        let oidc_keys = authenticator
            .oidc()
            .map(|oidc| Arc::new(KeyFetcher::new(oidc.clone())));
        Ok(Self {
            authenticator,
            callers,
            service_accounts: config.service_accounts.clone(),
            oidc_keys,
            policy: config.policy.clone(),
            unmatched: config.unmatched,
        })
    }

    async fn handle(
        &self,
        connection: &ConnectionInfo,
        request: Request<RequestBody>,
    ) -> Response<Body> {
        let (parts, request_body) = request.into_parts();
        // The health endpoints answer anyone, before the caller check: kubelet's probes carry no
        // client certificate (kube-apiserver lets anonymous callers read them too).
        if matches!(parts.uri.path(), "/healthz" | "/readyz" | "/livez") {
            let _ = body::read(request_body).await;
            return respond::text(200, "ok");
        }
        if let Some(callers) = &self.callers {
            let known = callers
                .authenticate(&connection.peer_certificates, crate::clock::system_now())
                .ok()
                .flatten();
            if known.is_none() {
                tracing::info!(peer = ?connection.peer, "webhook: a caller without a trusted client certificate");
                return respond::refuse(request_body, &status::unauthorized(), false).await;
            }
        }
        let path = parts.uri.path();
        if path != "/authenticate" && path != "/authorize" {
            let _ = body::read(request_body).await;
            return respond::page_not_found();
        }
        if parts.method != Method::POST {
            let refused = Status::failure(
                405,
                "MethodNotAllowed",
                format!("{path} takes only POST"),
                None,
            );
            return respond::refuse(request_body, &refused, false).await;
        }
        let bytes = match body::read(request_body).await {
            Ok(bytes) => bytes,
            Err(refused) => return respond::status(&refused, false),
        };
        let answer = if path == "/authenticate" {
            self.authenticate(&bytes).await
        } else {
            self.authorize(&bytes)
        };
        match answer {
            Ok(json) => respond::with(200, "application/json", respond::full(json)),
            Err(refused) => respond::status(&refused, false),
        }
    }

    /// A TokenReview: the token through the chain (an unknown OIDC key refreshes the issuer's
    /// keys once). Without API audiences of its own the webhook takes a token for whatever
    /// audiences it is asked about and names none (kube-apiserver then assumes its own).
    async fn authenticate(&self, bytes: &[u8]) -> Result<Vec<u8>, Status> {
        let review =
            token_review::read_request(bytes).map_err(|e| status::bad_request(&e.to_string()))?;
        let audiences = (!review.audiences.is_empty()
            && !self.authenticator.api_audiences().is_empty())
        .then_some(review.audiences.as_slice());
        let lookup: &(dyn ServiceAccountLookup + Send + Sync) = match &self.service_accounts {
            Some(lookup) => lookup.as_ref(),
            None => &NoObjects,
        };
        let attempt = || {
            self.authenticator.authenticate_token(
                &review.token,
                audiences,
                lookup,
                crate::clock::system_now(),
            )
        };
        let mut result = attempt();
        if result.is_err()
            && let Some(fetcher) = &self.oidc_keys
            && fetcher.refresh_for(&review.token).await
        {
            result = attempt();
        }
        let result = result.map(|mut found| {
            found.user = kubeward_authn::add_authenticated_group(found.user);
            found
        });
        match &result {
            Ok(found) => tracing::debug!(user = %found.user.name, "webhook: token authenticated"),
            Err(reason) => tracing::info!(%reason, "webhook: token not authenticated"),
        }
        Ok(token_review::answer_body(review.version, &result))
    }

    /// A SubjectAccessReview: RBAC's decision (with its reason), or no opinion with an
    /// evaluation error while the policy is not loaded.
    fn authorize(&self, bytes: &[u8]) -> Result<Vec<u8>, Status> {
        let review =
            access_review::read_request(bytes).map_err(|e| status::bad_request(&e.to_string()))?;
        let verdict = match self.policy.get() {
            None => Verdict::failed(Decision::NoOpinion, "the RBAC policy is not loaded yet"),
            Some(policy) => match policy.authorize(&review.attributes) {
                kubeward_rbac::Decision::Allow { reason } => Verdict::new(Decision::Allow, reason),
                kubeward_rbac::Decision::NoOpinion { reason } => match self.unmatched {
                    Unmatched::NoOpinion => Verdict::new(Decision::NoOpinion, reason),
                    Unmatched::Deny => Verdict::new(Decision::Deny, reason),
                },
            },
        };
        tracing::debug!(
            user = %review.attributes.user.name,
            verb = %review.attributes.verb,
            decision = ?verdict.decision,
            "webhook: access reviewed"
        );
        Ok(access_review::answer_body(review.version, &verdict))
    }
}

#[cfg(test)]
mod tests;
