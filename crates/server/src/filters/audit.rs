//! The audit filter (kube-apiserver's `WithAuditInit`, `WithAudit` and
//! `WithFailedAuthenticationAudit`): every request gets an audit ID — its own `Audit-Id` header,
//! or a new UUID — that the answer carries back; after authentication the policy is evaluated
//! for the user and the request and the `RequestReceived` event written; a request that failed
//! authentication is recorded as one `ResponseStarted` event with its 401.

use std::time::SystemTime;

use http::request::Parts;
use http::{HeaderMap, HeaderName, Response};
use kubeward_core::UserInfo;
use kubeward_core::request_info::RequestInfo;
use kubeward_core::status::Status;

use crate::auditing::Record;
use crate::codec::respond::Body;
use crate::state::State;
use kubeward_net::ConnectionInfo as Connection;

/// `X-Forwarded-For`, looked up by a name known at compile time (not parsed per request).
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
/// `X-Real-Ip`.
const X_REAL_IP: HeaderName = HeaderName::from_static("x-real-ip");

/// The request's audit ID: its `Audit-Id` header as sent, or a new UUID.
pub fn audit_id(headers: &HeaderMap) -> String {
    match headers
        .get(kubeward_audit::AUDIT_ID_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        Some(id) if !id.is_empty() => id.to_string(),
        _ => uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes())
            .into_uuid()
            .to_string(),
    }
}

/// What the event takes from the request and its connection.
pub struct Received<'a> {
    /// The audit ID.
    pub audit_id: &'a str,
    /// When the request arrived.
    pub at: SystemTime,
    /// Its method, URI and headers.
    pub parts: &'a Parts,
    /// Its connection.
    pub connection: &'a Connection,
}

impl<'a> Received<'a> {
    fn request(&self, info: &RequestInfo) -> kubeward_audit::Request<'a> {
        let header = |name: &HeaderName| self.parts.headers.get(name).and_then(|v| v.to_str().ok());
        kubeward_audit::Request {
            audit_id: self.audit_id,
            request_uri: self.parts.uri.path_and_query().map_or("/", |p| p.as_str()),
            source_ips: kubeward_audit::source_ips::SourceIps::new(
                header(&X_FORWARDED_FOR),
                header(&X_REAL_IP),
                self.connection.peer.map(|peer| peer.ip()),
            ),
            user_agent: self
                .parts
                .headers
                .get(http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
            received: self.at,
            long_running: kubeward_audit::is_long_running(info),
        }
    }
}

/// Starts the request's record when the policy audits it (`RequestReceived` written), or the
/// 500 to answer when a strict backend could not store the event.
pub fn start(
    state: &State,
    received: &Received<'_>,
    info: &RequestInfo,
    user: &UserInfo,
) -> Result<Option<Record>, Response<Body>> {
    let Some(auditing) = &state.audit else {
        return Ok(None);
    };
    let started = Record::start(auditing, received.request(info), info, user);
    if let Ok(record) = &started {
        let level = record
            .as_ref()
            .map_or(kubeward_audit::Level::None, Record::level);
        state.metrics.audit_level(level);
    }
    started
}

/// Records a request refused by authentication with `refused` (its 401).
pub fn failed_authentication(state: &State, received: &Received<'_>, refused: &Status) {
    let Some(auditing) = &state.audit else {
        return;
    };
    let parts = received.parts;
    let Ok(info) = RequestInfo::parse(
        parts.method.as_str(),
        parts.uri.path(),
        parts.uri.query().unwrap_or(""),
    ) else {
        return;
    };
    let body = refused.body(false);
    kubeward_audit::record_failed_authentication(
        auditing.policy(),
        received.request(&info),
        &info,
        kubeward_audit::Response::status(refused, Some(&body)),
        crate::clock::system_now(),
        auditing.sink(),
    );
}
