//! WebSocket connections of the kubelet API: the handshake (subprotocol negotiation, the
//! accept key) and the driver of a channel connection (wsstream's `Conn`).

use futures_util::{SinkExt as _, StreamExt as _};
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::{Message, handshake::derive_accept_key};

use super::streams::{Inbound, Outgoing, Reader, flush_all};
use crate::wsstream::{self, ChannelProtocol, Incoming};

/// Whether the request asks for a WebSocket (`Upgrade: websocket`, `Connection: upgrade`).
pub fn is_websocket(headers: &HeaderMap) -> bool {
    let upgrade = headers
        .get(http::header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    upgrade && is_upgrade(headers)
}

/// Whether a `Connection` header asks for an upgrade.
pub fn is_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("upgrade"))
}

/// The subprotocols the client asks for.
pub fn requested_protocols(headers: &HeaderMap) -> Vec<String> {
    wsstream::requested(
        headers
            .get_all(http::header::SEC_WEBSOCKET_PROTOCOL)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    )
}

/// The 101 answer to a WebSocket handshake choosing `protocol` (`""`: none), or why not.
pub fn accept(headers: &HeaderMap, protocol: &str) -> Result<Response<()>, String> {
    let version_ok = headers
        .get(http::header::SEC_WEBSOCKET_VERSION)
        .is_some_and(|v| v == "13");
    let key = headers
        .get(http::header::SEC_WEBSOCKET_KEY)
        .filter(|_| version_ok)
        .ok_or_else(|| "websocket: not a websocket handshake".to_string())?;
    let mut response = Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(http::header::UPGRADE, "websocket")
        .header(http::header::CONNECTION, "Upgrade")
        .header(
            http::header::SEC_WEBSOCKET_ACCEPT,
            derive_accept_key(key.as_bytes()),
        )
        .body(())
        .map_err(|e| e.to_string())?;
    if !protocol.is_empty()
        && let Ok(value) = HeaderValue::from_str(protocol)
    {
        response
            .headers_mut()
            .insert(http::header::SEC_WEBSOCKET_PROTOCOL, value);
    }
    Ok(response)
}

/// A WebSocket over an upgraded connection, server side.
pub async fn websocket(upgraded: Upgraded) -> WebSocketStream<TokioIo<Upgraded>> {
    WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await
}

/// The handler's side of a channel connection.
pub struct ChannelConnection {
    /// What the client sends on each readable channel (taken by the handler).
    pub readers: Vec<Option<Reader>>,
    /// Commands to the connection.
    pub out: mpsc::Sender<Outgoing>,
    /// Becomes `true` when the connection is gone.
    pub closed: watch::Receiver<bool>,
}

/// Starts the driver of a channel connection; `readable[i]` says whether channel `i` takes
/// input from the client.
pub fn spawn(
    ws: WebSocketStream<TokioIo<Upgraded>>,
    protocol: ChannelProtocol,
    readable: &[bool],
) -> ChannelConnection {
    let (out, out_rx) = mpsc::channel(64);
    let (closed_tx, closed) = watch::channel(false);
    let mut queues = Vec::new();
    let mut readers = Vec::new();
    for &read in readable {
        if read {
            let (queue, reader) = Inbound::new();
            queues.push(Some(queue));
            readers.push(Some(reader));
        } else {
            queues.push(None);
            readers.push(None);
        }
    }
    tokio::spawn(async move {
        drive(ws, protocol, queues, out_rx).await;
        let _ = closed_tx.send(true);
    });
    ChannelConnection {
        readers,
        out,
        closed,
    }
}

async fn drive(
    mut ws: WebSocketStream<TokioIo<Upgraded>>,
    protocol: ChannelProtocol,
    mut queues: Vec<Option<Inbound>>,
    mut out: mpsc::Receiver<Outgoing>,
) {
    let channels = queues.len();
    loop {
        let blocked = flush_all(queues.iter_mut().flatten());
        let is_blocked = blocked.is_some();
        tokio::select! {
            message = ws.next(), if !is_blocked => {
                let bytes = match message {
                    Some(Ok(Message::Binary(bytes))) => bytes.to_vec(),
                    Some(Ok(Message::Text(text))) => text.as_bytes().to_vec(),
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                };
                match wsstream::decode(&protocol, &bytes, channels) {
                    Incoming::Data { channel, data } => {
                        if let Some(Some(queue)) = queues.get_mut(usize::from(channel)) {
                            queue.push(data);
                        }
                    }
                    Incoming::Close { channel } => {
                        if let Some(Some(queue)) = queues.get_mut(usize::from(channel)) {
                            queue.finish();
                        }
                    }
                    Incoming::Fatal(error) => {
                        tracing::debug!(%error, "websocket protocol error");
                        break;
                    }
                    Incoming::Skipped(error) => tracing::debug!(%error, "websocket frame skipped"),
                    Incoming::Ignored => {}
                }
            }
            () = async { if let Some(ready) = blocked { ready.await } }, if is_blocked => {}
            command = out.recv() => match command {
                Some(Outgoing::Data(channel, data)) => {
                    let message = match wsstream::encode(protocol.codec, channel as u8, &data) {
                        wsstream::Message::Binary(b) => Message::Binary(b.into()),
                        wsstream::Message::Text(t) => Message::Text(t.into()),
                    };
                    if ws.send(message).await.is_err() {
                        break;
                    }
                }
                Some(Outgoing::Fin(_)) => {}
                Some(Outgoing::Close) | None => {
                    finish(&mut ws).await;
                    break;
                }
            },
        }
    }
    for queue in queues.iter_mut().flatten() {
        queue.finish();
        queue.flush();
    }
}

/// Sends a normal close and waits (a while) for the client to close: closing at once could
/// lose output the client has not read yet.
async fn finish(ws: &mut WebSocketStream<TokioIo<Upgraded>>) {
    let frame = CloseFrame {
        code: CloseCode::Normal,
        reason: "".into(),
    };
    if ws.send(Message::Close(Some(frame))).await.is_err() {
        return;
    }
    let _ = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while let Some(Ok(_)) = ws.next().await {}
    })
    .await;
}
