//! One request, through kube-apiserver's filters in order (`DefaultBuildHandlerChain`), then its
//! handler:
//!
//! ```text
//! authentication → request info → impersonation → max-in-flight → authorization → route
//!                                                   (a gateway: → proxy to the upstream)
//! ```
//!
//! A filter that refuses ends the request with its `Status` (after reading what the client
//! sends). Nothing imports this module but the server's connection loop.

use std::sync::Arc;

use http::header::USER_AGENT;
use http::{Request, Response};

use crate::codec::body::RequestBody;
use crate::codec::respond::{self, Body};
use crate::filters::{authentication, authorization, impersonation, request_info};
use crate::handlers::context::Context;
use crate::handlers::proxy;
use crate::handlers::route::route;
use crate::state::State;
use kubeward_net::ConnectionInfo as Connection;

/// Handles one request (its body boxed with `codec::body::boxed`, whatever carried it).
pub async fn handle(
    state: &Arc<State>,
    connection: &Connection,
    request: Request<RequestBody>,
) -> Response<Body> {
    let (parts, request_body) = request.into_parts();
    let pretty = wants_pretty(&parts);

    let user = match authentication::authenticate(state, connection, &parts).await {
        Ok(user) => user,
        Err(refused) => return respond::refuse(request_body, &refused, pretty).await,
    };
    let info = match request_info::resolve(&parts) {
        Ok(info) => info,
        Err(refused) => return respond::refuse(request_body, &refused, pretty).await,
    };
    let user = match impersonation::impersonate(state, &parts.headers, user).await {
        Ok(user) => user,
        Err(refused) => return respond::refuse(request_body, &refused, pretty).await,
    };
    let _place = match state.inflight.admit(&info, &user) {
        Ok(place) => place,
        Err(too_many) => {
            let _ = crate::codec::body::read(request_body).await;
            return too_many;
        }
    };
    if let Err(refused) = authorization::authorize(state, &info, &user).await {
        return respond::refuse(request_body, &refused, pretty).await;
    }

    let context = Context {
        state,
        parts,
        info,
        user,
        pretty,
    };
    match &state.upstream {
        Some(upstream) => proxy::forward(context, upstream, request_body).await,
        None => route(context, request_body).await,
    }
}

/// Whether the client wants indented JSON: `?pretty` (unless `0` or `false`), or a user agent
/// that is a terminal tool (curl, wget), as kube-apiserver decides it.
fn wants_pretty(parts: &http::request::Parts) -> bool {
    let query = parts.uri.query().unwrap_or("");
    if let Some((_, value)) = kubeward_core::request_info::parse_query(query)
        .into_iter()
        .find(|(k, _)| k == "pretty")
    {
        return value != "0" && value != "false";
    }
    let agent = parts
        .headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    agent.starts_with("curl/") || agent.starts_with("Wget/")
}

#[cfg(test)]
mod tests;
