//! The max-in-flight budgets (kube-apiserver's `WithMaxInFlightLimit`): at most
//! `--max-requests-inflight` reads and `--max-mutating-requests-inflight` writes are served at
//! once; past that a request gets 429 with `Retry-After: 1`. Long-running requests (watch,
//! proxy, exec, attach, port-forward, logs) are not counted, and `system:masters` is always
//! answered. The budgets live in `State`; the pipeline asks them between impersonation and
//! authorization, as kube-apiserver's chain does.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use http::Response;
use kubeward_core::UserInfo;
use kubeward_core::request_info::RequestInfo;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::codec::respond::{self, Body};

/// The two budgets (`None` is no limit), and how many requests of each kind are being served
/// (`apiserver_current_inflight_requests`).
#[derive(Debug)]
pub struct Inflight {
    reads: Option<Arc<Semaphore>>,
    writes: Option<Arc<Semaphore>>,
    reading: Arc<AtomicI64>,
    writing: Arc<AtomicI64>,
}

/// A request's place in its budget, given back when dropped.
#[derive(Debug)]
pub struct Place {
    _permit: Option<OwnedSemaphorePermit>,
    counted: Option<Arc<AtomicI64>>,
}

impl Drop for Place {
    fn drop(&mut self) {
        if let Some(counted) = &self.counted {
            counted.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl Inflight {
    /// Budgets of `reads` and `writes` requests at once (0: unlimited, as kube-apiserver's 0).
    pub fn new(reads: usize, writes: usize) -> Self {
        let budget = |limit: usize| (limit > 0).then(|| Arc::new(Semaphore::new(limit)));
        Self {
            reads: budget(reads),
            writes: budget(writes),
            reading: Arc::default(),
            writing: Arc::default(),
        }
    }

    /// Reads and writes being served now.
    pub fn in_flight(&self) -> (i64, i64) {
        (
            self.reading.load(Ordering::Relaxed),
            self.writing.load(Ordering::Relaxed),
        )
    }

    /// A place for the request (held until it is answered), or the 429 to answer.
    pub fn admit(&self, info: &RequestInfo, user: &UserInfo) -> Result<Place, Response<Body>> {
        if is_long_running(info) {
            return Ok(Place {
                _permit: None,
                counted: None,
            });
        }
        let mutating = !matches!(info.verb.as_str(), "get" | "list" | "watch");
        let (budget, counter) = if mutating {
            (&self.writes, &self.writing)
        } else {
            (&self.reads, &self.reading)
        };
        let permit = match budget {
            None => None,
            Some(budget) => match budget.clone().try_acquire_owned() {
                Ok(permit) => Some(permit),
                Err(_)
                    if user
                        .groups
                        .iter()
                        .any(|g| g == kubeward_core::user::SYSTEM_PRIVILEGED_GROUP) =>
                {
                    None
                }
                Err(_) => return Err(too_many_requests()),
            },
        };
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(Place {
            _permit: permit,
            counted: Some(counter.clone()),
        })
    }
}

/// `BasicLongRunningRequestCheck`: watches and proxies, and the exec, attach, port-forward, log
/// and proxy subresources.
fn is_long_running(info: &RequestInfo) -> bool {
    matches!(info.verb.as_str(), "watch" | "proxy")
        || matches!(
            info.subresource.as_str(),
            "attach" | "exec" | "proxy" | "log" | "portforward"
        )
}

/// Go's `http.Error(w, "Too many requests, please try again later.", 429)` with `Retry-After`.
fn too_many_requests() -> Response<Body> {
    let mut response = respond::text(429, "Too many requests, please try again later.\n");
    response.headers_mut().insert(
        http::header::RETRY_AFTER,
        http::HeaderValue::from_static("1"),
    );
    response
}

#[cfg(test)]
mod tests;
