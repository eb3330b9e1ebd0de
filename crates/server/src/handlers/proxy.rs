//! The gateway's terminal handler: the request, authenticated (and authorized, when the gateway
//! authorizes locally), forwarded to the upstream cluster as the user it comes from — the
//! client's credentials and `Impersonate-*` headers removed, hop-by-hop headers stripped,
//! `Impersonate-User`/`-Group`/`-Uid`/`-Extra-*` of the user added, the gateway's own credential
//! presented — and the answer streamed back as it comes (watches, `logs -f`). An upgrade
//! (exec, attach, port-forward, cp over SPDY/3.1 or WebSocket) is forwarded over HTTP/1.1; on
//! the upstream's `101` the two upgraded connections are joined (`copy_bidirectional`).

mod deadline;
mod headers;

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::BodyExt as _;
use kubeward_core::status::Status;

use super::context::Context;
use crate::codec::body::{MAX_REQUEST_BODY_BYTES, RequestBody};
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
        info,
        user,
        pretty,
        upgrade: client_upgrade,
        ..
    } = context;
    let upgrade = is_upgrade(&parts.headers);
    if !upgrade && declared_length(&parts.headers).is_some_and(|n| n > MAX_REQUEST_BODY_BYTES) {
        // Read (up to a bound) and dropped, so that the client sees the answer.
        let status = crate::codec::body::read(body)
            .await
            .err()
            .unwrap_or_else(crate::codec::body::too_large);
        return respond::status(&status, pretty);
    }
    let mut headers = forwarded_request_headers(&parts.headers, upgrade);
    headers.extend(impersonation_headers(&user));
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path(), |p| p.as_str());
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
        let request = upstream
            .upgrade(parts.method.clone(), path)
            .headers(headers);
        return upgraded(request, client_side, upstream, pretty).await;
    }
    let too_large = Arc::new(AtomicBool::new(false));
    let body = crate::codec::body::boxed(Limited {
        body,
        sent: 0,
        too_large: too_large.clone(),
    });
    let long_running = kubeward_audit::is_long_running(&info);
    let sent = upstream.send(parts.method.clone(), path, headers, body, long_running);
    match deadline::within(upstream.response_timeout(), sent).await {
        Err(_) => timed_out(upstream, pretty),
        Ok(Ok(answer)) => answered(answer).await,
        Ok(Err(_)) if too_large.load(Ordering::Acquire) => {
            respond::status(&crate::codec::body::too_large(), pretty)
        }
        Ok(Err(error)) => unreachable_upstream(upstream, &error, pretty),
    }
}

/// The request's `Content-Length`, when it has one.
fn declared_length(headers: &http::HeaderMap) -> Option<usize> {
    headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Answers whose `Content-Length` is at most this are read whole before they are passed on, so
/// that the client gets the head and the body in one write (and is woken once); anything
/// longer, and anything without a length (a watch, `logs -f`), is streamed.
const READ_WHOLE_UP_TO: usize = 64 * 1024;

/// The upstream's answer: read whole when it is short (a failure midway ends the body where
/// it broke off, as streaming it would), else streamed.
async fn answered(answer: http::Response<hyper::body::Incoming>) -> Response<Body> {
    if declared_length(answer.headers()).is_none_or(|n| n > READ_WHOLE_UP_TO) {
        return streamed(answer);
    }
    let (parts, mut body) = answer.into_parts();
    let mut chunks: Vec<Bytes> = Vec::with_capacity(1);
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Ok(data) = frame.into_data() {
                    chunks.push(data);
                }
            }
            Err(error) => {
                tracing::info!(error = %kubeward_core::go::error_chain(&error), "gateway: the upstream's answer broke off");
                break;
            }
        }
    }
    let whole = match chunks.len() {
        1 => chunks.pop().unwrap_or_default(),
        _ => chunks.concat().into(),
    };
    let mut response = Response::new(respond::full(whole));
    *response.status_mut() = parts.status;
    *response.headers_mut() = forwarded_response_headers(&parts.headers, false);
    response
}

/// The upstream's answer, streamed.
fn streamed<B>(answer: http::Response<B>) -> Response<Body>
where
    B: HttpBody<Data = Bytes> + Send + Sync + Unpin + 'static,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let (parts, body) = answer.into_parts();
    let mut response = Response::new(EndOnError(body).boxed());
    *response.status_mut() = parts.status;
    *response.headers_mut() = forwarded_response_headers(&parts.headers, false);
    response
}

/// An upgrade: the request sent over HTTP/1.1; on `101` both sides are joined.
async fn upgraded(
    request: reqwest::RequestBuilder,
    client_side: hyper::upgrade::OnUpgrade,
    upstream: &Upstream,
    pretty: bool,
) -> Response<Body> {
    let answer = match deadline::within(upstream.response_timeout(), request.send()).await {
        Err(_) => return timed_out(upstream, pretty),
        Ok(Ok(answer)) => answer,
        Ok(Err(error)) => return unreachable_upstream(upstream, &error, pretty),
    };
    if answer.status() != StatusCode::SWITCHING_PROTOCOLS {
        return streamed(http::Response::from(answer));
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
    error: &(dyn std::error::Error + 'static),
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

/// 504 when the upstream has not begun its answer within its response timeout, in
/// kube-apiserver's words (its timeout filter's).
fn timed_out(upstream: &Upstream, pretty: bool) -> Response<Body> {
    tracing::warn!(upstream = upstream.url(), timeout = ?upstream.response_timeout(), "gateway: the upstream did not answer in time");
    respond::status(
        &Status::failure(
            504,
            "Timeout",
            "Timeout: request did not complete within requested timeout - context deadline exceeded".into(),
            Some(kubeward_core::status::StatusDetails::default()),
        ),
        pretty,
    )
}

/// The request body as it is forwarded: cut off past kube-apiserver's limit (`too_large` is
/// then set).
struct Limited {
    body: RequestBody,
    sent: usize,
    too_large: Arc<AtomicBool>,
}

impl HttpBody for Limited {
    type Data = Bytes;
    type Error = crate::codec::body::BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.body).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            this.sent += data.len();
            if this.sent > MAX_REQUEST_BODY_BYTES {
                this.too_large.store(true, Ordering::Release);
                return Poll::Ready(Some(Err("the request body is too large".into())));
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The upstream's body as the server's: a failure mid-body ends it (logged), as a cut
/// connection would.
struct EndOnError<B>(B);

impl<B> HttpBody for EndOnError<B>
where
    B: HttpBody<Data = Bytes> + Unpin,
    B::Error: std::error::Error + 'static,
{
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
