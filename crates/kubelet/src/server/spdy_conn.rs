//! Runs a [`Session`](crate::spdy::Session) over a byte transport (an upgraded HTTP connection,
//! or a WebSocket carrying SPDY for kubectl's tunnelled port-forward): reads feed the session,
//! its events reach the handlers as streams, the handlers' [`Outgoing`] commands become frames.

use std::collections::BTreeMap;
use std::future::Future;

use tokio::sync::{mpsc, watch};

use super::streams::{Inbound, Outgoing, Reader, flush_all};
use crate::spdy::{Event, Headers, RstStatus, Session};

/// A byte stream under a SPDY session.
pub trait Transport: Send + 'static {
    /// The next bytes (`None` at the end); must be cancel-safe.
    fn read(&mut self) -> impl Future<Output = Option<Vec<u8>>> + Send;
    /// Writes bytes.
    fn write(&mut self, bytes: Vec<u8>) -> impl Future<Output = std::io::Result<()>> + Send;
    /// Closes the transport.
    fn close(&mut self) -> impl Future<Output = ()> + Send;
}

/// A stream the client opened (already replied to).
pub struct IncomingStream {
    /// Its id.
    pub id: u32,
    /// Its headers.
    pub headers: Headers,
    /// What arrives on it.
    pub data: Reader,
}

/// The handler's side of a SPDY connection.
pub struct SpdyConnection {
    /// Streams as the client opens them.
    pub streams: mpsc::Receiver<IncomingStream>,
    /// Commands to the connection.
    pub out: mpsc::Sender<Outgoing>,
    /// Becomes `true` when the connection is gone.
    pub closed: watch::Receiver<bool>,
}

/// Decides whether a new stream is accepted; a refused stream is reset.
pub type Accept = fn(&Headers) -> Result<(), String>;

/// Starts the driver of a server-side session on `transport`.
pub fn spawn<T: Transport>(transport: T, accept: Accept) -> SpdyConnection {
    let (streams_tx, streams) = mpsc::channel(16);
    let (out, out_rx) = mpsc::channel(64);
    let (closed_tx, closed) = watch::channel(false);
    tokio::spawn(async move {
        drive(transport, accept, streams_tx, out_rx).await;
        let _ = closed_tx.send(true);
    });
    SpdyConnection {
        streams,
        out,
        closed,
    }
}

async fn drive<T: Transport>(
    mut transport: T,
    accept: Accept,
    streams: mpsc::Sender<IncomingStream>,
    mut out: mpsc::Receiver<Outgoing>,
) {
    let mut session = Session::server();
    let mut inbound: BTreeMap<u32, Inbound> = BTreeMap::new();
    let mut closing = false;
    loop {
        let blocked = flush_all(inbound.values_mut());
        inbound.retain(|_, queue| !queue.is_done());
        let is_blocked = blocked.is_some();
        tokio::select! {
            bytes = transport.read(), if !is_blocked => {
                let Some(bytes) = bytes else { break };
                let events = match session.receive(&bytes) {
                    Ok(events) => events,
                    Err(error) => {
                        tracing::debug!(%error, "SPDY session failed");
                        session.go_away();
                        let _ = transport.write(session.take_output()).await;
                        break;
                    }
                };
                for event in events {
                    match event {
                        Event::StreamOpened { stream_id, headers, fin } => {
                            if let Err(error) = accept(&headers) {
                                tracing::debug!(stream_id, %error, "stream rejected");
                                session.reset(stream_id, RstStatus::Cancel);
                                continue;
                            }
                            let _ = session.reply(stream_id, &Headers::new());
                            let (mut queue, data) = Inbound::new();
                            if fin {
                                queue.finish();
                            }
                            inbound.insert(stream_id, queue);
                            let incoming = IncomingStream { id: stream_id, headers, data };
                            if streams.try_send(incoming).is_err() {
                                session.reset(stream_id, RstStatus::RefusedStream);
                            }
                        }
                        Event::Data { stream_id, data } => {
                            if let Some(queue) = inbound.get_mut(&stream_id) {
                                queue.push(data);
                            }
                        }
                        Event::RemoteFinished { stream_id } | Event::Reset { stream_id, .. } => {
                            if let Some(queue) = inbound.get_mut(&stream_id) {
                                queue.finish();
                            }
                        }
                        _ => {}
                    }
                }
            }
            () = async { if let Some(ready) = blocked { ready.await } }, if is_blocked => {}
            command = out.recv(), if !closing => match command {
                Some(Outgoing::Data(id, bytes)) => { let _ = session.send_data(id, &bytes, false); }
                Some(Outgoing::Fin(id)) => { let _ = session.send_data(id, &[], true); }
                Some(Outgoing::Close) | None => {
                    session.reset_all();
                    session.go_away();
                    closing = true;
                }
            },
        }
        let output = session.take_output();
        if !output.is_empty() && transport.write(output).await.is_err() {
            break;
        }
        if closing {
            break;
        }
    }
    transport.close().await;
}
