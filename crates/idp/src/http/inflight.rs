//! The provider's budget of requests served at once: past it a request gets 429 with
//! `Retry-After: 1`, in the words of the API server's max-in-flight filter (kube-apiserver's
//! `--max-requests-inflight`).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::Semaphore;

/// The default budget (kube-apiserver's `--max-requests-inflight` default).
pub const DEFAULT_MAX_REQUESTS_INFLIGHT: usize = 400;

/// `router` with at most `limit` requests served at once (0: no limit). A request holds its
/// place until its answer begins (a stream, such as the revocation feed, does not keep it).
pub fn limit(router: Router, limit: usize) -> Router {
    if limit == 0 {
        return router;
    }
    router.layer(axum::middleware::from_fn_with_state(
        Arc::new(Semaphore::new(limit)),
        admit,
    ))
}

async fn admit(State(budget): State<Arc<Semaphore>>, request: Request, next: Next) -> Response {
    match budget.try_acquire_owned() {
        Ok(_place) => next.run(request).await,
        Err(_) => too_many_requests(),
    }
}

/// 429 with `Retry-After: 1`: Go's `http.Error(w, "Too many requests, please try again
/// later.", 429)`, as kube-apiserver's filter writes it.
pub fn too_many_requests() -> Response {
    let mut response = Response::new(Body::from("Too many requests, please try again later.\n"));
    *response.status_mut() = http::StatusCode::TOO_MANY_REQUESTS;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(
        http::header::X_CONTENT_TYPE_OPTIONS,
        http::HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        http::header::RETRY_AFTER,
        http::HeaderValue::from_static("1"),
    );
    response
}

#[cfg(test)]
mod tests;
