//! The cluster a gateway forwards to: its URL and the gateway's own credential (what the
//! upstream kubeconfig says: CA, client certificate or bearer token); hyper's pooled clients,
//! one pair per connection thread (a pooled connection's task runs on the thread of the
//! requests that use it, so that no request wakes another thread): an ordinary request over
//! HTTP/2 when the upstream offers it and other requests of the thread are in flight (one
//! multiplexed connection per thread, whose reads and writes then carry several requests), over
//! a keep-alive HTTP/1.1 connection when it is the thread's only one (cheaper for both sides
//! than a lone HTTP/2 stream); long-running ones — watches, `logs` — over keep-alive HTTP/1.1
//! connections, one each, so that they are never held back by the upstream's limit of streams
//! per connection (kube-apiserver's `--http2-max-streams-per-connection`, 100 in `kubeward
//! up`); `TCP_NODELAY`, the request's URI built from parts, no overall timeout: a watch lasts as
//! long as the client keeps it. Upgraded connections (exec, attach, port-forward over SPDY or
//! WebSocket) go through reqwest's HTTP/1.1 client.

mod connector;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, USER_AGENT};
use http::uri::{Authority, Scheme};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use thread_local::ThreadLocal;

use crate::codec::body::{BodyError, RequestBody};
use crate::config::Gateway;
use connector::Connector;

/// A request to the upstream could not be sent or its answer not read, in reqwest's words
/// (`error sending request for url (…)` and the cause).
#[derive(Debug)]
pub struct SendError {
    url: String,
    cause: BodyError,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error sending request for url ({})", self.url)
    }
}

impl std::error::Error for SendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.cause)
    }
}

/// How long connecting to the upstream may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long an idle pooled connection to the upstream is kept.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// One connection thread's pooled clients.
struct Pools {
    /// Ordinary requests while others are in flight: HTTP/2 when the upstream offers it (and
    /// the gateway is allowed to).
    short: Client<Connector, RequestBody>,
    /// Long-running requests (watches, `logs`), and an ordinary request while no other is in
    /// flight on this thread: HTTP/1.1.
    long: Client<Connector, RequestBody>,
    /// Ordinary requests of this thread sent and not yet answered (their heads not come).
    in_flight: AtomicUsize,
}

/// An ordinary request counted in flight on its thread until it is dropped.
struct Sending<'a>(&'a AtomicUsize);

impl<'a> Sending<'a> {
    /// Counts a request in; whether another was in flight already.
    fn begin(in_flight: &'a AtomicUsize) -> (Self, bool) {
        let others = in_flight.fetch_add(1, Ordering::Relaxed);
        (Self(in_flight), others > 0)
    }
}

impl Drop for Sending<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The upstream API server.
pub struct Upstream {
    base: reqwest::Url,
    scheme: Scheme,
    authority: Authority,
    /// How ordinary requests connect (ALPN `h2` and `http/1.1` when HTTP/2 is allowed).
    short: Connector,
    /// How long-running requests connect (ALPN `http/1.1`).
    long: Connector,
    pools: ThreadLocal<Pools>,
    upgrades: reqwest::Client,
    bearer_token: crate::bearer::BearerToken,
    response_timeout: Duration,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl Upstream {
    /// The upstream of `gateway`.
    pub fn new(gateway: &Gateway) -> Result<Self, String> {
        let endpoint = &gateway.upstream;
        let base = reqwest::Url::parse(&endpoint.url)
            .map_err(|e| format!("server {:?}: {e}", endpoint.url))?;
        let upgrades = crate::webhooks::client::builder(endpoint)?
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_nodelay(true)
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .http1_only()
            .build()
            .map_err(|e| e.to_string())?;
        let host = base
            .host_str()
            .ok_or_else(|| format!("server {:?}: no host", endpoint.url))?;
        let https = base.scheme() == "https";
        let port = base
            .port_or_known_default()
            .unwrap_or(if https { 443 } else { 80 });
        let authority: Authority = match base.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        }
        .parse()
        .map_err(|e| format!("server {:?}: {e}", endpoint.url))?;
        // `[::1]` in a URL is `::1` to connect to.
        let address = host.trim_start_matches('[').trim_end_matches(']');
        let connector =
            |http2| Connector::new(endpoint, address, port, https, http2, CONNECT_TIMEOUT);
        let short = connector(gateway.http2)?;
        let long = connector(false)?;
        Ok(Self {
            scheme: if https { Scheme::HTTPS } else { Scheme::HTTP },
            authority,
            base,
            short,
            long,
            pools: ThreadLocal::new(),
            upgrades,
            bearer_token: crate::bearer::BearerToken::new(endpoint),
            response_timeout: gateway.response_timeout,
        })
    }

