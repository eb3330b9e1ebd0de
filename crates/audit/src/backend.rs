//! Where events go, as kube-apiserver's audit plugins: the I/O half of this crate. The log
//! (`log`: a file rotated as lumberjack rotates it (`rotate`), or standard output), the webhook
//! (`webhook`: batches posted as an `EventList`, retried with `backoff`), and the buffer that
//! batches events for either on a thread of its own (`buffered`, paced by `throttle`).
//! [`Backends`] is the union the server hands every event to; [`Counters`] are what the
//! metrics read.

pub mod backoff;
pub mod buffered;
mod clock;
pub mod log;
pub mod rotate;
mod tally;
pub mod throttle;
pub mod webhook;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::emitted::EventJson;
use crate::policy::Policy;
use crate::recorder::Sink;

/// How a backend takes events (`--audit-<plugin>-mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Each event is written before the request goes on; a failure is reported and the request
    /// goes on (the log's default).
    Blocking,
    /// As `Blocking`, but a request whose `RequestReceived` event cannot be written fails with
    /// 500.
    BlockingStrict,
    /// Events are queued and delivered in batches by a thread of their own; past the queue's
    /// size they are dropped (the webhook's default).
    Batch,
}

impl Mode {
    /// Reads a mode as the flag takes it; `plugin` names the flag in kube-apiserver's error.
    pub fn parse(plugin: Plugin, text: &str) -> Result<Self, String> {
        match text {
            "batch" => Ok(Mode::Batch),
            "blocking" => Ok(Mode::Blocking),
            "blocking-strict" => Ok(Mode::BlockingStrict),
            other => Err(format!(
                "invalid audit {} mode {other}, allowed modes are \"batch,blocking,blocking-strict\"",
                plugin.as_str()
            )),
        }
    }
}

/// The two plugins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plugin {
    /// The log backend.
    Log,
    /// The webhook backend.
    Webhook,
}

impl Plugin {
    /// Both, in the order the metrics list them.
    pub const ALL: [Plugin; 2] = [Plugin::Log, Plugin::Webhook];

    /// kube-apiserver's name of the plugin (the `plugin` label of `apiserver_audit_error_total`).
    pub fn as_str(self) -> &'static str {
        match self {
            Plugin::Log => "log",
            Plugin::Webhook => "webhook",
        }
    }
}

/// Counts the metrics read: events handed to the backends (`apiserver_audit_event_total`) and
/// events a plugin failed to deliver (`apiserver_audit_error_total`).
#[derive(Debug, Default)]
pub struct Counters {
    events: tally::Tally,
    errors: [AtomicU64; 2],
}

impl Counters {
    /// Events handed to the backends.
    pub fn events(&self) -> u64 {
        self.events.sum()
    }

    /// Events `plugin` failed to deliver.
    pub fn errors(&self, plugin: Plugin) -> u64 {
        self.errors[plugin as usize].load(Ordering::Relaxed)
    }

    /// Records that `count` events of `plugin` were lost, with kube-apiserver's words.
    pub(crate) fn failed(&self, plugin: Plugin, count: usize, error: &dyn std::fmt::Display) {
        self.errors[plugin as usize].fetch_add(count as u64, Ordering::Relaxed);
        tracing::error!(
            "Error in audit plugin '{}' affecting {count} audit events: {error}",
            plugin.as_str()
        );
    }
}

/// One configured backend.
pub trait Backend: Send + Sync {
    /// Takes one event; `false` when a strict backend could not store it.
    fn process(&self, event: EventJson<'_>) -> bool;
    /// Delivers what is queued, then stops taking events.
    fn shutdown(&self);
}

/// What `--audit-*` configure: the policy and the backends.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--audit-policy-file`, loaded.
    pub policy: Policy,
    /// `--audit-log-*`; `None` without `--audit-log-path`.
    pub log: Option<log::Options>,
    /// `--audit-webhook-*`; `None` without `--audit-webhook-config-file`.
    pub webhook: Option<webhook::Options>,
}

/// Why a backend could not start (`Display` says which and why).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The log file could not be created.
    #[error("--audit-log-path {path}: {source}")]
    Log {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The webhook's client could not be built.
    #[error("initializing audit webhook: {0}")]
    Webhook(String),
}

/// The union of the configured backends (kube-apiserver's `audit.Union`): each event goes to
/// every backend.
pub struct Backends {
    backends: Vec<Box<dyn Backend>>,
    counters: Arc<Counters>,
}

impl Backends {
    /// Starts the backends `options` configure.
    pub fn start(options: &Options) -> Result<Self, StartError> {
        let counters = Arc::new(Counters::default());
        let mut backends: Vec<Box<dyn Backend>> = Vec::new();
        if let Some(log) = &options.log {
            backends.push(log::start(log, counters.clone())?);
        }
        if let Some(webhook) = &options.webhook {
            backends.push(webhook::start(webhook, counters.clone())?);
        }
        Ok(Self { backends, counters })
    }

    /// The counts of events and errors.
    pub fn counters(&self) -> &Arc<Counters> {
        &self.counters
    }

    /// Delivers what every backend has queued, then stops them.
    pub fn shutdown(&self) {
        for backend in &self.backends {
            backend.shutdown();
        }
    }
}

impl Sink for Backends {
    fn process(&self, event: EventJson<'_>) -> bool {
        self.counters.events.add(1);
        let mut stored = true;
        for backend in &self.backends {
            stored = backend.process(event) && stored;
        }
        stored
    }
}

/// An event for the backends' tests, with `audit_id`.
#[cfg(test)]
pub(crate) fn test_event(audit_id: &str) -> crate::event::Event {
    use std::time::{Duration, UNIX_EPOCH};
    let at = UNIX_EPOCH + Duration::from_micros(1_789_482_413_946_487);
    crate::event::Event {
        level: crate::level::Level::Metadata,
        audit_id: audit_id.to_string(),
        stage: crate::level::Stage::ResponseComplete,
        request_uri: "/api/v1/namespaces/default/pods?limit=500".to_string(),
        verb: "list".to_string(),
        user: kubeward_core::UserInfo {
            name: "alice".to_string(),
            groups: vec!["system:authenticated".to_string()],
            ..kubeward_core::UserInfo::default()
        },
        impersonated_user: None,
        impersonation_constraint: None,
        source_ips: vec!["127.0.0.1".to_string()],
        user_agent: "kubectl/v1.33.0".to_string(),
        object_ref: None,
        response_status: None,
        request_object: None,
        response_object: None,
        request_received_timestamp: at,
        stage_timestamp: at,
        annotations: Default::default(),
    }
}

/// An event's compact JSON, as the recorder hands it to the backends (for their tests).
#[cfg(test)]
pub(crate) fn json(event: &crate::event::Event) -> String {
    let mut out = String::new();
    event.write_json(&mut out);
    out
}

impl Drop for Backends {
    fn drop(&mut self) {
        self.shutdown();
    }
}
