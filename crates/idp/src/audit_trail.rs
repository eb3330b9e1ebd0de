//! The identity provider's events in the API server's audit log: each login event (`LOGIN`,
//! `LOGIN_ERROR`, `CODE_TO_TOKEN`, `REFRESH_TOKEN`, `LOGOUT`, …) and admin event becomes one
//! `audit.k8s.io/v1` Event at stage `ResponseComplete`, written through the same backends as
//! the API server's (one log, one webhook), so that one file says who logged in and what they
//! then did. The event is a non-resource request (verb: the HTTP method in lower case,
//! requestURI: the provider's path) by the user the event names, and the audit policy decides
//! as for any request (a rule on `nonResourceURLs: ["/realms/*"]` selects or drops them). No
//! body is ever recorded, whatever the level: the provider's requests carry passwords and
//! tokens. What is Keycloak's is in annotations under [`PREFIX`]: the event type, realm,
//! client, session, error and details, or the admin event's operation, resource type and path.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kubeward_audit::{Event as AuditEvent, EventJson, Policy, Recorder, Request, Response, Sink};
use kubeward_core::{RequestInfo, UserInfo};

use crate::events::listener::{Context, EventListener, Recorded};

/// The domain of the provider's annotations.
pub const PREFIX: &str = "idp.kubeward.io/";

/// The annotation naming the event's type (`LOGIN`, …; `ADMIN` for an admin event): every
/// event of the provider has it.
pub const EVENT_TYPE: &str = kubeward_audit::IDP_EVENT_ANNOTATION;

/// Writes every event of the provider to the audit backends, as the policy says.
pub struct AuditTrail {
    policy: Policy,
    sink: Arc<dyn Sink + Send + Sync>,
}

impl AuditTrail {
    /// A trail with the API server's policy and backends.
    pub fn new(policy: Policy, sink: Arc<dyn Sink + Send + Sync>) -> Self {
        Self { policy, sink }
    }
}

impl EventListener for AuditTrail {
    fn on_event(&self, event: &Recorded, context: &Context) {
        let (recorder, now, code) = match start(&self.policy, event, context) {
            Some(started) => started,
            None => return,
        };
        record(recorder, now, code, &*self.sink);
    }
}

/// The audit event of a provider's event as the policy has it recorded, or `None` when the
/// policy's level for it is `None` (pure: what [`AuditTrail`] writes).
pub fn audit_event(policy: &Policy, event: &Recorded, context: &Context) -> Option<AuditEvent> {
    let (recorder, now, code) = start(policy, event, context)?;
    let kept = Kept::default();
    record(recorder, now, code, &kept);
    kept.0.into_inner().unwrap_or_else(|e| e.into_inner()).pop()
}

#[derive(Default)]
struct Kept(std::sync::Mutex<Vec<AuditEvent>>);

impl Sink for Kept {
    fn process(&self, event: EventJson<'_>) -> bool {
        if let Some(event) = event.decode() {
            self.0.lock().unwrap_or_else(|e| e.into_inner()).push(event);
        }
        true
    }
}

fn record(mut recorder: Recorder, now: SystemTime, code: u16, sink: &dyn Sink) {
    recorder.response_started(Response::code(code), now, sink);
    recorder.response_complete(now, sink);
}

/// The recorder of the event, annotated, with the time and code of its answer.
fn start(
    policy: &Policy,
    event: &Recorded,
    context: &Context,
) -> Option<(Recorder, SystemTime, u16)> {
    let origin = &context.origin;
    let at = |millis: u64| UNIX_EPOCH + Duration::from_millis(millis);
    let time = match event {
        Recorded::Login(e) => at(e.time),
        Recorded::Admin(e) => at(e.time),
    };
    let received = origin.received.unwrap_or(time);
    let completed = origin.completed.unwrap_or(time);
    let uid = match event {
        Recorded::Login(e) => e.user_id.clone().unwrap_or_default(),
        Recorded::Admin(e) => e.auth_details.get("userId").cloned().unwrap_or_default(),
    };
    let user = UserInfo {
        name: context.username.clone(),
        uid,
        ..UserInfo::default()
    };
    let method = if origin.method.is_empty() {
        "post".to_string()
    } else {
        origin.method.to_ascii_lowercase()
    };
    let info = RequestInfo {
        is_resource_request: false,
        path: origin.path.clone(),
        verb: method,
        ..RequestInfo::default()
    };
    let request = Request {
        audit_id: event.id(),
        request_uri: &origin.path,
        source_ips: origin.source_ips.clone(),
        user_agent: &origin.user_agent,
        received,
        long_running: false,
    };
    let mut recorder = Recorder::start(policy, request, &info, Some(&user))?;
    for (key, value) in annotations(event, &context.realm) {
        recorder.annotate(&format!("{PREFIX}{key}"), &value);
    }
    let code = if origin.code == 0 { 200 } else { origin.code };
    Some((recorder, completed, code))
}

/// Keycloak's facts of the event, by annotation name (under [`PREFIX`]).
fn annotations(event: &Recorded, realm: &str) -> Vec<(String, String)> {
    let mut out = vec![("realm".to_string(), realm.to_string())];
    let mut put = |key: &str, value: Option<&String>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            out.push((key.to_string(), v.clone()));
        }
    };
    match event {
        Recorded::Login(e) => {
            put("event-type", Some(&e.kind));
            put("client-id", e.client_id.as_ref());
            put("session-id", e.session_id.as_ref());
            put("error", e.error.as_ref());
            for (key, value) in &e.details {
                put(&format!("detail.{key}"), Some(value));
            }
        }
        Recorded::Admin(e) => {
            put("event-type", Some(&"ADMIN".to_string()));
            put("operation-type", Some(&e.operation_type));
            put("resource-type", Some(&e.resource_type));
            put("resource-path", Some(&e.resource_path));
            put("client-id", e.auth_details.get("clientId"));
        }
    }
    out
}

#[cfg(test)]
mod tests;
