//! A connection's stream closed as Go's HTTP server closes one (`closeWriteAndWait`): once hyper
//! is done with it, the server's side is shut (TLS `close_notify`, TCP FIN) and what the client
//! still sends is read and dropped for a moment before the socket closes. Closing a socket with
//! unread data sends a reset, and a reset makes the client's TCP discard an answer it has not
//! read yet: a client still uploading a body the server refused (413 past the size limit) would
//! get an empty reply instead of the Status.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, ReadBuf};

/// How long a closed connection goes on reading what the client sends (Go's
/// `rstAvoidanceDelay`).
const LINGER: Duration = Duration::from_millis(500);

/// A stream that lingers when dropped (see the module's documentation).
pub struct Lingering<I: AsyncRead + AsyncWrite + Unpin + Send + 'static> {
    inner: Option<I>,
}

impl<I: AsyncRead + AsyncWrite + Unpin + Send + 'static> Lingering<I> {
    /// Wraps a connection's stream.
    pub fn new(inner: I) -> Self {
        Self { inner: Some(inner) }
    }

    fn io(&mut self) -> Pin<&mut I> {
        Pin::new(self.inner.as_mut().expect("taken only on drop"))
    }
}

impl<I: AsyncRead + AsyncWrite + Unpin + Send + 'static> Drop for Lingering<I> {
    fn drop(&mut self) {
        if let (Some(io), Ok(runtime)) = (self.inner.take(), tokio::runtime::Handle::try_current())
        {
            runtime.spawn(linger(io));
        }
    }
}

/// Shuts the server's side, then reads and drops what comes until the client closes, an error,
/// or [`LINGER`] has passed.
async fn linger<I: AsyncRead + AsyncWrite + Unpin>(mut io: I) {
    let _ = tokio::time::timeout(LINGER, async {
        let _ = io.shutdown().await;
        let mut sink = [0u8; 16 * 1024];
        while let Ok(1..) = io.read(&mut sink).await {}
    })
    .await;
}

impl<I: AsyncRead + AsyncWrite + Unpin + Send + 'static> AsyncRead for Lingering<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().io().poll_read(cx, buf)
    }
}

impl<I: AsyncRead + AsyncWrite + Unpin + Send + 'static> AsyncWrite for Lingering<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().io().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().io().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.as_ref().is_some_and(I::is_write_vectored)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().io().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().io().poll_shutdown(cx)
    }
}