    /// The upstream's URL.
    pub fn url(&self) -> &str {
        self.base.as_str()
    }

    /// How long the upstream may take to begin an answer.
    pub fn response_timeout(&self) -> Duration {
        self.response_timeout
    }

    /// This thread's pooled clients.
    fn pools(&self) -> &Pools {
        self.pools.get_or(|| {
            let client = |connector: &Connector| {
                Client::builder(TokioExecutor::new())
                    .pool_timer(TokioTimer::new())
                    .pool_idle_timeout(POOL_IDLE_TIMEOUT)
                    .build(connector.clone())
            };
            Pools {
                short: client(&self.short),
                long: client(&self.long),
                in_flight: AtomicUsize::new(0),
            }
        })
    }

    /// Sends `method` `path_and_query` (appended to the upstream URL's path) with `headers`
    /// and `body` over a pooled connection (`long_running`: an HTTP/1.1 one), with the
    /// gateway's bearer token if it has one (and, as reqwest would, `Accept: */*` and
    /// `User-Agent: kubeward` when the request has none); the answer's head once it has come,
    /// its body streamed.
    pub async fn send(
        &self,
        method: http::Method,
        path_and_query: &str,
        mut headers: HeaderMap,
        body: RequestBody,
        long_running: bool,
    ) -> Result<http::Response<hyper::body::Incoming>, SendError> {
        let prefix = self.base.path().trim_end_matches('/');
        let joined;
        let path_and_query = if prefix.is_empty() {
            path_and_query
        } else {
            joined = format!("{prefix}{path_and_query}");
            &joined
        };
        let uri = http::Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(path_and_query)
            .build();
        let failed = |cause: BodyError| SendError {
            url: format!("{}://{}{}", self.scheme, self.authority, path_and_query),
            cause,
        };
        // The path came parsed from the client's request: it is a valid URI's.
        let uri = uri.map_err(|e| failed(e.into()))?;
        if let Some(token) = self.bearer_token.current()
            && let Ok(value) = HeaderValue::from_str(&format!("Bearer {token}"))
        {
            let mut value = value;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        if !headers.contains_key(ACCEPT) {
            headers.insert(ACCEPT, HeaderValue::from_static("*/*"));
        }
        if !headers.contains_key(USER_AGENT) {
            headers.insert(USER_AGENT, HeaderValue::from_static("kubeward"));
        }
        let mut request = http::Request::new(body);
        *request.method_mut() = method;
        *request.headers_mut() = headers;
        *request.uri_mut() = uri;
        let pools = self.pools();
        if long_running {
            return pools
                .long
                .request(request)
                .await
                .map_err(|e| failed(e.into()));
        }
        // A lone request goes over HTTP/1.1: with nothing to share a write with, HTTP/2's
        // framing, HPACK and stream bookkeeping cost both sides more than an HTTP/1.1
        // exchange; while others are in flight, the multiplexed connection carries it (their
        // frames then share reads and writes).
        let (_sending, busy) = Sending::begin(&pools.in_flight);
        let client = if busy { &pools.short } else { &pools.long };
        client.request(request).await.map_err(|e| failed(e.into()))
    }

    /// An upgrade (exec, attach, port-forward, cp) for `path_and_query`, over HTTP/1.1, with
    /// the gateway's bearer token if it has one.
    pub fn upgrade(&self, method: http::Method, path_and_query: &str) -> reqwest::RequestBuilder {
        let prefix = self.base.path().trim_end_matches('/');
        let mut url = self.base.clone();
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        url.set_path(&format!("{prefix}{path}"));
        url.set_query((!query.is_empty()).then_some(query));
        let mut request = self.upgrades.request(method, url);
        if let Some(token) = self.bearer_token.current() {
            request = request.bearer_auth(token);
        }
        request
    }
}
