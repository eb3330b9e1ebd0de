//! kube-apiserver's metrics, under its names and labels, rendered in Prometheus' OpenMetrics
//! text by `prometheus-client` for `/metrics`: requests (`apiserver_request_total`,
//! `apiserver_request_duration_seconds`), requests in flight, authentication
//! (`authentication_attempts`, `authentication_duration_seconds`), authorization decisions,
//! audit events, stored objects, storage latency (`etcd_request_duration_seconds`, whatever the
//! store) and watch events. Counters move where things happen; what is read at scrape time
//! (requests in flight, the audit backends' counts) comes in a [`Snapshot`].

mod recent;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric as _};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The content type of the exposition.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// kube-apiserver's buckets of request and storage latencies, in seconds.
const LATENCY_BUCKETS: [f64; 23] = [
    0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0,
    10.0, 15.0, 20.0, 30.0, 45.0, 60.0,
];

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

fn authentication_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// What a request is, as kube-apiserver labels it.
#[derive(Clone, Debug, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// `GET`, `LIST`, `WATCH`, `POST`, `PUT`, `PATCH`, `APPLY`, `DELETE`.
    pub verb: &'static str,
    /// `All` for a dry run, else empty.
    pub dry_run: &'static str,
    /// The API group.
    pub group: &'static str,
    /// The API version.
    pub version: &'static str,
    /// The resource.
    pub resource: &'static str,
    /// The subresource; for a non-resource request, its path.
    pub subresource: &'static str,
    /// `resource`, `namespace`, `cluster`, or empty for a non-resource request.
    pub scope: &'static str,
    /// `apiserver`.
    pub component: &'static str,
}

impl RequestLabels {
    /// The labels' texts, taken apart field by field so that a new label cannot be left out.
    fn texts(&self) -> [&'static str; 8] {
        let Self {
            verb,
            dry_run,
            group,
            version,
            resource,
            subresource,
            scope,
            component,
        } = *self;
        [
            verb,
            dry_run,
            group,
            version,
            resource,
            subresource,
            scope,
            component,
        ]
    }
}

/// Equal when every label's text is: the labels come from the kinds' static table and from
/// literals, so the text of a label of the same request is the same `&'static str` each time and
/// its address decides at once; only different addresses compare the bytes. (A derived `==`
/// calls libc's `memcmp` for each of the eight labels, for both families a request counts in:
/// 1.6 % of a SelfSubjectAccessReview's time.)
impl PartialEq for RequestLabels {
    fn eq(&self, other: &Self) -> bool {
        self.texts()
            .into_iter()
            .zip(other.texts())
            .all(|(a, b)| same(a, b))
    }
}

/// Hashed by the labels' text, as `==` compares them.
impl std::hash::Hash for RequestLabels {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for label in self.texts() {
            label.hash(state);
        }
    }
}

/// Whether two texts are equal: the same address and length, or the same bytes.
fn same(a: &str, b: &str) -> bool {
    std::ptr::eq(a, b) || a == b
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AnsweredLabels {
    #[prometheus(flatten)]
    request: RequestLabels,
    code: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    r#type: &'static str,
    name: &'static str,
    decision: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StorageLabels {
    operation: &'static str,
    r#type: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WatchLabels {
    group: &'static str,
    version: &'static str,
    resource: &'static str,
}

/// How an authentication attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthenticationResult {
    /// A user (anonymous included).
    Success,
    /// No authenticator accepted the credentials.
    Failure,
}

impl AuthenticationResult {
    fn as_str(self) -> &'static str {
        match self {
            AuthenticationResult::Success => "success",
            AuthenticationResult::Failure => "failure",
        }
    }
}

/// The authorizer that allowed a request, as `apiserver_authorization_decisions_total` labels it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllowedBy {
    /// RBAC (`type="RBAC"`, `name="rbac"`).
    Rbac,
    /// `AlwaysAllow`.
    AlwaysAllow,
    /// A webhook.
    Webhook,
}

impl AllowedBy {
    fn labels(self) -> DecisionLabels {
        let (r#type, name) = match self {
            AllowedBy::Rbac => ("RBAC", "rbac"),
            AllowedBy::AlwaysAllow => ("AlwaysAllow", "alwaysallow"),
            AllowedBy::Webhook => ("Webhook", "webhook"),
        };
        DecisionLabels {
            r#type,
            name,
            decision: "allowed",
        }
    }
}

