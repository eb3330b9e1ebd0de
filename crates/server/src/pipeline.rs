//! One request, through kube-apiserver's filters in order (`DefaultBuildHandlerChain`), then its
//! handler:
//!
//! ```text
//! audit ID → authentication → request info → audit → impersonation → max-in-flight
//!          → authorization → route (a gateway: → proxy to the upstream) → audit of the answer
//!          → metrics → Audit-Id header
//! ```
//!
//! A filter that refuses ends the request with its `Status` (after reading what the client
//! sends). With `--aws-iam-cluster-id`, `/authenticate` is aws-iam-authenticator's webhook,
//! answered before the filters; so are a gateway's own `/readyz` and `/livez` for a request
//! without credentials (`handlers::gateway_health`). Nothing imports this module but the server's connection loop.

use std::sync::Arc;
use std::time::Instant;

use http::header::USER_AGENT;
use http::{HeaderValue, Request, Response};
use hyper::upgrade::OnUpgrade;

use crate::auditing::Record;
use crate::codec::body::RequestBody;
use crate::codec::respond::{self, Body};
use crate::filters::audit::{self as audit_filter, Received};
use crate::filters::{authentication, authorization, impersonation, instrument, request_info};
use crate::flow_schemas::{Classification, FLOW_SCHEMA_UID_HEADER, PRIORITY_LEVEL_UID_HEADER};
use crate::handlers::context::Context;
use crate::handlers::proxy;
use crate::handlers::route::route;
use crate::handlers::{gateway_health, iam_webhook};
use crate::metrics::{AuthenticationResult, RequestLabels};
use crate::state::State;
use kubeward_net::ConnectionInfo as Connection;

/// What the filters leave for after the answer: the audit record, the metric labels.
#[derive(Default)]
struct Trail {
    record: Option<Record>,
    labels: Option<RequestLabels>,
    long_running: bool,
    flow: Option<Classification>,
}

/// Handles one request (its body boxed with `codec::body::boxed`, whatever carried it).
pub async fn handle(
    state: &Arc<State>,
    connection: &Connection,
    request: Request<RequestBody>,
) -> Response<Body> {
    let started = Instant::now();
    let at = crate::clock::system_now();
    let audit_id = audit_filter::audit_id(request.headers());
    let (mut parts, request_body) = request.into_parts();
    // A connection upgrade (exec, attach, port-forward) is taken out for the kubelet proxy.
    let upgrade = parts.extensions.remove::<OnUpgrade>();
    if let Some(iam) = &state.iam
        && parts.uri.path() == iam_webhook::PATH
    {
        // aws-iam-authenticator's webhook endpoint: the token to check is in the body.
        return iam_webhook::serve(iam, &parts, request_body).await;
    }
    if state.upstream.is_some() && gateway_health::answers(&parts, connection) {
        // A gateway's own health, for probes (which carry no credential).
        return gateway_health::serve(state, &parts).await;
    }
    let received = Received {
        audit_id: &audit_id,
        at,
        parts: &parts,
        connection,
    };
    let mut trail = Trail::default();
    let response = serve(state, &received, request_body, upgrade, &mut trail).await;
    let mut response = match (trail.record, &state.audit) {
        (Some(record), Some(auditing)) => record.respond(response, auditing).await,
        _ => response,
    };
    if let Some(labels) = trail.labels {
        let code = response.status().as_u16();
        if trail.long_running {
            let state = state.clone();
            response = respond::on_end(response, move || {
                state.metrics.request(&labels, code, started.elapsed());
            });
        } else {
            state.metrics.request(&labels, code, started.elapsed());
        }
    }
    if authentication::extra_space_before_token(&parts.headers) {
        response.headers_mut().append(
            http::header::WARNING,
            HeaderValue::from_static(authentication::EXTRA_SPACE_WARNING),
        );
    }
    if let Ok(mut value) = HeaderValue::from_str(&audit_id) {
        // Each request's own (a new UUID unless the client sent one): HTTP/2 sends it never
        // indexed, so that it neither takes a place in the connection's header table (evicting
        // headers that do repeat) nor adds to the HPACK encoder's search of the entries under
        // its name.
        value.set_sensitive(true);
        response
            .headers_mut()
            .insert(kubeward_audit::AUDIT_ID_HEADER, value);
    }
    if let Some(flow) = trail.flow {
        let headers = response.headers_mut();
        for (name, uid) in [
            (FLOW_SCHEMA_UID_HEADER, &flow.flow_schema_uid),
            (PRIORITY_LEVEL_UID_HEADER, &flow.priority_level_uid),
        ] {
            if let Ok(value) = HeaderValue::from_str(uid) {
                headers.insert(name, value);
            }
        }
    }
    response
}

/// The filters and the handler; what is needed after the answer is left in `trail`.
async fn serve(
    state: &Arc<State>,
    received: &Received<'_>,
    request_body: RequestBody,
    upgrade: Option<OnUpgrade>,
    trail: &mut Trail,
) -> Response<Body> {
    let parts = received.parts;
    let pretty = wants_pretty(parts);

    let authenticating = Instant::now();
    let authenticated = authentication::authenticate(state, received.connection, parts).await;
    let result = match &authenticated {
        Ok(_) => AuthenticationResult::Success,
        Err(_) => AuthenticationResult::Failure,
    };
    state
        .metrics
        .authentication(result, authenticating.elapsed());
    let user = match authenticated {
        Ok(user) => user,
        Err(refused) => {
            audit_filter::failed_authentication(state, received, &refused);
            return respond::refuse(request_body, &refused, pretty).await;
        }
    };
    let info = match request_info::resolve(parts) {
        Ok(info) => info,
        Err(refused) => return respond::refuse(request_body, &refused, pretty).await,
    };
    trail.labels = instrument::labels(parts, &info);
    trail.long_running = kubeward_audit::is_long_running(&info);
    trail.record = match audit_filter::start(state, received, &info, &user) {
        Ok(record) => record,
        Err(not_stored) => {
            let _ = crate::codec::body::read(request_body).await;
            return not_stored;
        }
    };
    let audit = trail.record.as_ref();
    let impersonating = impersonation::requested(&parts.headers);
    let user = match impersonation::impersonate(state, &parts.headers, user).await {
        Ok(user) => user,
        Err(refused) => {
            let response = respond::refuse(request_body, &refused, pretty).await;
            return match refused.http_code() {
                403 => respond::nosniff(response),
                _ => response,
            };
        }
    };
    if impersonating && let Some(audit) = audit {
        audit.impersonated(&user);
    }
    trail.flow = state.flow_schemas().classify(&user, &info).cloned();
    let _place = match state.inflight.admit(&info, &user) {
        Ok(place) => place,
        Err(too_many) => {
            let _ = crate::codec::body::read(request_body).await;
            return too_many;
        }
    };
    if let Err(refused) = authorization::authorize(state, &info, &user, audit).await {
        let response = respond::refuse(request_body, &refused, pretty).await;
        return match refused.http_code() {
            403 => respond::nosniff(response),
            _ => response,
        };
    }

    let context = Context {
        state,
        parts,
        info,
        user,
        pretty,
        audit,
        upgrade,
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
