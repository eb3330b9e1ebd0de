//! The cluster a gateway forwards to: its URL and the gateway's own credential (what the
//! upstream kubeconfig says: CA, client certificate or bearer token), one HTTP/2-capable client
//! for ordinary requests and watches (no overall timeout: a watch lasts as long as the client
//! keeps it) and one HTTP/1.1 client for upgraded connections (exec, attach, port-forward over
//! SPDY or WebSocket), both through reqwest on hyper.

use std::time::Duration;

use crate::config::Gateway;

/// How long connecting to the upstream may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The upstream API server.
pub struct Upstream {
    base: reqwest::Url,
    client: reqwest::Client,
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
        let build = |http1_only: bool| -> Result<reqwest::Client, String> {
            let mut builder = crate::webhooks::client::builder(endpoint)?
                .connect_timeout(CONNECT_TIMEOUT)
                .tcp_nodelay(true)
                .pool_idle_timeout(Duration::from_secs(90));
            if http1_only {
                builder = builder.http1_only();
            }
            builder.build().map_err(|e| e.to_string())
        };
        Ok(Self {
            base,
            client: build(false)?,
            upgrades: build(true)?,
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

    /// A request for `path_and_query` (appended to the upstream URL's path), with the
    /// gateway's bearer token if it has one; `upgrade` picks the HTTP/1.1 client.
    pub fn request(
        &self,
        method: http::Method,
        path_and_query: &str,
        upgrade: bool,
    ) -> reqwest::RequestBuilder {
        let prefix = self.base.path().trim_end_matches('/');
        let mut url = self.base.clone();
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        url.set_path(&format!("{prefix}{path}"));
        url.set_query((!query.is_empty()).then_some(query));
        let client = if upgrade {
            &self.upgrades
        } else {
            &self.client
        };
        let mut request = client.request(method, url);
        if let Some(token) = self.bearer_token.current() {
            request = request.bearer_auth(token);
        }
        request
    }
}
