//! One request's audit record, driven by the server's audit filter in kube-apiserver's order:
//!
//! 1. after authentication, [`Recorder::start`] evaluates the policy for the authenticated user
//!    and the request info (`None` when the level is `None`: nothing more to do), and
//!    [`Recorder::request_received`] writes the `RequestReceived` event;
//! 2. impersonation calls [`Recorder::impersonated`]; authorization [`Recorder::authorized`]
//!    (the `authorization.k8s.io/decision` and `reason` annotations);
//! 3. the handler records the body it decoded ([`Recorder::request_object`], or
//!    [`Recorder::request_patch`]) and the answer it writes ([`Recorder::response_started`]:
//!    the code, the `Status` if the body is one, the body; for long-running requests this writes
//!    the `ResponseStarted` event);
//! 4. when the response is complete, [`Recorder::response_complete`] writes `ResponseComplete`
//!    (or [`Recorder::panicked`] writes `Panic`).
//!
//! A request whose authentication failed is recorded by [`record_failed_authentication`]: one
//! `ResponseStarted` event with the 401 `Status` and an empty user.
//!
//! Events go to a [`Sink`] as their JSON ([`EventJson`]); the recorder keeps no clock and no
//! I/O: every stage takes `now`. What never changes in a request's events (its ID, URI, verb,
//! user, source IPs, user agent, reception time) is encoded once, when the record starts, from
//! the values the server lends it (nothing is copied); each stage's event is that text with the
//! stage, the answer, the annotations and the stage's time written in, into a buffer the record
//! reuses.

use std::borrow::Cow;
use std::time::SystemTime;

use kubeward_core::{RequestInfo, Status, UserInfo};

use crate::emitted::EventJson;
use crate::encode;
#[cfg(test)]
use crate::event::Event;
use crate::event::{DECISION_ANNOTATION, ObjectReference, REASON_ANNOTATION};
use crate::level::{Level, Stage};
use crate::policy::{Policy, RequestAuditConfig};
use crate::raw_json::{self, RawJsonError};
use crate::source_ips::SourceIps;
use crate::timestamp;

/// kube-apiserver keeps the first 1024 bytes of a `User-Agent`.
const MAX_USER_AGENT: usize = 1024;
/// What follows a truncated `User-Agent`.
const USER_AGENT_TRUNCATED: &str = "...TRUNCATED";

/// Where events go. Returns whether the event was stored (`false` makes a `blocking-strict`
/// backend refuse the request at `RequestReceived`).
pub trait Sink {
    /// Stores or queues one event. The event is only borrowed: copy what must outlive the call.
    fn process(&self, event: EventJson<'_>) -> bool;
}

/// What the server knows of a request when auditing starts.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The audit ID: the request's `Audit-Id` header, or a new UUID; also sent back as the
    /// `Audit-Id` response header.
    pub audit_id: &'a str,
    /// The request URI as received (escaped path, and `?query` if any).
    pub request_uri: &'a str,
    /// The source IPs, as addresses: written as text only when they differ from those of the
    /// thread's last record.
    pub source_ips: SourceIps,
    /// The `User-Agent` header, or `""`.
    pub user_agent: &'a str,
    /// When the request was received.
    pub received: SystemTime,
    /// Whether the request is long-running (watch, exec, attach, port-forward, proxy, logs
    /// following): only those get a `ResponseStarted` event ([`crate::is_long_running`]).
    pub long_running: bool,
}

/// The answer the handler writes.
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    /// The HTTP status code.
    pub code: u16,
    /// The body when it is a `Status` (errors, and some deletes).
    pub status: Option<&'a Status>,
    /// The body as JSON (recorded at level RequestResponse for resource requests).
    pub body: Option<&'a str>,
}

impl<'a> Response<'a> {
    /// A response with a code and no body worth recording.
    pub fn code(code: u16) -> Self {
        Self {
            code,
            status: None,
            body: None,
        }
    }

    /// A `Status` answer, with its JSON body.
    pub fn status(status: &'a Status, body: Option<&'a str>) -> Self {
        Self {
            code: status.code,
            status: Some(status),
            body,
        }
    }
}

/// What the object reference takes from a request body's `metadata`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ObjectMetadata<'a> {
    /// `metadata.namespace`.
    pub namespace: Option<&'a str>,
    /// `metadata.name`.
    pub name: Option<&'a str>,
    /// `metadata.uid`.
    pub uid: Option<&'a str>,
    /// `metadata.resourceVersion`.
    pub resource_version: Option<&'a str>,
}

