//! The provider over HTTP (axum): Keycloak's paths under `/realms/{realm}/`, the same under
//! `/auth/realms/{realm}/` (Keycloak before 17), the admin REST API under `/admin/realms`, and
//! the probes `/livez` and `/readyz` (kube-apiserver's names; `ok`, or 503 until the master
//! realm exists).
//! Handlers are thin: extract, call the provider, map the answer. It is served by
//! `kubeward-net`'s accept loop, as the API server is.
//!
//! - `admin`: Keycloak's admin REST API (realms, clients, users, groups, roles).
//! - `console`: the admin console in the browser, under `/admin/console/`.
//! - `oidc`: discovery, JWKS, token, userinfo, introspection, revocation, logout, device
//!   authorization.
//! - `login`: the authorization endpoint, the login and TOTP pages, the device page.
//! - `broker`: identity brokering's browser side (`broker/{alias}/login`, `…/endpoint`);
//!   `broker_urls`: the broker's URLs that the login page links to.
//! - `pages`: the HTML templates.
//! - `respond`: error bodies, forms, cookies.
//! - `cors`: which browser origins may read the back-channel answers.
//! - `inflight`: the budget of requests served at once (429 past it).
//! - `observe`: each request's scope, for the events it causes and their listeners.
//! - `revocations`: the feed of revoked tokens that servers and gateways follow.
//! - `clock`: the one clock read.

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::provider::Provider;

pub mod admin;
pub mod broker;
mod broker_urls;
pub use crate::clock;
pub mod console;
pub mod cors;
pub mod inflight;
pub mod login;
pub mod observe;
pub mod oidc;
pub mod pages;
pub mod respond;
pub mod revocations;

/// What every handler shares.
pub struct Ctx {
    /// The provider.
    pub provider: Arc<Provider>,
    /// `https://host:port`, the start of every issuer.
    pub public_url: String,
    /// `""` or `"/auth"`.
    pub prefix: &'static str,
}

impl Ctx {
    /// `https://host:port[/auth]/realms/<realm>`.
    pub fn issuer(&self, realm: &str) -> String {
        format!("{}{}/realms/{realm}", self.public_url, self.prefix)
    }

    /// The path of a realm's pages, for cookies: `[/auth]/realms/<realm>/`.
    pub fn realm_path(&self, realm: &str) -> String {
        format!("{}/realms/{realm}/", self.prefix)
    }
}

/// The routes of one prefix.
fn realm_routes(ctx: Arc<Ctx>) -> Router {
    Router::new()
        .route(
            "/realms/{realm}/.well-known/openid-configuration",
            get(oidc::discovery),
        )
        .route("/realms/{realm}", get(oidc::realm_info))
        .route(
            "/realms/{realm}/protocol/openid-connect/certs",
            cors::shared(get(oidc::certs), &ctx, cors::CERTS),
        )
        .route(
            "/realms/{realm}/protocol/openid-connect/token",
            cors::shared(post(oidc::token), &ctx, cors::TOKEN),
        )
        .route(
            "/realms/{realm}/protocol/openid-connect/userinfo",
            cors::shared(get(oidc::userinfo).post(oidc::userinfo), &ctx, cors::BEARER),
        )
        .route(
            "/realms/{realm}/protocol/openid-connect/token/introspect",
            cors::shared(post(oidc::introspect), &ctx, cors::BACK_CHANNEL),
        )
        .route(
            "/realms/{realm}/protocol/openid-connect/revoke",
            cors::shared(post(oidc::revoke), &ctx, cors::BACK_CHANNEL),
        )
        .route(
            "/realms/{realm}/protocol/openid-connect/logout",
            cors::shared(get(oidc::logout).post(oidc::logout), &ctx, cors::BEARER),
        )
        .route(
            "/realms/{realm}/protocol/openid-connect/auth/device",
            post(oidc::device_authorization),
        )
        .route(
            "/realms/{realm}/protocol/openid-connect/auth",
            get(login::authorize).post(login::authorize),
        )
        .route(
            "/realms/{realm}/login-actions/authenticate",
            post(login::authenticate),
        )
        .route("/realms/{realm}/broker/{alias}/login", get(broker::login))
        .route(
            "/realms/{realm}/broker/{alias}/endpoint",
            get(broker::answer),
        )
        .route(
            "/realms/{realm}/kubeward/revocations",
            get(revocations::follow),
        )
        .route(
            "/realms/{realm}/device",
            get(login::device).post(login::device),
        )
        .with_state(ctx.clone())
        .merge(admin::routes(ctx.clone()))
        .method_not_allowed_fallback(move |request: axum::extract::Request| {
            admin::unmatched::answer(ctx.clone(), request, http::StatusCode::METHOD_NOT_ALLOWED)
        })
}

/// The provider's router: Keycloak's realm paths with and without `/auth`.
pub fn router(provider: Arc<Provider>, public_url: &str) -> Router {
    let public_url = public_url.trim_end_matches('/').to_string();
    let plain = Arc::new(Ctx {
        provider: provider.clone(),
        public_url: public_url.clone(),
        prefix: "",
    });
    let legacy = Arc::new(Ctx {
        provider,
        public_url,
        prefix: "/auth",
    });
    let ready = plain.provider.clone();
    let observed = plain.provider.clone();
    let console = console::routes(plain.provider.clone(), &plain.public_url);
    let unmatched = plain.clone();
    Router::new()
        .route("/livez", get(|| async { "ok" }))
        .route(
            "/readyz",
            get(move || async move {
                // Ready once the directory answers with the master realm (bootstrap is done).
                match ready.directory().realm("master") {
                    Some(_) => (http::StatusCode::OK, "ok"),
                    None => (http::StatusCode::SERVICE_UNAVAILABLE, "no master realm yet"),
                }
            }),
        )
        .merge(console)
        .merge(realm_routes(plain))
        .nest("/auth", realm_routes(legacy))
        .fallback(move |request: axum::extract::Request| {
            admin::unmatched::answer(unmatched.clone(), request, http::StatusCode::NOT_FOUND)
        })
        .layer(axum::middleware::from_fn_with_state(
            observed,
            observe::observe,
        ))
}

/// `GET /metrics`: the provider's metrics (Keycloak serves them with `--metrics-enabled`).
pub fn metrics_route(metrics: Arc<crate::metrics::IdpMetrics>) -> Router {
    Router::new().route(
        "/metrics",
        get(move || async move {
            (
                [(http::header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
                metrics.render(),
            )
        }),
    )
}

/// Runs a blocking provider call (argon2, store writes) off the async workers.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    // The request's scope goes along, for the events the call records.
    let scope = crate::request_scope::current();
    match tokio::task::spawn_blocking(move || crate::request_scope::within_sync(scope, f)).await {
        Ok(v) => v,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}