/// Numbers the [`Metrics`], for the threads' memory of their series.
static METRICS: AtomicU64 = AtomicU64::new(0);

/// The metrics.
#[derive(Debug)]
pub struct Metrics {
    /// This one's number (threads remember series per number).
    id: u64,
    registry: Registry,
    requests: Family<AnsweredLabels, Counter>,
    durations: Family<RequestLabels, Histogram, fn() -> Histogram>,
    authentication_attempts: [AtomicU64; 2],
    authentication_durations: Family<ResultLabels, Histogram, fn() -> Histogram>,
    /// The series of `authentication_durations` for each result, once observed: the family
    /// is not looked up (its lock taken, its labels hashed) for each attempt.
    authentication_series: [OnceLock<Histogram>; 2],
    decisions: Family<DecisionLabels, Counter>,
    /// The series of `decisions` for each [`AllowedBy`], once counted.
    allowed_series: [OnceLock<Counter>; 3],
    storage: Family<StorageLabels, Histogram, fn() -> Histogram>,
    watch_events: Family<WatchLabels, Counter>,
    audit_levels: [AtomicU64; 4],
    objects: Mutex<BTreeMap<String, i64>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Every family registered, none observed yet.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<AnsweredLabels, Counter>::default();
        registry.register(
            "apiserver_request",
            "Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.",
            requests.clone(),
        );
        let durations: Family<RequestLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        registry.register(
            "apiserver_request_duration_seconds",
            "Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.",
            durations.clone(),
        );
        let authentication_durations: Family<ResultLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(authentication_histogram);
        registry.register(
            "authentication_duration_seconds",
            "Authentication duration in seconds broken out by result.",
            authentication_durations.clone(),
        );
        let decisions = Family::<DecisionLabels, Counter>::default();
        registry.register(
            "apiserver_authorization_decisions",
            "Total number of terminal decisions made by an authorizer split by authorizer type, name, and decision.",
            decisions.clone(),
        );
        let storage: Family<StorageLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        registry.register(
            "etcd_request_duration_seconds",
            "Storage request latency in seconds for each operation and object type.",
            storage.clone(),
        );
        let watch_events = Family::<WatchLabels, Counter>::default();
        registry.register(
            "apiserver_watch_events",
            "Number of events sent in watch clients",
            watch_events.clone(),
        );
        Self {
            id: METRICS.fetch_add(1, Ordering::Relaxed),
            registry,
            requests,
            durations,
            authentication_attempts: Default::default(),
            authentication_durations,
            authentication_series: Default::default(),
            decisions,
            allowed_series: Default::default(),
            storage,
            watch_events,
            audit_levels: Default::default(),
            objects: Mutex::new(BTreeMap::new()),
        }
    }

    /// One answered request: counted with its code; its latency observed.
    pub fn request(&self, labels: &RequestLabels, code: u16, elapsed: Duration) {
        let find = || recent::Series {
            total: self
                .requests
                .get_or_create(&AnsweredLabels {
                    request: labels.clone(),
                    code,
                })
                .clone(),
            duration: self.durations.get_or_create(labels).clone(),
        };
        recent::count_in(self.id, labels, code, find, |series| {
            series.total.inc();
            series.duration.observe(elapsed.as_secs_f64());
        });
    }

    /// One authentication attempt.
    pub fn authentication(&self, result: AuthenticationResult, elapsed: Duration) {
        self.authentication_attempts[result as usize].fetch_add(1, Ordering::Relaxed);
        self.authentication_series[result as usize]
            .get_or_init(|| {
                self.authentication_durations
                    .get_or_create(&ResultLabels {
                        result: result.as_str(),
                    })
                    .clone()
            })
            .observe(elapsed.as_secs_f64());
    }

    /// A request allowed by an authorizer of the configured mode; RBAC never denies, it has no
    /// opinion.
    pub fn allowed_by(&self, by: AllowedBy) {
        self.allowed_series[by as usize]
            .get_or_init(|| self.decisions.get_or_create(&by.labels()).clone())
            .inc();
    }

    /// One storage operation on objects of `resource` (`pods`, `deployments.apps`).
    pub fn storage(&self, operation: &'static str, resource: String, elapsed: Duration) {
        self.storage
            .get_or_create(&StorageLabels {
                operation,
                r#type: resource,
            })
            .observe(elapsed.as_secs_f64());
    }

    /// One event sent to a watch.
    pub fn watch_event(&self, group: &'static str, version: &'static str, resource: &'static str) {
        self.watch_events
            .get_or_create(&WatchLabels {
                group,
                version,
                resource,
            })
            .inc();
    }

    /// The audit level the policy gave a request (`None` included).
    pub fn audit_level(&self, level: kubeward_audit::Level) {
        self.audit_levels[level as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Objects of `resource` stored: `delta` more (or fewer).
    pub fn objects(&self, resource: &str, delta: i64) {
        let mut objects = self.objects.lock().unwrap_or_else(|e| e.into_inner());
        *objects.entry(resource.to_string()).or_default() += delta;
    }

    /// Forgets the object counts (before the store is listed again).
    pub fn reset_objects(&self) {
        self.objects
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// The exposition, with what is read at scrape time, then what `sources` write.
    pub fn render(&self, snapshot: Snapshot, sources: &[crate::config::MetricsSource]) -> String {
        let objects = self
            .objects
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let collected = Collected {
            snapshot,
            authentication: self
                .authentication_attempts
                .each_ref()
                .map(|count| count.load(Ordering::Relaxed)),
            audit_levels: self
                .audit_levels
                .each_ref()
                .map(|count| count.load(Ordering::Relaxed)),
            objects,
        };
        let mut scraped = Registry::default();
        scraped.register_collector(Box::new(collected));
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode_registry(&mut out, &self.registry)
            .and_then(|()| encode_registry(&mut out, &scraped))
            .and_then(|()| sources.iter().try_for_each(|source| (source.0)(&mut out)))
            .and_then(|()| encode_eof(&mut out));
        out
    }
}

/// What is read at scrape time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Snapshot {
    /// Reads being served.
    pub inflight_read_only: i64,
    /// Writes being served.
    pub inflight_mutating: i64,
    /// Events handed to the audit backends.
    pub audit_events: u64,
    /// Events the log and the webhook backends lost.
    pub audit_errors: [u64; 2],
}

#[derive(Debug)]
struct Collected {
    snapshot: Snapshot,
    authentication: [u64; 2],
    audit_levels: [u64; 4],
    objects: BTreeMap<String, i64>,
}

impl Collector for Collected {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        // kube-apiserver's counter has no `_total`; OpenMetrics adds it to counters, so the
        // family is written untyped under its own name.
        let mut family = encoder.encode_descriptor(
            "authentication_attempts",
            "Counter of authenticated attempts.",
            None,
            MetricType::Unknown,
        )?;
        for (result, count) in ["success", "failure"].iter().zip(self.authentication) {
            ConstGauge::new(count as i64).encode(family.encode_family(&[("result", *result)])?)?;
        }
        let mut family = encoder.encode_descriptor(
            "apiserver_current_inflight_requests",
            "Maximal number of currently used inflight request limit of this apiserver per request kind in last second.",
            None,
            MetricType::Gauge,
        )?;
        for (kind, count) in [
            ("readOnly", self.snapshot.inflight_read_only),
            ("mutating", self.snapshot.inflight_mutating),
        ] {
            ConstGauge::new(count).encode(family.encode_family(&[("request_kind", kind)])?)?;
        }
        let total = ConstCounter::new(self.snapshot.audit_events);
        total.encode(encoder.encode_descriptor(
            "apiserver_audit_event",
            "Counter of audit events generated and sent to the audit backend.",
            None,
            total.metric_type(),
        )?)?;
        let mut family = encoder.encode_descriptor(
            "apiserver_audit_error",
            "Counter of audit events that failed to be audited properly. Plugin identifies the plugin affected by the error.",
            None,
            MetricType::Counter,
        )?;
        for (plugin, count) in ["log", "webhook"].iter().zip(self.snapshot.audit_errors) {
            ConstCounter::new(count).encode(family.encode_family(&[("plugin", *plugin)])?)?;
        }
        let mut family = encoder.encode_descriptor(
            "apiserver_audit_level",
            "Counter of policy levels for audit events (1 per request).",
            None,
            MetricType::Counter,
        )?;
        for (level, count) in kubeward_audit::Level::ALL.iter().zip(self.audit_levels) {
            ConstCounter::new(count).encode(family.encode_family(&[("level", level.as_str())])?)?;
        }
        let mut family = encoder.encode_descriptor(
            "apiserver_storage_objects",
            "Number of stored objects at the time of last check split by kind.",
            None,
            MetricType::Gauge,
        )?;
        for (resource, count) in &self.objects {
            ConstGauge::new(*count)
                .encode(family.encode_family(&[("resource", resource.as_str())])?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