/// The audit record of one request in progress. Its parts live on the heap, taken from and
/// given back to its thread's spare record, so that moving a record (into the request's future,
/// across the filters) moves a pointer, not its many strings.
#[derive(Debug, Clone)]
pub struct Recorder {
    parts: Box<Parts>,
}

/// A record's state.
#[derive(Debug, Clone)]
struct Parts {
    config: RequestAuditConfig,
    long_running: bool,
    responded: bool,
    /// The fields that never change, encoded: the head up to `"stage":` (`..stage_at`), the
    /// request and its user (`..request_end`), the client (`..client_end`), then the reception
    /// time.
    fixed: String,
    stage_at: usize,
    request_end: usize,
    client_end: usize,
    received: SystemTime,
    /// `,"impersonatedUser":{…}`, once impersonation is recorded.
    impersonation: String,
    object_ref: Option<ObjectReference>,
    /// The object reference's JSON, written again whenever the reference changes (not for
    /// each event).
    object_ref_json: String,
    response_status: Option<Status>,
    request_object: Option<String>,
    response_object: Option<String>,
    /// Sorted by key.
    annotations: Vec<(Text, Text)>,
    /// The event being emitted, reused from stage to stage.
    scratch: String,
    /// Strings for annotations, from an earlier record.
    strings: Vec<String>,
}

impl Default for Parts {
    /// Empty parts, for a thread's first record.
    fn default() -> Self {
        Self {
            config: RequestAuditConfig::default(),
            long_running: false,
            responded: false,
            fixed: String::new(),
            stage_at: 0,
            request_end: 0,
            client_end: 0,
            received: SystemTime::UNIX_EPOCH,
            impersonation: String::new(),
            object_ref: None,
            object_ref_json: String::new(),
            response_status: None,
            request_object: None,
            response_object: None,
            annotations: Vec::new(),
            scratch: String::new(),
            strings: Vec::new(),
        }
    }
}

/// An annotation's key or value.
#[derive(Debug, Clone)]
pub(crate) enum Text {
    /// One of the crate's constants, which need no escaping.
    Constant(&'static str),
    /// Text to escape.
    Plain(String),
    /// Text already escaped: a JSON string with its quotes.
    Json(String),
}

impl Text {
    fn as_str(&self) -> &str {
        match self {
            Self::Constant(text) => text,
            Self::Plain(text) | Self::Json(text) => text,
        }
    }

    /// Appended to `out` as a JSON string.
    fn write_json(&self, out: &mut String) {
        match self {
            Self::Constant(text) => {
                out.push('"');
                out.push_str(text);
                out.push('"');
            }
            Self::Plain(text) => kubeward_core::go::write_json_string(out, text),
            Self::Json(json) => out.push_str(json),
        }
    }

    /// The string it holds, for the next record.
    fn into_string(self) -> Option<String> {
        match self {
            Self::Constant(_) => None,
            Self::Plain(text) | Self::Json(text) => Some(text),
        }
    }
}

impl Recorder {
    /// Evaluates the policy for `user` (`None` after failed authentication) and `info`;
    /// `None` when the request is not audited.
    pub fn start(
        policy: &Policy,
        request: Request<'_>,
        info: &RequestInfo,
        user: Option<&UserInfo>,
    ) -> Option<Self> {
        let config = policy.evaluate(user, info);
        if config.level == Level::None {
            return None;
        }
        // The thread's spare parts, emptied (their strings keep their room), or new ones.
        let mut parts = spare::take();
        let p = &mut *parts;
        p.config = config;
        p.long_running = request.long_running;
        p.responded = false;
        p.received = request.received;
        let mut reference = p.object_ref.take().unwrap_or_default();
        p.object_ref = info.is_resource_request.then(|| {
            reference.resource.clone_from(&info.resource);
            reference.namespace.clone_from(&info.namespace);
            reference.name.clone_from(&info.name);
            reference.uid.clear();
            reference.api_group.clone_from(&info.api_group);
            reference.api_version.clone_from(&info.api_version);
            reference.resource_version.clear();
            reference.subresource.clone_from(&info.subresource);
            reference
        });
        if let Some(reference) = &p.object_ref {
            memo::write_object_ref(&mut p.object_ref_json, reference);
        }
        let fixed = &mut p.fixed;
        fixed.reserve(512);
        encode::write_head(fixed, config.level, request.audit_id);
        p.stage_at = fixed.len();
        encode::write_request_head(fixed, request.request_uri, &info.verb);
        match user {
            Some(user) => memo::write_user(fixed, user),
            None => encode::write_user(fixed, &UserInfo::default()),
        }
        p.request_end = fixed.len();
        memo::write_client(
            fixed,
            &request.source_ips,
            request.user_agent,
            &truncate_user_agent(request.user_agent),
        );
        p.client_end = fixed.len();
        encode::write_received(fixed, request.received);
        let room = fixed.len() + 256;
        p.scratch.reserve(room);
        Some(Self { parts })
    }

