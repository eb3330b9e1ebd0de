//! The kubelet API over HTTPS (rustls; the serving certificate from the cluster CA; clients
//! present certificates from that CA): `/containerLogs`, `/exec`, `/attach`, `/portForward`,
//! `/pods` and `/healthz`, each request authorized by a SubjectAccessReview.

mod auth;
mod command;
mod exec;
mod logs;
mod portforward;
mod spdy_conn;
mod streams;
mod transport;
mod ws_conn;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::config::Credential;
use crate::pods::{PodRegistry, PodRuntime};
use crate::remotecommand::Options;

pub use auth::Authorizer;

/// The body of every response.
pub type Body = BoxBody<Bytes, std::io::Error>;

/// An empty body.
pub fn empty() -> Body {
    Full::new(Bytes::new())
        .map_err(|never: Infallible| match never {})
        .boxed()
}

/// A plain-text response, as go-restful's `WriteError` writes one.
pub fn text(code: StatusCode, message: &str) -> Response<Body> {
    let body = Full::new(Bytes::from(message.to_string()))
        .map_err(|never: Infallible| match never {})
        .boxed();
    let mut response = Response::new(body);
    *response.status_mut() = code;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// The TLS acceptor of the kubelet API: `serving` as the certificate; client certificates from
/// `ca_pem` verified when presented (a request without one gets 401, as the kubelet answers).
pub fn acceptor(serving: &Credential, ca_pem: &str) -> Result<TlsAcceptor, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let chain = CertificateDer::pem_slice_iter(serving.cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("serving certificate: {e}"))?;
    let key = PrivateKeyDer::from_pem_slice(serving.key_pem.as_bytes())
        .map_err(|e| format!("serving key: {e}"))?;
    let mut roots = rustls::RootCertStore::empty();
    for der in crate::client::pem_blocks(ca_pem)? {
        roots
            .add(CertificateDer::from(der))
            .map_err(|e| format!("cluster CA: {e}"))?;
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .allow_unauthenticated()
    .build()
    .map_err(|e| format!("client verifier: {e}"))?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| e.to_string())?;
    // Upgrades (SPDY, WebSocket) are HTTP/1.1.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// What the API handlers share.
pub struct ApiState {
    /// The pods of this node.
    pub registry: Arc<PodRegistry>,
    /// Asks the API server whether a caller may use the kubelet API.
    pub authorizer: Authorizer,
}

/// How long a client has for the TLS handshake, and then for each request's header block —
/// including the wait for the next request on a kept-alive connection, so it is also the idle
/// timeout. The kubelet's server closes idle connections after 90 s (`IdleTimeout`); its
/// `ReadTimeout` of 4 hours would let a client that stalls before its first request hold the
/// connection that long, so the lab node applies the 90 s there too. Upgraded streams (exec,
/// attach, port-forward) and `logs -f` are not bounded by it.
pub const CLIENT_DEADLINE: Duration = Duration::from_secs(90);

/// The largest request header block (the kubelet's `MaxHeaderBytes`, 1 MiB).
const MAX_HEADER_BYTES: usize = 1 << 20;

/// Accepts connections until the task is dropped.
pub async fn serve(listener: TcpListener, acceptor: TlsAcceptor, state: Arc<ApiState>) {
    serve_with_deadline(listener, acceptor, state, CLIENT_DEADLINE).await;
}

/// [`serve`] with `deadline` for the handshake and each header block.
async fn serve_with_deadline(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    state: Arc<ApiState>,
    deadline: Duration,
) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let state = state.clone();
        tokio::spawn(async move {
            let Ok(Ok(tls)) = tokio::time::timeout(deadline, acceptor.accept(tcp)).await else {
                return;
            };
            let user = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|chain| chain.first())
                .and_then(|leaf| auth::user_of(leaf.as_ref()));
            let service = hyper::service::service_fn(move |request| {
                let state = state.clone();
                let user = user.clone();
                async move { Ok::<_, Infallible>(handle(&state, user, request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(deadline)
                .max_buf_size(MAX_HEADER_BYTES)
                .serve_connection(TokioIo::new(tls), service)
                .with_upgrades()
                .await;
        });
    }
}

fn query_pairs(request: &Request<Incoming>) -> Vec<(String, String)> {
    let query = request.uri().query().unwrap_or("");
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Percent-decoding of a query component (`+` is a space).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
                continue;
            }
            (b'+', _) => out.push(b' '),
            (other, _) => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn pod_or_404(
    state: &ApiState,
    namespace: &str,
    name: &str,
    uid: Option<&str>,
) -> Result<Arc<PodRuntime>, Box<Response<Body>>> {
    match state.registry.get(namespace, name) {
        Some(pod) if uid.is_none_or(|u| u.is_empty() || u == pod.uid) => Ok(pod),
        Some(_) => Err(Box::new(text(StatusCode::NOT_FOUND, "pod not found"))),
        None => Err(Box::new(text(StatusCode::NOT_FOUND, "pod does not exist"))),
    }
}

async fn handle(
    state: &ApiState,
    user: Option<auth::User>,
    request: Request<Incoming>,
) -> Response<Body> {
    let Some(user) = user else {
        return text(StatusCode::UNAUTHORIZED, "Unauthorized");
    };
    let path = request.uri().path().to_string();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let verb = auth::verb(request.method());
    let subresource = "proxy";
    match state.authorizer.allowed(&user, verb, subresource).await {
        Ok(true) => {}
        Ok(false) => {
            return text(
                StatusCode::FORBIDDEN,
                &auth::forbidden_message(&user, verb, subresource),
            );
        }
        Err(error) => {
            return text(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("Authorization error (user={}, verb={verb}, resource=nodes, subresource={subresource})", user.name),
            )
            .map(|body| {
                tracing::warn!(%error, "SubjectAccessReview failed");
                body
            });
        }
    }
    let query = query_pairs(&request);
    match segments.as_slice() {
        ["healthz"] => text(StatusCode::OK, "ok"),
        ["pods"] | ["pods", ""] => {
            let items: Vec<_> = state.registry.all().iter().map(|p| p.pod()).collect();
            let list = serde_json::json!({"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": items});
            let mut response = text(StatusCode::OK, &list.to_string());
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            response
        }
        ["containerLogs", namespace, pod, container] => {
            if request.method() != http::Method::GET {
                return text(StatusCode::METHOD_NOT_ALLOWED, "405: Method Not Allowed");
            }
            match state.registry.get(namespace, pod) {
                Some(runtime) => logs::serve(runtime, container, &query),
                None => text(
                    StatusCode::NOT_FOUND,
                    &format!("pod {pod:?} does not exist"),
                ),
            }
        }
        ["exec", namespace, pod, rest @ ..] | ["attach", namespace, pod, rest @ ..]
            if !rest.is_empty() && rest.len() <= 2 =>
        {
            let (uid, container) = match rest {
                [container] => (None, *container),
                [uid, container] => (Some(*uid), *container),
                _ => (None, ""),
            };
            let options = match Options::from_query(&query) {
                Ok(options) => options,
                Err(message) => return text(StatusCode::BAD_REQUEST, &message),
            };
            let runtime = match pod_or_404(state, namespace, pod, uid) {
                Ok(runtime) => runtime,
                Err(response) => return *response,
            };
            let not_found = || {
                text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &format!("container not found ({container:?})"),
                )
            };
            let running = runtime
                .with_slot(container, |slot| {
                    let instance = slot.instance.clone().filter(|i| *i.running.borrow())?;
                    Some((instance, slot.spec.clone()?))
                })
                .flatten();
            let Some((instance, spec)) = running else {
                return not_found();
            };
            if segments[0] == "exec" {
                let argv: Vec<String> = query
                    .iter()
                    .filter(|(k, _)| k == "command")
                    .map(|(_, v)| v.clone())
                    .collect();
                exec::serve(request, options, move |streams| {
                    command::exec(streams, argv, spec)
                })
            } else {
                exec::serve(request, options, move |streams| {
                    command::attach(streams, instance)
                })
            }
        }
        ["portForward", namespace, pod, rest @ ..] if rest.len() <= 1 => {
            let runtime = match pod_or_404(state, namespace, pod, rest.first().copied()) {
                Ok(runtime) => runtime,
                Err(response) => return *response,
            };
            portforward::serve(request, &query, runtime.name.clone(), runtime.uid.clone())
        }
        _ => text(StatusCode::NOT_FOUND, "404 page not found\n"),
    }
}

#[cfg(test)]
mod tests;
