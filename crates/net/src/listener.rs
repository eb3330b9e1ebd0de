//! The accept loop both servers use: connections spread round-robin over one single-threaded
//! runtime per core (so a request is read, answered and signed on one thread without waking
//! another), TLS by ALPN with HTTP/2 and HTTP/1.1 and upgrades (exec, port-forward), the limits
//! kube-apiserver's Go server has — a handshake and header-read deadline, an idle keep-alive
//! timeout, a header size limit, HTTP/2 streams per connection — plus a cap on open connections,
//! and a graceful shutdown that stops accepting and lets requests in flight finish.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::linger::Lingering;

/// Connection limits; [`Default`] gives kube-apiserver's values (and a cap of 4,096 open
/// connections, which Go's server does not have).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a client has for the TLS handshake (Go: the read-header timeout).
    pub handshake_timeout: Duration,
    /// How long a client has to send a request's header block (kube-apiserver: 32 s).
    pub header_read_timeout: Duration,
    /// How long a connection with no request in flight is kept open (kube-apiserver: Go's
    /// `IdleTimeout`, 90 s, for HTTP/1.1 keep-alive and HTTP/2 alike).
    pub idle_timeout: Duration,
    /// The largest header block (kube-apiserver: 1 MiB, Go's `MaxHeaderBytes`).
    pub max_header_bytes: u32,
    /// Concurrent HTTP/2 streams per connection (kube-apiserver: 100).
    pub http2_max_concurrent_streams: u32,
    /// Open connections at most; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// How long a graceful shutdown waits for requests in flight.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            handshake_timeout: Duration::from_secs(32),
            header_read_timeout: Duration::from_secs(32),
            idle_timeout: Duration::from_secs(90),
            max_header_bytes: 1 << 20,
            http2_max_concurrent_streams: 100,
            max_connections: 4096,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// What a handler knows of the connection its request came on.
#[derive(Debug, Clone, Default)]
pub struct ConnectionInfo {
    /// The client's address.
    pub peer: Option<SocketAddr>,
    /// The certificates the client presented in the TLS handshake, DER, leaf first.
    pub peer_certificates: Vec<Vec<u8>>,
}

/// A handler: one request of a connection in, one response out.
pub trait Handler<B>: Clone + Send + Sync + 'static {
    /// The response future.
    type Future: Future<Output = Response<B>> + Send + 'static;

    /// Answers `request`.
    fn call(&self, request: Request<Incoming>, connection: Arc<ConnectionInfo>) -> Self::Future;
}

impl<F, Fut, B> Handler<B> for F
where
    F: Fn(Request<Incoming>, Arc<ConnectionInfo>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<B>> + Send + 'static,
{
    type Future = Fut;

    fn call(&self, request: Request<Incoming>, connection: Arc<ConnectionInfo>) -> Fut {
        self(request, connection)
    }
}

/// Everything a worker needs, shared.
struct Serving<H> {
    tls: Option<TlsAcceptor>,
    limits: Limits,
    handler: H,
}

/// Serves `handler` on `listener` (TLS when `tls` is given) until `shutdown` completes, then
/// stops accepting, lets requests in flight finish (at most `limits.shutdown_grace`) and
/// returns.
pub async fn serve<H, B>(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    limits: Limits,
    handler: H,
    shutdown: impl Future<Output = ()>,
) where
    H: Handler<B>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let serving = Arc::new(Serving {
        tls,
        limits,
        handler,
    });
    let (stop, stopped) = watch::channel(false);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let workers: Vec<Worker> = (0..threads)
        .filter_map(
            |index| match Worker::start(index, serving.clone(), stopped.clone()) {
                Ok(worker) => Some(worker),
                Err(error) => {
                    tracing::error!(%error, "starting a connection thread");
                    None
                }
            },
        )
        .collect();
    if workers.is_empty() {
        return;
    }
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    tokio::pin!(shutdown);
    let mut next = 0;
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (tcp, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        match tcp.into_std() {
            Ok(tcp) => workers[next].hand(tcp, peer, permit),
            Err(error) => tracing::warn!(%peer, %error, "handing a connection over failed"),
        }
        next = (next + 1) % workers.len();
    }
    drop(listener);
    let _ = stop.send(true);
    for worker in workers {
        worker.join().await;
    }
}

