//! The HTTPS call of a custom resource's conversion webhook, as kube-apiserver's webhook REST
//! client makes it: `POST` of the review to the URL (`?timeout=30s`), the definition's
//! `caBundle` as the only roots (else the system's), no client credential, one attempt bounded
//! by 30 s, and its failures worded as Go's client words them (`Post "<url>": dial tcp …:
//! connect: connection refused`, `context deadline exceeded`, a non-2xx status as
//! apimachinery's generic server response). One client (its pool of connections) serves all
//! the calls with the same roots and address, as Go's transport cache does; an answer larger
//! than twice the review plus 1 MiB is an error (kube-apiserver reads any size), never cut
//! short. Registry code is synchronous: the call runs on a
//! small runtime of its own and the caller's thread waits for it (an async worker first hands
//! its other tasks off, `block_in_place`).

use std::collections::HashMap;
use std::net::{SocketAddr, ToSocketAddrs as _};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use tokio::runtime::{Handle, Runtime, RuntimeFlavor};

use super::client::{MAX_ANSWER, Read, read_limited};

/// Where a review is posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The URL, `?timeout=30s` included.
    pub url: String,
    /// The PEM roots (`caBundle`); `None`: the system's.
    pub ca_pem: Option<String>,
    /// The address to connect to instead of resolving the URL's host (a Service's cluster IP):
    /// the host still names the server for TLS.
    pub connect_to: Option<SocketAddr>,
}

/// The runtime the calls run on, started at the first call.
static RUNTIME: LazyLock<Option<Runtime>> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("conversion-webhook")
        .enable_all()
        .build()
        .ok()
});

/// Posts `body` to `target` and returns the answer of a 2xx, waiting on this thread; the error
/// as Go's client prints it after `Post "<url>": ` (a status error without that prefix).
pub fn post(target: &Target, body: Vec<u8>, timeout: Duration) -> Result<Vec<u8>, String> {
    let Some(runtime) = RUNTIME.as_ref() else {
        return Err("the conversion webhook runtime could not start".to_string());
    };
    let (sender, receiver) = std::sync::mpsc::sync_channel(1);
    let owned = target.clone();
    runtime.spawn(async move {
        let _ = sender.send(attempt(&owned, body, timeout).await);
    });
    let wait = move || {
        receiver
            .recv()
            .unwrap_or_else(|_| Err("the conversion webhook call was dropped".to_string()))
    };
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(wait)
        }
        _ => wait(),
    }
}

/// What one cached client is for: the roots it trusts and where it connects a host name to.
#[derive(Clone, PartialEq, Eq, Hash)]
struct ClientKey {
    ca_pem: Option<String>,
    host: String,
    connect_to: Option<SocketAddr>,
}

/// The most clients kept; past it the cache starts again (definitions whose `caBundle` or
/// Service address keep changing must not grow it without end).
const MAX_CLIENTS: usize = 64;

/// The clients built so far, each with its pool of connections, by what they are for.
static CLIENTS: LazyLock<Mutex<HashMap<ClientKey, reqwest::Client>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The client for `key`, built at its first call and reused by the later ones.
fn client(key: &ClientKey) -> Result<reqwest::Client, String> {
    let mut clients = CLIENTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(client) = clients.get(key) {
        return Ok(client.clone());
    }
    let mut builder = reqwest::Client::builder()
        .user_agent("kube-apiserver-admission")
        .redirect(reqwest::redirect::Policy::none());
    if let Some(pem) = &key.ca_pem {
        let roots = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .map_err(|e| format!("caBundle: {e}"))?;
        builder = builder.tls_certs_only(roots);
    }
    if let Some(address) = key.connect_to {
        builder = builder.resolve(&key.host, address);
    }
    let client = builder.build().map_err(|e| e.to_string())?;
    if clients.len() >= MAX_CLIENTS {
        clients.clear();
    }
    clients.insert(key.clone(), client.clone());
    Ok(client)
}

/// The most a conversion answer may hold: the objects come back converted, so it scales with
/// the review sent (twice its size, plus the 1 MiB any webhook answer may have).
fn answer_limit(sent: usize) -> usize {
    sent.saturating_mul(2).saturating_add(MAX_ANSWER)
}

