//! The max-in-flight budgets (kube-apiserver's `WithMaxInFlightLimit`): at most
//! `--max-requests-inflight` reads and `--max-mutating-requests-inflight` writes are served at
//! once; past that a request gets 429 with `Retry-After: 1`. Long-running requests (watch,
//! proxy, exec, attach, port-forward, logs) are not counted, and `system:masters` is always
//! answered. The budgets live in `State`; the pipeline asks them between impersonation and
//! authorization, as kube-apiserver's chain does.

use std::sync::Arc;

use http::Response;
use kubeward_core::UserInfo;
use kubeward_core::request_info::RequestInfo;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::codec::respond::{self, Body};

/// The two budgets; `None` is no limit.
#[derive(Debug)]
pub struct Inflight {
    reads: Option<Arc<Semaphore>>,
    writes: Option<Arc<Semaphore>>,
}

impl Inflight {
    /// Budgets of `reads` and `writes` requests at once (0: unlimited, as kube-apiserver's 0).
    pub fn new(reads: usize, writes: usize) -> Self {
        let budget = |limit: usize| (limit > 0).then(|| Arc::new(Semaphore::new(limit)));
        Self {
            reads: budget(reads),
            writes: budget(writes),
        }
    }

    /// A place for the request (held until it is answered), or the 429 to answer.
    pub fn admit(
        &self,
        info: &RequestInfo,
        user: &UserInfo,
    ) -> Result<Option<OwnedSemaphorePermit>, Response<Body>> {
        if is_long_running(info) {
            return Ok(None);
        }
        let mutating = !matches!(info.verb.as_str(), "get" | "list" | "watch");
        let budget = if mutating { &self.writes } else { &self.reads };
        let Some(budget) = budget else {
            return Ok(None);
        };
        match budget.clone().try_acquire_owned() {
            Ok(permit) => Ok(Some(permit)),
            Err(_)
                if user
                    .groups
                    .iter()
                    .any(|g| g == kubeward_core::user::SYSTEM_PRIVILEGED_GROUP) =>
            {
                Ok(None)
            }
            Err(_) => Err(too_many_requests()),
        }
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
