//! The byte transports a SPDY session runs on: an upgraded HTTP/1.1 connection, or a WebSocket
//! whose binary messages carry SPDY (`SPDY/3.1+portforward.k8s.io`, kubectl 1.31+).

use futures_util::{SinkExt as _, StreamExt as _};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use super::spdy_conn::Transport;

/// An upgraded connection.
pub struct Raw {
    io: TokioIo<Upgraded>,
    buffer: Vec<u8>,
}

impl Raw {
    /// Wraps an upgraded connection.
    pub fn new(upgraded: Upgraded) -> Self {
        Self {
            io: TokioIo::new(upgraded),
            buffer: vec![0; 32 * 1024],
        }
    }
}

impl Transport for Raw {
    async fn read(&mut self) -> Option<Vec<u8>> {
        match self.io.read(&mut self.buffer).await {
            Ok(0) | Err(_) => None,
            Ok(n) => Some(self.buffer[..n].to_vec()),
        }
    }

    async fn write(&mut self, bytes: Vec<u8>) -> std::io::Result<()> {
        self.io.write_all(&bytes).await?;
        self.io.flush().await
    }

    async fn close(&mut self) {
        let _ = self.io.shutdown().await;
    }
}

/// A WebSocket tunnelling SPDY: each binary message is a run of SPDY bytes.
pub struct Tunnel {
    ws: WebSocketStream<TokioIo<Upgraded>>,
}

impl Tunnel {
    /// Wraps a WebSocket.
    pub fn new(ws: WebSocketStream<TokioIo<Upgraded>>) -> Self {
        Self { ws }
    }
}

impl Transport for Tunnel {
    async fn read(&mut self) -> Option<Vec<u8>> {
        loop {
            match self.ws.next().await? {
                Ok(Message::Binary(bytes)) => return Some(bytes.to_vec()),
                Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => continue,
                Ok(Message::Text(_) | Message::Close(_)) | Err(_) => return None,
            }
        }
    }

    async fn write(&mut self, bytes: Vec<u8>) -> std::io::Result<()> {
        self.ws
            .send(Message::Binary(bytes.into()))
            .await
            .map_err(std::io::Error::other)
    }

    async fn close(&mut self) {
        let _ = self.ws.close(None).await;
    }
}
