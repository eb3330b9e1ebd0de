//! Leader election on a `coordination.k8s.io/v1` Lease, decided as client-go's `leaderelection`
//! package decides it for kube-controller-manager: a candidate takes the Lease when nobody
//! holds it or when the holder has not renewed it for `leaseDurationSeconds` — measured on this
//! replica's own monotonic clock from the moment it last saw the record change, so clocks that
//! disagree between machines do not matter; the holder renews it every retry period; every
//! write is a compare-and-swap on the Lease's resourceVersion, so two candidates never both
//! win. A leader that stops cleanly gives the Lease up ([`Elector::release`]). Pure: the caller
//! reads and writes the Lease and says what time it is.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::LeaderElection as Timing;

/// The Lease kube-controller-manager holds while it runs the controllers.
pub const LEASE_NAMESPACE: &str = "kube-system";
/// Its name.
pub const LEASE_NAME: &str = "kube-controller-manager";

/// What the candidate does after reading the Lease.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Nobody has a Lease yet: create this one.
    Create(Value),
    /// Take or renew the Lease: write this one over the revision that was read.
    Update(Value),
    /// Another replica holds a valid Lease: try again later.
    Wait,
}

/// What the candidate last saw of the Lease, and when (on its own clock).
#[derive(Debug, Clone)]
struct Observed {
    spec: Value,
    at: Instant,
}

/// One replica's view of the election.
#[derive(Debug, Clone)]
pub struct Elector {
    identity: String,
    timing: Timing,
    observed: Option<Observed>,
}

/// The `spec` of a Lease.
fn spec(lease: &Value) -> Value {
    lease.get("spec").cloned().unwrap_or_else(|| json!({}))
}

fn text<'a>(spec: &'a Value, field: &str) -> &'a str {
    spec.get(field).and_then(Value::as_str).unwrap_or("")
}

/// A `MicroTime`: RFC 3339 in UTC with six fractional digits.
pub fn micro_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let whole = at.replace_nanosecond(0).unwrap_or(at);
    let seconds = whole.format(&Rfc3339).unwrap_or_default();
    let base = seconds.trim_end_matches('Z');
    format!("{base}.{:06}Z", at.microsecond())
}

impl Elector {
    /// A candidate named `identity` (kube-controller-manager's is `<hostname>_<uuid>`).
    pub fn new(identity: String, timing: Timing) -> Self {
        Self {
            identity,
            timing,
            observed: None,
        }
    }

    /// Its identity, the Lease's `holderIdentity` while it leads.
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// Whether the Lease it last saw names it as the holder.
    pub fn is_leader(&self) -> bool {
        self.observed
            .as_ref()
            .is_some_and(|o| text(&o.spec, "holderIdentity") == self.identity)
    }

    /// The holder of the Lease it last saw (empty when nobody holds it).
    pub fn holder(&self) -> &str {
        self.observed
            .as_ref()
            .map_or("", |o| text(&o.spec, "holderIdentity"))
    }

    /// Decides what to do with the Lease as read at `now` (`current`, `None` when there is none);
    /// `wall` is the time written into the Lease.
    pub fn decide(&mut self, current: Option<&Value>, now: Instant, wall: OffsetDateTime) -> Step {
        let stamp = micro_time(wall);
        let seconds = self.timing.lease_duration.as_secs().max(1);
        let Some(current) = current else {
            return Step::Create(self.lease(
                json!({
                    "holderIdentity": self.identity,
                    "leaseDurationSeconds": seconds,
                    "acquireTime": stamp,
                    "renewTime": stamp,
                    "leaseTransitions": 0,
                }),
                None,
            ));
        };
        let old = spec(current);
        if self.observed.as_ref().is_none_or(|o| o.spec != old) {
            self.observed = Some(Observed {
                spec: old.clone(),
                at: now,
            });
        }
        let holder = text(&old, "holderIdentity");
        if !holder.is_empty() && self.valid(now) && !self.is_leader() {
            return Step::Wait;
        }
        let transitions = old
            .get("leaseTransitions")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let (acquired, transitions) = if self.is_leader() {
            let acquired = old.get("acquireTime").cloned().unwrap_or(json!(stamp));
            (acquired, transitions)
        } else {
            (json!(stamp), transitions + 1)
        };
        Step::Update(self.lease(
            json!({
                "holderIdentity": self.identity,
                "leaseDurationSeconds": seconds,
                "acquireTime": acquired,
                "renewTime": stamp,
                "leaseTransitions": transitions,
            }),
            Some(current),
        ))
    }

    /// The Lease given up (client-go's `release`, with `ReleaseOnCancel`): no holder, a
    /// duration of one second, the transitions kept — so that another candidate takes it at its
    /// next attempt instead of waiting out the duration. `None` when `current` does not name
    /// this candidate as its holder (nothing to give up).
    pub fn release(&self, current: &Value, wall: OffsetDateTime) -> Option<Value> {
        let old = spec(current);
        if text(&old, "holderIdentity") != self.identity {
            return None;
        }
        let stamp = micro_time(wall);
        let transitions = old
            .get("leaseTransitions")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        Some(self.lease(
            json!({
                "holderIdentity": "",
                "leaseDurationSeconds": 1,
                "acquireTime": stamp,
                "renewTime": stamp,
                "leaseTransitions": transitions,
            }),
            Some(current),
        ))
    }

    /// Records the Lease as written at `now`.
    pub fn written(&mut self, stored: &Value, now: Instant) {
        self.observed = Some(Observed {
            spec: spec(stored),
            at: now,
        });
    }

    /// Whether the Lease last seen is still within its duration at `now`.
    fn valid(&self, now: Instant) -> bool {
        self.observed.as_ref().is_some_and(|o| {
            let seconds = o
                .spec
                .get("leaseDurationSeconds")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            now < o.at + Duration::from_secs(seconds)
        })
    }

    /// The Lease object with `spec`, over `current`'s metadata (its resourceVersion makes the
    /// write a compare-and-swap).
    fn lease(&self, spec: Value, current: Option<&Value>) -> Value {
        let metadata = current
            .and_then(|c| c.get("metadata").cloned())
            .unwrap_or_else(|| json!({"name": LEASE_NAME, "namespace": LEASE_NAMESPACE}));
        json!({
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": metadata,
            "spec": spec,
        })
    }
}

#[cfg(test)]
mod tests;
