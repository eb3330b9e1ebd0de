//! Port forwarding to a pod: SPDY (`portforward.k8s.io`, directly or tunnelled through a
//! WebSocket as `SPDY/3.1+portforward.k8s.io`), and the kubelet's own WebSocket protocol
//! (`v4.channel.k8s.io`: the ports in the query, a data and an error channel each). Pods share
//! the node's network, so the pod's port is the node's loopback port.

use std::collections::BTreeMap;
use std::time::Duration;

use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use super::exec::spdy_handshake;
use super::spdy_conn::{self, IncomingStream, SpdyConnection};
use super::streams::{Outgoing, Reader, Writer};
use super::transport::{Raw, Tunnel};
use super::ws_conn::{self, ChannelConnection};
use super::{Body, text};
use crate::portforward::{self, Pairs};
use crate::spdy::Headers;
use crate::wsstream::{self, ChannelProtocol, Codec};

/// How long the two streams of a request may arrive apart.
const STREAM_CREATION_TIMEOUT: Duration = Duration::from_secs(30);

const WEBSOCKET_PROTOCOLS: &[ChannelProtocol] = &[
    ChannelProtocol::new(wsstream::V4_CHANNEL, Codec::Binary),
    ChannelProtocol::new(wsstream::V4_BASE64_CHANNEL, Codec::Base64),
    ChannelProtocol::new("", Codec::Binary),
];

fn accept_stream(headers: &Headers) -> Result<(), String> {
    portforward::accept_stream(1, headers).map(|_| ())
}

/// Go's `net.Dial` wording of a failed connection.
fn dial_error(port: u16, error: &std::io::Error) -> String {
    let reason = match error.kind() {
        std::io::ErrorKind::ConnectionRefused => "connect: connection refused".to_string(),
        _ => error.to_string(),
    };
    format!("dial tcp4 127.0.0.1:{port}: {reason}")
}

/// Copies between a pod port and a stream until the pod's side ends.
async fn forward(port: u16, mut input: Reader, data: Writer) -> Result<(), String> {
    let tcp = TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| dial_error(port, &e))?;
    let (mut from_pod, mut to_pod) = tcp.into_split();
    let upload = tokio::spawn(async move {
        while let Some(bytes) = input.recv().await {
            if to_pod.write_all(&bytes).await.is_err() {
                return;
            }
        }
        let _ = to_pod.shutdown().await;
    });
    let mut buffer = vec![0u8; 32 * 1024];
    loop {
        match from_pod.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if !data.write(buffer[..n].to_vec()).await {
                    break;
                }
            }
        }
    }
    upload.abort();
    Ok(())
}

async fn forward_pair(
    port: u16,
    input: Reader,
    data: Writer,
    error: Writer,
    pod: String,
    uid: String,
) {
    if let Err(failure) = forward(port, input, data.clone()).await {
        let message = portforward::forward_error(port, &pod, &uid, &failure);
        error.write(message.into_bytes()).await;
    }
    data.finish().await;
    error.finish().await;
}

/// Serves the port-forward streams of a SPDY connection until the client closes it.
async fn serve_spdy(mut conn: SpdyConnection, pod: String, uid: String) {
    let mut pairs = Pairs::new();
    let mut waiting: BTreeMap<u32, IncomingStream> = BTreeMap::new();
    let (expired_tx, mut expired) = tokio::sync::mpsc::channel::<String>(16);
    loop {
        let stream = tokio::select! {
            stream = conn.streams.recv() => match stream {
                Some(stream) => stream,
                None => break,
            },
            Some(request_id) = expired.recv() => {
                if let Some((error_stream, message)) = pairs.expire(&request_id) {
                    tracing::debug!(%message, "port-forward request expired");
                    if let Some(id) = error_stream {
                        let writer = Writer::new(id, conn.out.clone());
                        writer.write(message.into_bytes()).await;
                        waiting.remove(&id);
                    }
                }
                continue;
            }
        };
        let Ok(accepted) = portforward::accept_stream(stream.id, &stream.headers) else {
            continue;
        };
        let request_id = accepted.request_id.clone();
        let fresh = !pairs.is_pending(&request_id);
        waiting.insert(stream.id, stream);
        match pairs.add(accepted) {
            Ok(Some(pair)) => {
                let data_stream = waiting.remove(&pair.data);
                waiting.remove(&pair.error);
                if let Some(data_stream) = data_stream {
                    tokio::spawn(forward_pair(
                        pair.port,
                        data_stream.data,
                        Writer::new(pair.data, conn.out.clone()),
                        Writer::new(pair.error, conn.out.clone()),
                        pod.clone(),
                        uid.clone(),
                    ));
                }
            }
            Ok(None) => {
                if fresh {
                    let expired_tx = expired_tx.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(STREAM_CREATION_TIMEOUT).await;
                        let _ = expired_tx.send(request_id).await;
                    });
                }
            }
            Err(refused) => {
                if let Some(id) = refused.error_stream {
                    Writer::new(id, conn.out.clone())
                        .write(refused.message.into_bytes())
                        .await;
                }
            }
        }
    }
    let _ = conn.out.send(Outgoing::Close).await;
}

