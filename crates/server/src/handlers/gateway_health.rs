//! A gateway's own `/readyz` and `/livez` (and `/readyz/<check>`, `/livez/<check>`), answered
//! as kube-apiserver answers its health endpoints (`ok`; `?verbose` lists the checks; `?exclude=`)
//! for a request that carries no credential — no `Authorization` header, no client certificate —
//! as kubelet's probes send them. A request with a credential goes to the upstream as every other
//! path does, so `kubectl get --raw '/readyz?verbose'` through the gateway still shows the
//! upstream's own checks: nothing of the upstream is hidden from a user.
//!
//! Readiness: `ping`, `log`, `upstream` (the upstream answers `GET /readyz` with 200 to the
//! gateway's own credential within [`UPSTREAM_TIMEOUT`]), `authenticators` (every JWT issuer's
//! keys have been fetched: a token of an issuer without keys cannot be verified yet) and
//! `shutdown`. Liveness: `ping` and `log` only — the process answers; an unreachable upstream
//! must not make kubelet restart the gateway.

use std::time::Duration;

use http::Response;
use http::header::AUTHORIZATION;
use kubeward_net::ConnectionInfo;

use super::health::render;
use crate::codec::respond::Body;
use crate::state::State;

/// How long the upstream may take to answer its `/readyz`.
pub const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(3);

const READYZ: [&str; 5] = ["ping", "log", "upstream", "authenticators", "shutdown"];
const LIVEZ: [&str; 2] = ["ping", "log"];

/// The endpoint (`readyz`, `livez`) and check a path names, if it is one of the gateway's.
fn endpoint(path: &str) -> Option<(&str, &str)> {
    let path = path.trim_start_matches('/').trim_end_matches('/');
    let (endpoint, check) = path.split_once('/').unwrap_or((path, ""));
    (matches!(endpoint, "readyz" | "livez") && !check.contains('/')).then_some((endpoint, check))
}

/// Whether the gateway answers this request itself: a `GET` of a health path without any
/// credential.
pub fn answers(parts: &http::request::Parts, connection: &ConnectionInfo) -> bool {
    parts.method == http::Method::GET
        && !parts.headers.contains_key(AUTHORIZATION)
        && connection.peer_certificates.is_empty()
        && endpoint(parts.uri.path()).is_some()
}

/// Answers a health request of a gateway ([`answers`] said yes).
pub async fn serve(state: &State, parts: &http::request::Parts) -> Response<Body> {
    let (endpoint, check) = endpoint(parts.uri.path()).unwrap_or(("livez", ""));
    let names: &[&str] = if endpoint == "readyz" {
        &READYZ
    } else {
        &LIVEZ
    };
    let wanted = |name: &str| check.is_empty() || check == name;
    let upstream = if names.contains(&"upstream") && wanted("upstream") {
        upstream_ready(state).await
    } else {
        Ok(())
    };
    let authenticators = authenticators_ready(state);
    let shutdown = if state.health.shutting_down() {
        Err("process is shutting down".to_string())
    } else {
        Ok(())
    };
    render(
        endpoint,
        check,
        parts.uri.query().unwrap_or(""),
        names,
        |name| match name {
            "upstream" => upstream.clone(),
            "authenticators" => authenticators.clone(),
            "shutdown" => shutdown.clone(),
            _ => Ok(()),
        },
    )
}

/// The upstream answers `GET /readyz` with 200 to the gateway's credential.
async fn upstream_ready(state: &State) -> Result<(), String> {
    let Some(upstream) = &state.upstream else {
        return Err("no upstream".to_string());
    };
    let asked = upstream.send(
        http::Method::GET,
        "/readyz",
        http::HeaderMap::new(),
        crate::codec::body::boxed(http_body_util::Empty::<bytes::Bytes>::new()),
        false,
    );
    let answer = match tokio::time::timeout(UPSTREAM_TIMEOUT, asked).await {
        Ok(answer) => answer.map_err(|e| kubeward_core::go::error_chain(&e))?,
        Err(_) => return Err(format!("{}readyz: operation timed out", upstream.url())),
    };
    match answer.status().as_u16() {
        200 => Ok(()),
        code => Err(format!("the upstream's /readyz answered {code}")),
    }
}

/// Every JWT issuer's keys are known.
fn authenticators_ready(state: &State) -> Result<(), String> {
    let Some(oidc) = state.authenticator.oidc() else {
        return Ok(());
    };
    let waiting: Vec<&str> = oidc
        .issuers()
        .iter()
        .filter(|issuer| issuer.keys().is_none())
        .map(|issuer| issuer.url())
        .collect();
    if waiting.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the keys of {} have not been fetched yet",
            waiting.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests;