    /// The level the request is recorded at.
    pub fn level(&self) -> Level {
        self.parts.config.level
    }

    /// The event as recorded so far (at stage `RequestReceived`), read back from its JSON.
    #[cfg(test)]
    pub(crate) fn event(&self) -> Event {
        let mut json = String::new();
        self.write(&mut json, Stage::RequestReceived, self.parts.received);
        EventJson::new(&json)
            .decode()
            .expect("the recorder's JSON reads back")
    }

    /// Writes the `RequestReceived` event (its stage time is the reception time). `false` when
    /// the sink could not store it.
    pub fn request_received(&mut self, sink: &dyn Sink) -> bool {
        let received = self.parts.received;
        self.emit(Stage::RequestReceived, received, sink)
    }

    /// Records the impersonated user (after the impersonation filter allowed it).
    pub fn impersonated(&mut self, user: &UserInfo) {
        self.parts.impersonation.clear();
        encode::write_impersonated(&mut self.parts.impersonation, user);
    }

    /// Sets an annotation; the first value set for a key stays (as kube-apiserver, which logs a
    /// warning for a different second value).
    pub fn annotate(&mut self, key: &str, value: &str) {
        let key = Text::Plain(self.owned(key));
        let value = Text::Plain(self.owned(value));
        self.set(key, value);
    }

    /// `text` in a string kept from an earlier record, or a new one.
    fn owned(&mut self, text: &str) -> String {
        let mut owned = self.parts.strings.pop().unwrap_or_default();
        owned.clear();
        owned.push_str(text);
        owned
    }

    fn set(&mut self, key: Text, value: Text) {
        let p = &mut *self.parts;
        match p
            .annotations
            .binary_search_by(|(k, _)| k.as_str().cmp(key.as_str()))
        {
            Err(at) => p.annotations.insert(at, (key, value)),
            Ok(_) => p
                .strings
                .extend([key, value].into_iter().filter_map(Text::into_string)),
        }
    }

    /// Records the authorizer's decision: `allow` or `forbid`, and its reason (possibly empty).
    pub fn authorized(&mut self, allowed: bool, reason: &str) {
        self.set(
            Text::Constant(DECISION_ANNOTATION),
            Text::Constant(if allowed { "allow" } else { "forbid" }),
        );
        // The same reason comes again and again (one binding allows a user's requests): its
        // JSON is copied from the thread's last one instead of escaped anew.
        let mut json = self.parts.strings.pop().unwrap_or_default();
        spare::reason_json(reason, &mut json);
        self.set(Text::Constant(REASON_ANNOTATION), Text::Json(json));
    }

    /// Records that the authorizer failed (the request is answered 500): the reason
    /// annotation is `internal error`, with no decision.
    pub fn authorization_error(&mut self) {
        self.set(
            Text::Constant(REASON_ANNOTATION),
            Text::Constant("internal error"),
        );
    }

    /// Records the decoded request body (create, update; a delete's options): the object
    /// reference takes the body's namespace, name, uid and resourceVersion where the path gave
    /// none, and the body is kept from level Request up. An error leaves the event unchanged.
    pub fn request_object(&mut self, body: &str) -> Result<(), RawJsonError> {
        let Some(object_ref) = self.parts.object_ref.as_mut() else {
            return Ok(());
        };
        let compact = if self.parts.config.level >= Level::Request {
            Some(raw_json::compact(
                body,
                self.parts.config.omit_managed_fields,
            )?)
        } else {
            None
        };
        if let Ok(object) = serde_json::from_str::<ObjectWithMeta>(body) {
            let meta = object.metadata;
            fill(&mut object_ref.namespace, meta.namespace);
            fill(&mut object_ref.name, meta.name);
            fill(&mut object_ref.uid, meta.uid);
            fill(&mut object_ref.resource_version, meta.resource_version);
            self.parts.object_ref_json.clear();
            encode::write_object_ref(&mut self.parts.object_ref_json, object_ref);
        }
        if compact.is_some() {
            self.parts.request_object = compact;
        }
        Ok(())
    }

