//! The audit log as the server runs it (kube-apiserver's `WithAudit`): the policy and the
//! backends of `--audit-*` (`kubeward-audit`), and one request's [`Record`] in progress — started
//! by the audit filter after authentication, annotated by impersonation and authorization, given
//! the request body by the handlers and the answer by the pipeline. What an event holds at each
//! level and stage is decided by `kubeward_audit::Recorder`, not here.

use std::sync::{Arc, Mutex, MutexGuard};

use http::Response;
use http_body_util::BodyExt as _;
use kubeward_audit::backend::{Backends, Options};
use kubeward_audit::{Level, Policy, Recorder, Sink};
use kubeward_core::UserInfo;
use kubeward_core::request_info::RequestInfo;

use crate::clock;
use crate::codec::respond::{self, Body};
use crate::error::StartError;

/// The policy and the backends.
pub struct Auditing {
    policy: Policy,
    backends: Arc<Backends>,
}

impl Auditing {
    /// Starts the backends `options` configure.
    pub fn start(options: &Options) -> Result<Self, StartError> {
        let backends = Backends::start(options).map_err(|e| StartError::Audit(e.to_string()))?;
        Ok(Self {
            policy: options.policy.clone(),
            backends: Arc::new(backends),
        })
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The backends, shared.
    pub fn backends(&self) -> Arc<Backends> {
        self.backends.clone()
    }

    /// Where events go.
    pub fn sink(&self) -> &dyn Sink {
        &*self.backends
    }

    /// The backends' counts of events and of events lost.
    pub fn counters(&self) -> &kubeward_audit::backend::Counters {
        self.backends.counters()
    }

    /// Delivers what the backends have queued, then stops them.
    pub fn shutdown(&self) {
        self.backends.shutdown();
    }
}

/// One audited request's record.
pub struct Record {
    recorder: Mutex<Recorder>,
    level: Level,
    long_running: bool,
}

impl Record {
    /// Evaluates the policy for the request; writes its `RequestReceived` event. `None` when the
    /// request is not audited; kube-apiserver's plain 500 when a strict backend could not store
    /// the event.
    pub fn start(
        auditing: &Auditing,
        request: kubeward_audit::Request<'_>,
        info: &RequestInfo,
        user: &UserInfo,
    ) -> Result<Option<Self>, Response<Body>> {
        let long_running = request.long_running;
        let uri = request.request_uri;
        let Some(mut recorder) = Recorder::start(&auditing.policy, request, info, Some(user))
        else {
            return Ok(None);
        };
        if !recorder.request_received(&*auditing.backends) {
            return Err(not_stored(uri));
        }
        Ok(Some(Self {
            level: recorder.level(),
            recorder: Mutex::new(recorder),
            long_running,
        }))
    }

    /// The level the request is recorded at.
    pub fn level(&self) -> Level {
        self.level
    }

    fn recorder(&self) -> MutexGuard<'_, Recorder> {
        self.recorder.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the user the request runs as, when impersonation changed it.
    pub fn impersonated(&self, user: &UserInfo) {
        self.recorder().impersonated(user);
    }

    /// Records the authorizer's decision and reason.
    pub fn authorized(&self, allowed: bool, reason: &str) {
        self.recorder().authorized(allowed, reason);
    }

    /// Records the decoded request object: its metadata completes the object reference, and
    /// from level Request it is kept whole.
    pub fn request_object(&self, object: &serde_json::Value) {
        if self.level >= Level::Request {
            let _ = self.recorder().request_object(&object.to_string());
            return;
        }
        // Only the metadata is read below level Request, where it is.
        let Some(metadata) = object.get("metadata") else {
            return;
        };
        let field = |name: &str| metadata.get(name).and_then(serde_json::Value::as_str);
        self.recorder()
            .request_metadata(kubeward_audit::ObjectMetadata {
                namespace: field("namespace"),
                name: field("name"),
                uid: field("uid"),
                resource_version: field("resourceVersion"),
            });
    }

    /// Records a patch body (from level Request).
    pub fn request_patch(&self, patch: &[u8]) {
        if self.level >= Level::Request
            && let Ok(text) = std::str::from_utf8(patch)
        {
            let _ = self.recorder().request_patch(text);
        }
    }

    /// Records the answer: its code, its `Status` if it is one, its body from level
    /// RequestResponse; then `ResponseComplete` into `auditing`'s backends — at once, or for a
    /// long-running request when its body ends (or the client leaves), after `ResponseStarted`.
    pub async fn respond(self, response: Response<Body>, auditing: &Auditing) -> Response<Body> {
        let code = response.status().as_u16();
        let now = clock::system_now();
        let sink: &Backends = &auditing.backends;
        if self.long_running {
            self.recorder()
                .response_started(kubeward_audit::Response::code(code), now, sink);
            // Only a long-running answer holds the backends: its end comes after the request.
            let backends = auditing.backends();
            return respond::on_end(response, move || {
                self.complete_at(clock::system_now(), &*backends)
            });
        }
        let wants_body = self.level >= Level::RequestResponse;
        let may_be_status = code >= 300 && is_json(&response);
        if !wants_body && !may_be_status {
            self.recorder()
                .response_started(kubeward_audit::Response::code(code), now, sink);
            // The answer is whole: it completes when it starts.
            self.complete_at(now, sink);
            return response;
        }
        let (parts, body) = response.into_parts();
        let bytes = match body.collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(never) => match never {},
        };
        let status = may_be_status
            .then(|| kubeward_audit::decode::status(&bytes))
            .flatten();
        let text = std::str::from_utf8(&bytes).ok().filter(|_| wants_body);
        self.recorder().response_started(
            kubeward_audit::Response {
                code,
                status: status.as_ref(),
                body: text,
            },
            now,
            sink,
        );
        self.complete_at(now, sink);
        Response::from_parts(parts, respond::full(bytes))
    }

    /// Writes `ResponseComplete`, reached at `now`, into `sink`.
    fn complete_at(self, now: std::time::SystemTime, sink: &dyn Sink) {
        let recorder = self
            .recorder
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        recorder.response_complete(now, sink);
    }
}

/// `responsewriters.InternalError` for an event a strict backend could not store: plain text,
/// HTML-escaped.
fn not_stored(uri: &str) -> Response<Body> {
    let message = format!(
        "Internal Server Error: {}: failed to store audit event",
        kubeward_core::go::quote(uri)
    );
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;");
    respond::text(500, format!("{escaped}\n"))
}

fn is_json(response: &Response<Body>) -> bool {
    response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}
