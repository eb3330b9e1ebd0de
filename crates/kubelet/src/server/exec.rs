//! `exec` and `attach`: the streams of the remote command protocol set up over SPDY (v1–v5)
//! or WebSocket (`v5.channel.k8s.io`, `v4.channel.k8s.io`, `channel.k8s.io` and their base64
//! forms), then a command run in the container's environment, or the container's own process
//! attached to; the error stream carries how it ended.

use std::time::Duration;

use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use tokio::sync::{mpsc, watch};

use super::spdy_conn::{self, SpdyConnection};
use super::streams::{Outgoing, Reader, Writer};
use super::transport::Raw;
use super::ws_conn;
use super::{Body, text};
use crate::remotecommand::{self, Options, Outcome, channel, stream_type};
use crate::wsstream::{self, ChannelProtocol, Codec};

/// How long the kubelet waits for a SPDY client to open its streams.
const STREAM_CREATION_TIMEOUT: Duration = Duration::from_secs(30);

/// The WebSocket subprotocols of exec and attach, in the server's order.
const WEBSOCKET_PROTOCOLS: &[ChannelProtocol] = &[
    ChannelProtocol::new(wsstream::V5_CHANNEL, Codec::Binary),
    ChannelProtocol::new(wsstream::V4_CHANNEL, Codec::Binary),
    ChannelProtocol::new(wsstream::V4_BASE64_CHANNEL, Codec::Base64),
    ChannelProtocol::new(wsstream::CHANNEL, Codec::Binary),
    ChannelProtocol::new(wsstream::BASE64_CHANNEL, Codec::Base64),
    ChannelProtocol::new("", Codec::Binary),
];

/// The streams of one exec or attach session, as the command gets them.
pub struct Streams {
    /// Standard input, if asked for.
    pub stdin: Option<Reader>,
    /// Standard output, if asked for.
    pub stdout: Option<Writer>,
    /// Standard error, if asked for (never with a TTY).
    pub stderr: Option<Writer>,
    /// Terminal resize events, with a TTY.
    pub resize: Option<Reader>,
    /// Whether a terminal was asked for.
    pub tty: bool,
    /// Becomes `true` when the client is gone.
    pub closed: watch::Receiver<bool>,
}

/// What ends a session: the error stream, and the output streams to half-close first.
struct Ending {
    outputs: Vec<Writer>,
    error: Writer,
    version: String,
    out: mpsc::Sender<Outgoing>,
}

impl Ending {
    /// Writes how the command ended and closes the connection.
    async fn finish(self, outcome: &Outcome) {
        for writer in &self.outputs {
            writer.finish().await;
        }
        let bytes = outcome.error_stream_bytes(&self.version);
        if !bytes.is_empty() {
            self.error.write(bytes).await;
        }
        self.error.finish().await;
        let _ = self.out.send(Outgoing::Close).await;
    }
}

/// Splits the parts of a session between the command and its ending.
fn split(
    streams: Streams,
    error: Writer,
    version: String,
    out: mpsc::Sender<Outgoing>,
) -> (Streams, Ending) {
    let outputs = [&streams.stdout, &streams.stderr]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    (
        streams,
        Ending {
            outputs,
            error,
            version,
            out,
        },
    )
}

fn missing_upgrade_headers(headers: &http::HeaderMap) -> String {
    let mut fields: Vec<String> = headers
        .iter()
        .map(|(k, v)| {
            format!(
                "{:?}:[]string{{{:?}}}",
                canonical(k.as_str()),
                v.to_str().unwrap_or("")
            )
        })
        .collect();
    fields.sort();
    format!(
        "unable to upgrade: missing upgrade headers in request: http.Header{{{}}}",
        fields.join(", ")
    )
}

/// Go's canonical header key (`x-stream-protocol-version` → `X-Stream-Protocol-Version`).
fn canonical(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => {
                    first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
                }
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Whether a request asks for a SPDY/3.1 upgrade.
pub fn is_spdy(headers: &http::HeaderMap) -> bool {
    ws_conn::is_upgrade(headers)
        && headers
            .get(http::header::UPGRADE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("spdy/3.1"))
}

/// Negotiates a SPDY upgrade for `protocols`: the 101 response and the chosen version, or the
/// refusal to send instead.
pub fn spdy_handshake(
    headers: &http::HeaderMap,
    protocols: &[&str],
) -> Result<(Response<Body>, String), Box<Response<Body>>> {
    if !is_spdy(headers) {
        return Err(Box::new(text(
            StatusCode::BAD_REQUEST,
            &missing_upgrade_headers(headers),
        )));
    }
    let version = remotecommand::handshake(
        headers
            .get_all("x-stream-protocol-version")
            .iter()
            .filter_map(|v| v.to_str().ok()),
        protocols,
    )
    .map_err(|refusal| {
        let mut response = text(
            StatusCode::from_u16(refusal.code).unwrap_or(StatusCode::BAD_REQUEST),
            &refusal.message,
        );
        for accepted in refusal.accepted {
            if let Ok(value) = http::HeaderValue::from_str(&accepted) {
                response
                    .headers_mut()
                    .append("X-Accepted-Stream-Protocol-Versions", value);
            }
        }
        Box::new(response)
    })?;
    let mut response = Response::new(super::empty());
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("Upgrade"),
    );
    headers.insert(
        http::header::UPGRADE,
        http::HeaderValue::from_static("SPDY/3.1"),
    );
    if let Ok(value) = http::HeaderValue::from_str(&version) {
        headers.insert("X-Stream-Protocol-Version", value);
    }
    Ok((response, version))
}