async fn attempt(target: &Target, body: Vec<u8>, timeout: Duration) -> Result<Vec<u8>, String> {
    let url = reqwest::Url::parse(&target.url)
        .map_err(|e| format!("parse {}: {e}", kubeward_core::go::quote(&target.url)))?;
    let post_error =
        |cause: String| format!("Post {}: {cause}", kubeward_core::go::quote(url.as_str()));
    let host = url.host_str().unwrap_or("").to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    let key = ClientKey {
        ca_pem: target.ca_pem.clone(),
        host: host.clone(),
        connect_to: target.connect_to,
    };
    let client = client(&key).map_err(post_error)?;
    // The address Go's dial error names, worked out only when a call failed.
    let dialed = || {
        target
            .connect_to
            .map(|a| a.to_string())
            .or_else(|| {
                (host.trim_matches(['[', ']']), port)
                    .to_socket_addrs()
                    .ok()
                    .and_then(|mut addresses| addresses.next())
                    .map(|a| a.to_string())
            })
            .unwrap_or_else(|| format!("{host}:{port}"))
    };
    let limit = answer_limit(body.len());
    let response = client
        .post(url.clone())
        .timeout(timeout)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::ACCEPT, "application/json, */*")
        .body(body)
        .send()
        .await
        .map_err(|e| post_error(transport_error(&e, &dialed())))?;
    let code = response.status().as_u16();
    let answer = read_limited(response, limit).await.map_err(|e| match e {
        Read::Transport(e) => post_error(transport_error(&e, &dialed())),
        too_large @ Read::TooLarge(_) => post_error(too_large.to_string()),
    })?;
    if !(200..300).contains(&code) {
        return Err(status_error(code, &answer));
    }
    Ok(answer)
}

/// A transport failure as Go's `net/http` words it.
fn transport_error(error: &reqwest::Error, dialed: &str) -> String {
    if error.is_timeout() {
        return "context deadline exceeded".to_string();
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    return format!("dial tcp {dialed}: connect: connection refused");
                }
                std::io::ErrorKind::TimedOut => {
                    return format!("dial tcp {dialed}: i/o timeout");
                }
                _ => {}
            }
        }
        let text = cause.to_string();
        if text.contains("UnknownIssuer") {
            return "tls: failed to verify certificate: x509: certificate signed by unknown authority"
                .to_string();
        }
        source = cause.source();
    }
    kubeward_core::go::error_chain(error)
}

/// A non-2xx answer: the message of a `Status` body, else apimachinery's generic server
/// response (`NewGenericServerResponse`) for the code.
fn status_error(code: u16, answer: &[u8]) -> String {
    if let Ok(status) = serde_json::from_slice::<serde_json::Value>(answer)
        && status.get("kind").and_then(serde_json::Value::as_str) == Some("Status")
        && let Some(message) = status
            .get("message")
            .and_then(serde_json::Value::as_str)
            .filter(|m| !m.is_empty())
    {
        return message.to_string();
    }
    let server = String::from_utf8_lossy(answer).trim().to_string();
    match code {
        409 => "the server reported a conflict".to_string(),
        404 => "the server could not find the requested resource".to_string(),
        400 => "the server rejected our request for an unknown reason".to_string(),
        401 => "the server has asked for the client to provide credentials".to_string(),
        403 | 415 => server,
        406 if server.is_empty() || server == "unknown" => {
            "the server was unable to respond with a content type that the client supports"
                .to_string()
        }
        406 => server,
        405 => "the server does not allow this method on the requested resource".to_string(),
        422 => "the server rejected our request due to an error in our request".to_string(),
        503 => "the server is currently unable to handle the request".to_string(),
        504 => "the server was unable to return a response in the time allotted, but may still be processing the request".to_string(),
        429 => "the server has received too many requests and has asked us to try again later"
            .to_string(),
        code if code >= 500 => format!(
            "an error on the server ({}) has prevented the request from succeeding",
            kubeward_core::go::quote(&server)
        ),
        code => format!(
            "the server responded with the status code {code} but did not return more information"
        ),
    }
}

#[cfg(test)]
mod tests;
