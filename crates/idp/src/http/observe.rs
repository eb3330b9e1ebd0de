//! The scope of each request for the events it causes (`crate::request_scope`): the method,
//! path, source IPs and user agent when the request comes in; the status code when its answer
//! is ready, when the events it caused go to the provider's listeners. Without listeners it is
//! not opened.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::events::listener::Origin;
use crate::provider::Provider;
use crate::request_scope::{self, Scope};

/// Tells the provider who called: the peer's address, for the events' source IPs.
pub fn set_peer<B>(request: &mut http::Request<B>, peer: SocketAddr) {
    request.extensions_mut().insert(ConnectInfo(peer));
}

/// What the request says of itself.
fn origin_of(request: &Request) -> Origin {
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    Origin {
        method: request.method().as_str().to_string(),
        path: request.uri().path().to_string(),
        source_ips: kubeward_audit::source_ips::SourceIps::new(
            header("x-forwarded-for"),
            header("x-real-ip"),
            peer,
        ),
        user_agent: header("user-agent").unwrap_or("").to_string(),
        received: Some(super::clock::system_now()),
        completed: None,
        code: 0,
    }
}

/// Opens the request's scope, then hands the events it caused to the listeners.
pub(super) async fn observe(
    State(provider): State<Arc<Provider>>,
    request: Request,
    next: Next,
) -> Response {
    if !provider.has_listeners() {
        return next.run(request).await;
    }
    let origin = origin_of(&request);
    let scope = Arc::new(Scope::new(origin));
    let response = request_scope::within(scope.clone(), next.run(request)).await;
    let held = scope.take();
    if !held.is_empty() {
        let origin = Origin {
            code: response.status().as_u16(),
            completed: Some(super::clock::system_now()),
            ..scope.origin().clone()
        };
        for event in held {
            provider.hand_over(event, &origin);
        }
    }
    response
}