    /// Completes the object reference from the metadata of a decoded request body, below level
    /// Request (where the body itself is not kept): its namespace, name, uid and
    /// resourceVersion where the path gave none, as [`Recorder::request_object`] would.
    pub fn request_metadata(&mut self, metadata: ObjectMetadata<'_>) {
        let Some(object_ref) = self.parts.object_ref.as_mut() else {
            return;
        };
        let mut filled = false;
        let mut fill = |field: &mut String, value: Option<&str>| {
            if field.is_empty()
                && let Some(value) = value.filter(|value| !value.is_empty())
            {
                field.push_str(value);
                filled = true;
            }
        };
        fill(&mut object_ref.namespace, metadata.namespace);
        fill(&mut object_ref.name, metadata.name);
        fill(&mut object_ref.uid, metadata.uid);
        fill(&mut object_ref.resource_version, metadata.resource_version);
        // The reference is written again only when the body filled something in.
        if filled {
            self.parts.object_ref_json.clear();
            encode::write_object_ref(&mut self.parts.object_ref_json, object_ref);
        }
    }

    /// Records a patch body as the request object (level Request and above).
    pub fn request_patch(&mut self, patch: &str) -> Result<(), RawJsonError> {
        if self.parts.config.level < Level::Request || self.parts.object_ref.is_none() {
            return Ok(());
        }
        self.parts.request_object = Some(raw_json::compact(patch, false)?);
        Ok(())
    }

    /// Records the answer when its headers are written: the code, the `Status` when the body
    /// is one, and the body from level RequestResponse. For a long-running request, writes the
    /// `ResponseStarted` event. Only the first call counts, as headers are written once.
    pub fn response_started(
        &mut self,
        response: Response<'_>,
        now: SystemTime,
        sink: &dyn Sink,
    ) -> bool {
        if self.parts.responded {
            return true;
        }
        self.parts.responded = true;
        let mut status = response.status.cloned().unwrap_or_else(|| code_only(0));
        status.code = response.code;
        self.parts.response_status = Some(status);
        if self.parts.config.level >= Level::RequestResponse
            && self.parts.object_ref.is_some()
            && let Some(body) = response.body
        {
            // A body that is not JSON is left out, as kube-apiserver leaves out what it cannot
            // encode.
            self.parts.response_object =
                raw_json::compact(body, self.parts.config.omit_managed_fields).ok();
        }
        if self.parts.long_running {
            return self.emit(Stage::ResponseStarted, now, sink);
        }
        true
    }

    /// Writes the `ResponseComplete` event. A request that never answered is recorded as
    /// kube-apiserver does: code 200, `Connection closed early` (and its `ResponseStarted`
    /// first when it is long-running).
    pub fn response_complete(mut self, now: SystemTime, sink: &dyn Sink) -> bool {
        if !self.parts.responded {
            self.parts.responded = true;
            self.parts.response_status = Some(Status {
                status: "Success".to_string(),
                message: "Connection closed early".to_string(),
                ..code_only(200)
            });
            if self.parts.long_running {
                self.emit(Stage::ResponseStarted, now, sink);
            }
        }
        let stored = self.emit(Stage::ResponseComplete, now, sink);
        spare::keep(self.parts);
        stored
    }

    /// Writes the `Panic` event for a handler that panicked with `message`.
    pub fn panicked(mut self, message: &str, now: SystemTime, sink: &dyn Sink) -> bool {
        self.parts.response_status = Some(Status::failure(
            500,
            "InternalError",
            format!("APIServer panic'd: {message}"),
            None,
        ));
        let stored = self.emit(Stage::Panic, now, sink);
        spare::keep(self.parts);
        stored
    }

    fn emit(&mut self, stage: Stage, now: SystemTime, sink: &dyn Sink) -> bool {
        if self.parts.config.omit_stages.contains(stage) {
            return true;
        }
        let mut scratch = std::mem::take(&mut self.parts.scratch);
        scratch.clear();
        self.write(&mut scratch, stage, now);
        let stored = sink.process(EventJson::new(&scratch));
        self.parts.scratch = scratch;
        stored
    }