/// A thread with a single-threaded runtime that serves the connections it is handed.
struct Worker {
    connections: mpsc::UnboundedSender<(std::net::TcpStream, SocketAddr, OwnedSemaphorePermit)>,
    done: tokio::sync::oneshot::Receiver<()>,
}

impl Worker {
    fn start<H, B>(
        index: usize,
        serving: Arc<Serving<H>>,
        mut stopped: watch::Receiver<bool>,
    ) -> std::io::Result<Self>
    where
        H: Handler<B>,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (connections, mut handed) =
            mpsc::unbounded_channel::<(std::net::TcpStream, SocketAddr, OwnedSemaphorePermit)>();
        let (finished, done) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name(format!("conn-{index}"))
            .spawn(move || {
                runtime.block_on(async move {
                    let mut live = JoinSet::new();
                    loop {
                        tokio::select! {
                            handed = handed.recv() => {
                                let Some((tcp, peer, permit)) = handed else { break };
                                match tokio::net::TcpStream::from_std(tcp) {
                                    Ok(tcp) => {
                                        let serving = serving.clone();
                                        let stopping = stopped.clone();
                                        live.spawn(async move {
                                            connection(tcp, peer, &serving, stopping).await;
                                            drop(permit);
                                        });
                                    }
                                    Err(error) => tracing::warn!(%peer, %error, "connection lost"),
                                }
                            }
                            Some(_) = live.join_next(), if !live.is_empty() => {}
                            _ = stopped.changed() => break,
                        }
                    }
                    // Every connection was told to stop (the same signal): it finishes what is in
                    // flight, then closes.
                    let grace = serving.limits.shutdown_grace;
                    let drained = async { while live.join_next().await.is_some() {} };
                    if tokio::time::timeout(grace, drained).await.is_err() {
                        tracing::warn!("requests still in flight after the shutdown grace period");
                    }
                });
                let _ = finished.send(());
            })?;
        Ok(Self { connections, done })
    }

    fn hand(&self, tcp: std::net::TcpStream, peer: SocketAddr, permit: OwnedSemaphorePermit) {
        if self.connections.send((tcp, peer, permit)).is_err() {
            tracing::error!(%peer, "a connection thread has stopped");
        }
    }

    async fn join(self) {
        drop(self.connections);
        let _ = self.done.await;
    }
}

/// Serves one connection: the TLS handshake (bounded), then HTTP/1.1 or HTTP/2 by ALPN.
async fn connection<H, B>(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    serving: &Serving<H>,
    stopping: watch::Receiver<bool>,
) where
    H: Handler<B>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut info = ConnectionInfo {
        peer: Some(peer),
        peer_certificates: Vec::new(),
    };
    match &serving.tls {
        Some(acceptor) => {
            let handshake =
                tokio::time::timeout(serving.limits.handshake_timeout, acceptor.accept(tcp)).await;
            let tls = match handshake {
                Ok(Ok(tls)) => tls,
                Ok(Err(error)) => {
                    tracing::debug!(%peer, %error, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%peer, "TLS handshake timed out");
                    return;
                }
            };
            info.peer_certificates = tls
                .get_ref()
                .1
                .peer_certificates()
                .map(|chain| chain.iter().map(|c| c.as_ref().to_vec()).collect())
                .unwrap_or_default();
            http(tls, info, serving, stopping).await;
        }
        None => http(tcp, info, serving, stopping).await,
    }
}

/// Requests in flight on one connection (until their response bodies end), and since when
/// none has been.
struct Activity {
    active: AtomicUsize,
    idle_since: Mutex<Instant>,
}

