//! Responses: JSON objects, Kubernetes `Status` bodies, plain text.

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, Response, StatusCode};
use http_body_util::BodyExt as _;
use http_body_util::Full;
use http_body_util::combinators::BoxBody;
use kubeward_core::status::Status;

use super::body::RequestBody;

/// The body type of every response.
pub type Body = BoxBody<Bytes, std::convert::Infallible>;

/// A whole body.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

/// A response with `code`, `content_type` and `body`, and kube-apiserver's cache header.
pub fn with(code: u16, content_type: &str, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() =
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache, private"));
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(CONTENT_TYPE, value);
    }
    response
}

/// A JSON value with `code`, compact or indented.
pub fn json(code: u16, value: &serde_json::Value, pretty: bool) -> Response<Body> {
    let mut text = if pretty {
        serde_json::to_string_pretty(value).unwrap_or_default()
    } else {
        serde_json::to_string(value).unwrap_or_default()
    };
    if !pretty {
        text.push('\n');
    }
    with(code, "application/json", full(text))
}

/// A JSON value with 200.
pub fn ok(value: &serde_json::Value, pretty: bool) -> Response<Body> {
    json(200, value, pretty)
}

/// A Kubernetes `Status` failure, with its code.
pub fn status(status: &Status, pretty: bool) -> Response<Body> {
    with(
        status.http_code(),
        "application/json",
        full(status.body(pretty)),
    )
}

/// Plain text, as Go's handlers write it.
pub fn text(code: u16, body: impl Into<Bytes>) -> Response<Body> {
    nosniff(with(code, "text/plain; charset=utf-8", full(body)))
}

/// `response` with `X-Content-Type-Options: nosniff`, as Go's text handlers and kube's
/// `responsewriters.Forbidden` (the authorization and impersonation filters' 403) send it.
pub fn nosniff(mut response: Response<Body>) -> Response<Body> {
    response.headers_mut().insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Answers a request refused before its handler read it, after reading what the client sends
/// (bounded): a response that leaves the request body unread makes HTTP/2 reset the stream, and
/// some clients (curl) report that reset as an error instead of the answer.
pub async fn refuse(body: RequestBody, failure: &Status, pretty: bool) -> Response<Body> {
    let _ = super::body::read(body).await;
    status(failure, pretty)
}

/// Go's `http.NotFound`.
pub fn page_not_found() -> Response<Body> {
    let (code, body) = kubeward_core::status::page_not_found();
    text(code, body)
}

/// `response` with `done` run when its body has been sent, or abandoned by the client (what a
/// long-running answer's audit record and metrics wait for).
pub fn on_end(
    response: Response<Body>,
    done: impl FnOnce() + Send + Sync + 'static,
) -> Response<Body> {
    let (parts, body) = response.into_parts();
    let body = OnEnd {
        inner: body,
        done: Some(Box::new(done)),
    };
    Response::from_parts(parts, body.boxed())
}

/// A body that calls back when it is dropped.
struct OnEnd {
    inner: Body,
    done: Option<Box<dyn FnOnce() + Send + Sync>>,
}

impl http_body::Body for OnEnd {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        std::pin::Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for OnEnd {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            done();
        }
    }
}