fn accept_any(_: &crate::spdy::Headers) -> Result<(), String> {
    Ok(())
}

/// Collects the client's streams by type until all `options` ask for have arrived.
async fn spdy_session(
    mut conn: SpdyConnection,
    options: Options,
    version: String,
) -> Option<(Streams, Ending)> {
    let expected = options.expected_streams(&version);
    let mut streams = Streams {
        stdin: None,
        stdout: None,
        stderr: None,
        resize: None,
        tty: options.tty,
        closed: conn.closed.clone(),
    };
    let mut error = None;
    let mut received = 0;
    let deadline = tokio::time::sleep(STREAM_CREATION_TIMEOUT);
    tokio::pin!(deadline);
    while received < expected {
        let stream = tokio::select! {
            stream = conn.streams.recv() => stream?,
            () = &mut deadline => {
                tracing::debug!("timed out waiting for client to create streams");
                let _ = conn.out.send(Outgoing::Close).await;
                return None;
            }
        };
        let writer = Writer::new(stream.id, conn.out.clone());
        match stream.headers.get("streamType").unwrap_or("") {
            stream_type::ERROR => error = Some(writer),
            stream_type::STDIN => streams.stdin = Some(stream.data),
            stream_type::STDOUT => streams.stdout = Some(writer),
            stream_type::STDERR => streams.stderr = Some(writer),
            stream_type::RESIZE => streams.resize = Some(stream.data),
            other => {
                tracing::debug!(stream_type = other, "unexpected stream type");
                continue;
            }
        }
        received += 1;
    }
    let error = error?;
    Some(split(streams, error, version, conn.out.clone()))
}

/// Answers an exec or attach request; `run` gets the streams once they are up and says how
/// the command ended.
pub fn serve<F, Fut>(request: Request<Incoming>, options: Options, run: F) -> Response<Body>
where
    F: FnOnce(Streams) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Outcome> + Send + 'static,
{
    let headers = request.headers().clone();
    if ws_conn::is_websocket(&headers) {
        let requested = ws_conn::requested_protocols(&headers);
        let Some(protocol) = wsstream::negotiate(&requested, WEBSOCKET_PROTOCOLS) else {
            return text(
                StatusCode::BAD_REQUEST,
                &wsstream::refusal(&requested, WEBSOCKET_PROTOCOLS),
            );
        };
        let response = match ws_conn::accept(&headers, protocol.name) {
            Ok(response) => response.map(|()| super::empty()),
            Err(error) => return text(StatusCode::BAD_REQUEST, &error),
        };
        tokio::spawn(async move {
            let Ok(upgraded) = hyper::upgrade::on(request).await else {
                return;
            };
            let ws = ws_conn::websocket(upgraded).await;
            let readable = [options.stdin, false, false, false, true];
            let mut conn = ws_conn::spawn(ws, protocol, &readable);
            let out = conn.out.clone();
            let writer = |wanted: bool, channel: u8| {
                wanted.then(|| Writer::new(u32::from(channel), out.clone()))
            };
            let streams = Streams {
                stdin: conn.readers[usize::from(channel::STDIN)].take(),
                stdout: writer(options.stdout, channel::STDOUT),
                stderr: writer(options.stderr, channel::STDERR),
                resize: conn.readers[usize::from(channel::RESIZE)].take(),
                tty: options.tty,
                closed: conn.closed.clone(),
            };
            let version = match protocol.name {
                wsstream::V5_CHANNEL => remotecommand::V5,
                wsstream::V4_CHANNEL | wsstream::V4_BASE64_CHANNEL => remotecommand::V4,
                _ => remotecommand::V1,
            };
            let error = Writer::new(u32::from(channel::ERROR), out.clone());
            let (streams, ending) = split(streams, error, version.to_string(), out.clone());
            // wsstream tells the client the connection is up with an empty message on the
            // lowest writable channel.
            let first = if options.stdout {
                channel::STDOUT
            } else if options.stderr {
                channel::STDERR
            } else {
                channel::ERROR
            };
            let _ = out.send(Outgoing::Data(u32::from(first), Vec::new())).await;
            let outcome = run(streams).await;
            ending.finish(&outcome).await;
        });
        return response;
    }
    let (response, version) = match spdy_handshake(&headers, remotecommand::SPDY_PROTOCOLS) {
        Ok(answer) => answer,
        Err(refusal) => return *refusal,
    };
    tokio::spawn(async move {
        let Ok(upgraded) = hyper::upgrade::on(request).await else {
            return;
        };
        let conn = spdy_conn::spawn(Raw::new(upgraded), accept_any);
        let Some((streams, ending)) = spdy_session(conn, options, version).await else {
            return;
        };
        let outcome = run(streams).await;
        ending.finish(&outcome).await;
    });
    response
}