impl Activity {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            active: AtomicUsize::new(0),
            idle_since: Mutex::new(Instant::now()),
        })
    }

    /// A request begins; it is in flight until the returned guard is dropped.
    fn begin(self: &Arc<Self>) -> InFlight {
        self.active.fetch_add(1, Ordering::AcqRel);
        InFlight(self.clone())
    }

    /// How long the connection has had no request in flight (`None`: it has one now).
    fn idle_for(&self) -> Option<Duration> {
        if self.active.load(Ordering::Acquire) > 0 {
            return None;
        }
        let since = *self
            .idle_since
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Some(since.elapsed())
    }
}

/// One request in flight; its end starts the idle time when it was the last.
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.0.active.fetch_sub(1, Ordering::AcqRel) == 1 {
            *self
                .0
                .idle_since
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Instant::now();
        }
    }
}

/// A response body that keeps its request counted in flight until it is dropped; its size and
/// end are the inner body's (so a sized answer keeps its `Content-Length`).
struct Tracked<B> {
    inner: std::pin::Pin<Box<B>>,
    _in_flight: InFlight,
}

impl<B: http_body::Body> http_body::Body for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        self.inner.as_mut().poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Completes once the connection has had no request in flight for `timeout`.
async fn idle(activity: &Activity, timeout: Duration) {
    loop {
        match activity.idle_for() {
            Some(idle) if idle >= timeout => return,
            Some(idle) => tokio::time::sleep(timeout - idle).await,
            None => tokio::time::sleep(timeout).await,
        }
    }
}

/// HTTP on an established stream, until the client closes it, it stays idle past the idle
/// timeout, or the server stops (both: a graceful close — HTTP/2's GOAWAY — after what is in
/// flight).
async fn http<I, H, B>(
    io: I,
    info: ConnectionInfo,
    serving: &Serving<H>,
    mut stopping: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    H: Handler<B>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let peer = info.peer;
    let info = Arc::new(info);
    let handler = serving.handler.clone();
    let activity = Activity::new();
    let requests = activity.clone();
    let service = hyper::service::service_fn(move |request| {
        let in_flight = requests.begin();
        let response = handler.call(request, info.clone());
        async move {
            let response = response.await;
            // In flight until the body is sent (a watch's, for as long as it streams).
            Ok::<_, Infallible>(response.map(|body| Tracked {
                inner: Box::pin(body),
                _in_flight: in_flight,
            }))
        }
    });
    let limits = serving.limits;
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        // The head is read into one buffer: room for the header block plus the request line.
        .max_buf_size(limits.max_header_bytes as usize + 64 * 1024);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(limits.max_header_bytes)
        .max_concurrent_streams(limits.http2_max_concurrent_streams);
    let connection =
        builder.serve_connection_with_upgrades(TokioIo::new(Lingering::new(io)), service);
    tokio::pin!(connection);
    let mut closing = false;
    // An idle connection told to go (HTTP/2's GOAWAY) is dropped this long after, whether or
    // not the client answered (Go's `goAwayTimeout`).
    let mut give_up: Option<tokio::time::Instant> = None;
    let result = loop {
        tokio::select! {
            result = connection.as_mut() => break Some(result),
            _ = stopping.changed(), if !closing => {
                connection.as_mut().graceful_shutdown();
                closing = true;
            }
            () = idle(&activity, limits.idle_timeout), if !closing => {
                tracing::debug!(?peer, "closing an idle connection");
                connection.as_mut().graceful_shutdown();
                closing = true;
                give_up = Some(tokio::time::Instant::now() + GOAWAY_TIMEOUT);
            }
            () = tokio::time::sleep_until(give_up.unwrap_or_else(tokio::time::Instant::now)),
                if give_up.is_some() => break None,
        }
    };
    if let Some(Err(error)) = result {
        tracing::debug!(?peer, %error, "connection ended with an error");
    }
}

/// How long an idle connection told to go may take to close (Go's HTTP/2 `goAwayTimeout`).
const GOAWAY_TIMEOUT: Duration = Duration::from_secs(1);
