//! The gateway's terminal handler: the request, authenticated (and authorized, when the gateway
//! authorizes locally), forwarded to the upstream cluster as the user it comes from — the
//! client's credentials and `Impersonate-*` headers removed, hop-by-hop headers stripped,
//! `Impersonate-User`/`-Group`/`-Uid`/`-Extra-*` of the user added, the gateway's own credential
//! presented — and the answer streamed back as it comes (watches, `logs -f`). An upgrade
//! (exec, attach, port-forward, cp over SPDY/3.1 or WebSocket) is forwarded over HTTP/1.1; on
//! the upstream's `101` the two upgraded connections are joined (`copy_bidirectional`).

mod headers;

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::BodyExt as _;
use kubeward_core::status::Status;

use super::context::Context;
use crate::codec::body::RequestBody;
use crate::codec::respond::{self, Body};
use crate::upstream::Upstream;

pub use headers::{
    forwarded_request_headers, forwarded_response_headers, impersonation_headers, is_upgrade,
};

/// Forwards the request to `upstream` and answers with what it answers.
pub async fn forward(
    context: Context<'_>,
    upstream: &Upstream,
    body: RequestBody,
) -> Response<Body> {
    let Context {
        parts,
        user,
        pretty,
        upgrade: client_upgrade,
        ..
    } = context;
    let upgrade = is_upgrade(&parts.headers);
    let mut headers = forwarded_request_headers(&parts.headers, upgrade);
    headers.extend(impersonation_headers(&user));
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
    let request = upstream
        .request(parts.method.clone(), &path, upgrade)
        .headers(headers);
    if upgrade {
        let Some(client_side) = client_upgrade else {
            return respond::status(
                &Status::failure(
                    400,
                    "BadRequest",
                    "the connection cannot be upgraded (HTTP/2 carries no upgrades)".into(),
                    None,
                ),
                pretty,
            );
        };
        let _ = crate::codec::body::read(body).await;
        return upgraded(request, client_side, upstream, pretty).await;
    }
    let request = request.body(reqwest::Body::wrap(SyncBody(std::sync::Mutex::new(body))));
    match request.send().await {
        Ok(answer) => streamed(answer),
        Err(error) => unreachable_upstream(upstream, &error, pretty),
    }
}

/// The upstream's answer, streamed.
fn streamed(answer: reqwest::Response) -> Response<Body> {
    let status = answer.status();
    let headers = forwarded_response_headers(answer.headers(), false);
    let http_answer: http::Response<reqwest::Body> = answer.into();
    let mut response = Response::new(EndOnError(http_answer.into_body()).boxed());
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// An upgrade: the request sent over HTTP/1.1; on `101` both sides are joined.
async fn upgraded(
    request: reqwest::RequestBuilder,
    client_side: hyper::upgrade::OnUpgrade,
    upstream: &Upstream,
    pretty: bool,
) -> Response<Body> {
    let answer = match request.send().await {
        Ok(answer) => answer,
        Err(error) => return unreachable_upstream(upstream, &error, pretty),
    };
    if answer.status() != StatusCode::SWITCHING_PROTOCOLS {
        return streamed(answer);
    }
    let headers = forwarded_response_headers(answer.headers(), true);
    tokio::spawn(async move {
        let (upstream_io, client_io) = match tokio::join!(answer.upgrade(), client_side) {
            (Ok(upstream_io), Ok(client_io)) => (upstream_io, client_io),
            (Err(error), _) => {
                tracing::info!(%error, "gateway: the upstream did not upgrade the connection");
                return;
            }
            (_, Err(error)) => {
                tracing::info!(%error, "gateway: the client did not upgrade the connection");
                return;
            }
        };
        let mut upstream_io = upstream_io;
        let mut client_io = hyper_util::rt::TokioIo::new(client_io);
        if let Err(error) = tokio::io::copy_bidirectional(&mut client_io, &mut upstream_io).await {
            tracing::debug!(%error, "gateway: an upgraded connection ended with an error");
        }
    });
    let mut response = Response::new(respond::full(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    *response.headers_mut() = headers;
    response
}

/// 503 when the upstream cannot be reached (the cause for the log and the message, never a
/// credential).
fn unreachable_upstream(
    upstream: &Upstream,
    error: &reqwest::Error,
    pretty: bool,
) -> Response<Body> {
    let cause = kubeward_core::go::error_chain(error);
    tracing::warn!(upstream = upstream.url(), %cause, "gateway: the upstream cannot be reached");
    respond::status(
        &Status::failure(
            503,
            "ServiceUnavailable",
            format!("the upstream API server is unavailable: {cause}"),
            None,
        ),
        pretty,
    )
}

/// A request body that is `Sync` (reqwest's body wants it): only ever polled through `&mut`.
struct SyncBody(std::sync::Mutex<RequestBody>);

impl HttpBody for SyncBody {
    type Data = Bytes;
    type Error = crate::codec::body::BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let inner = self
            .get_mut()
            .0
            .get_mut()
            .unwrap_or_else(|e| e.into_inner());
        Pin::new(inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.0.lock().map(|b| b.is_end_stream()).unwrap_or(true)
    }

    fn size_hint(&self) -> SizeHint {
        self.0.lock().map(|b| b.size_hint()).unwrap_or_default()
    }
}

/// The upstream's body as the server's: a failure mid-body ends it (logged), as a cut
/// connection would.
struct EndOnError(reqwest::Body);

impl HttpBody for EndOnError {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match Pin::new(&mut self.get_mut().0).poll_frame(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(frame))) => Poll::Ready(Some(Ok(frame))),
            Poll::Ready(Some(Err(error))) => {
                tracing::info!(error = %kubeward_core::go::error_chain(&error), "gateway: the upstream's answer broke off");
                Poll::Ready(None)
            }
            Poll::Ready(None) => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.0.size_hint()
    }
}

#[cfg(test)]
mod tests;