    /// The event at `stage`, reached at `now`: the fixed text with the rest written in, in
    /// the Go struct's field order.
    fn write(&self, out: &mut String, stage: Stage, now: SystemTime) {
        out.push_str(&self.parts.fixed[..self.parts.stage_at]);
        encode::write_stage(out, stage);
        out.push_str(&self.parts.fixed[self.parts.stage_at..self.parts.request_end]);
        out.push_str(&self.parts.impersonation);
        out.push_str(&self.parts.fixed[self.parts.request_end..self.parts.client_end]);
        if self.parts.object_ref.is_some() {
            out.push_str(r#","objectRef":"#);
            out.push_str(&self.parts.object_ref_json);
        }
        encode::write_answer(
            out,
            None,
            self.parts.response_status.as_ref(),
            self.parts.request_object.as_deref(),
            self.parts.response_object.as_deref(),
        );
        let received = &self.parts.fixed[self.parts.client_end..];
        out.push_str(received);
        // The reception time's text, between `,"requestReceivedTimestamp":"` and the quote.
        let received_text = received
            .get(
                received.len().saturating_sub(timestamp::MICRO_LEN + 1)
                    ..received.len().saturating_sub(1),
            )
            .unwrap_or_default();
        encode::write_stage_timestamp_near(out, now, (self.parts.received, received_text));
        for (i, (key, value)) in self.parts.annotations.iter().enumerate() {
            out.push_str(if i == 0 { r#","annotations":{"# } else { "," });
            key.write_json(out);
            out.push(':');
            value.write_json(out);
        }
        if !self.parts.annotations.is_empty() {
            out.push('}');
        }
        out.push('}');
    }
}

/// Records a request whose authentication failed, as kube-apiserver's
/// `WithFailedAuthenticationAudit`: the policy is evaluated without a user, and one
/// `ResponseStarted` event carries the 401 answer.
pub fn record_failed_authentication(
    policy: &Policy,
    request: Request<'_>,
    info: &RequestInfo,
    response: Response<'_>,
    now: SystemTime,
    sink: &dyn Sink,
) -> bool {
    let Some(mut recorder) = Recorder::start(policy, request, info, None) else {
        return true;
    };
    recorder.parts.long_running = true;
    let stored = recorder.response_started(response, now, sink);
    spare::keep(recorder.parts);
    stored
}

/// kube-apiserver's long-running requests (`BasicLongRunningRequestCheck` with the verbs
/// `watch` and `proxy` and the subresources `attach`, `exec`, `proxy`, `log`, `portforward`, and
/// the profiler's paths): only they get a `ResponseStarted` event.
pub fn is_long_running(info: &RequestInfo) -> bool {
    matches!(info.verb.as_str(), "watch" | "proxy")
        || (info.is_resource_request
            && matches!(
                info.subresource.as_str(),
                "attach" | "exec" | "proxy" | "log" | "portforward"
            ))
        || (!info.is_resource_request && info.path.starts_with("/debug/pprof/"))
}

/// A `Status` with only a code (`{"metadata":{},"code":200}`), what kube-apiserver records for
/// an answer that is not a `Status`.
pub(crate) fn code_only(code: u16) -> Status {
    Status {
        status: String::new(),
        message: String::new(),
        reason: String::new(),
        details: None,
        code,
        continue_token: String::new(),
    }
}

fn fill(field: &mut String, value: Option<String>) {
    if field.is_empty()
        && let Some(value) = value
    {
        *field = value;
    }
}

fn truncate_user_agent(agent: &str) -> Cow<'_, str> {
    if agent.len() <= MAX_USER_AGENT {
        return Cow::Borrowed(agent);
    }
    let mut end = MAX_USER_AGENT;
    while !agent.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}{USER_AGENT_TRUNCATED}", &agent[..end]))
}

/// The metadata the object reference takes from a request body.
#[derive(serde::Deserialize)]
struct ObjectWithMeta {
    #[serde(default)]
    metadata: Meta,
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Meta {
    namespace: Option<String>,
    name: Option<String>,
    uid: Option<String>,
    resource_version: Option<String>,
}

mod memo;
mod spare;
#[cfg(test)]
mod tests;