/// Serves the kubelet's WebSocket port forward: one data and one error channel per port.
async fn serve_websocket(mut conn: ChannelConnection, ports: Vec<u16>, pod: String, uid: String) {
    let mut tasks = Vec::new();
    for (i, port) in ports.iter().copied().enumerate() {
        let data = Writer::new((2 * i) as u32, conn.out.clone());
        let error = Writer::new((2 * i + 1) as u32, conn.out.clone());
        data.write(portforward::port_prefix(port).to_vec()).await;
        error.write(portforward::port_prefix(port).to_vec()).await;
        let Some(input) = conn.readers[2 * i].take() else {
            continue;
        };
        let (pod, uid) = (pod.clone(), uid.clone());
        tasks.push(tokio::spawn(async move {
            if let Err(failure) = forward(port, input, data).await {
                let message = portforward::forward_error(port, &pod, &uid, &failure);
                error.write(message.into_bytes()).await;
            }
        }));
    }
    futures_util::future::join_all(tasks).await;
    let _ = conn.out.send(Outgoing::Close).await;
}

/// Answers a port-forward request for `pod` (with its uid, for error messages).
pub fn serve(
    request: Request<Incoming>,
    query: &[(String, String)],
    pod: String,
    uid: String,
) -> Response<Body> {
    let headers = request.headers().clone();
    if ws_conn::is_websocket(&headers) {
        let requested = ws_conn::requested_protocols(&headers);
        let tunneled = portforward::tunneled_protocols(&requested);
        if !tunneled.is_empty() {
            // kubectl 1.31+: SPDY inside the WebSocket.
            let Some(chosen) = tunneled.iter().find(|p| *p == portforward::PROTOCOL) else {
                return text(
                    StatusCode::FORBIDDEN,
                    &format!(
                        "unable to upgrade: unable to negotiate protocol: client supports [{}], server accepts [{}]",
                        tunneled.join(" "),
                        portforward::PROTOCOL
                    ),
                );
            };
            let subprotocol = format!("{}{chosen}", portforward::TUNNELING_PREFIX);
            let response = match ws_conn::accept(&headers, &subprotocol) {
                Ok(response) => response.map(|()| super::empty()),
                Err(error) => return text(StatusCode::BAD_REQUEST, &error),
            };
            tokio::spawn(async move {
                let Ok(upgraded) = hyper::upgrade::on(request).await else {
                    return;
                };
                let ws = ws_conn::websocket(upgraded).await;
                let conn = spdy_conn::spawn(Tunnel::new(ws), accept_stream);
                serve_spdy(conn, pod, uid).await;
            });
            return response;
        }
        let ports = match portforward::websocket_ports(query) {
            Ok(ports) => ports,
            Err(message) => return text(StatusCode::BAD_REQUEST, &message),
        };
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
            let readable: Vec<bool> = ports.iter().flat_map(|_| [true, false]).collect();
            let conn = ws_conn::spawn(ws, protocol, &readable);
            serve_websocket(conn, ports, pod, uid).await;
        });
        return response;
    }
    let (response, _) = match spdy_handshake(&headers, &[portforward::PROTOCOL]) {
        Ok(answer) => answer,
        Err(refusal) => return *refusal,
    };
    tokio::spawn(async move {
        let Ok(upgraded) = hyper::upgrade::on(request).await else {
            return;
        };
        let conn = spdy_conn::spawn(Raw::new(upgraded), accept_stream);
        serve_spdy(conn, pod, uid).await;
    });
    response
}
