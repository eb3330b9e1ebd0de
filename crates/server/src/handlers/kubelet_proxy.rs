//! `pods/log`, `pods/exec`, `pods/attach` and `pods/portforward`: the API server finds the
//! pod's node and proxies the request to that node's kubelet API (kube-apiserver's pod
//! `*Location` functions and its upgrade-aware proxy). SPDY and WebSocket upgrades pass through
//! as they are: the kubelet answers both. The API server authenticates to the kubelet with its
//! kubelet client certificate and checks the kubelet's serving certificate against the kubelet
//! CA (`state.kubelet_tls`). Where the request goes is `location`.

use bytes::Bytes;
use http::{HeaderValue, Request, Response};
use http_body_util::{BodyExt as _, Empty};
use hyper::body::Incoming;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use kubeward_core::status::{self, Status};

use super::context::{Context, not_allowed};
use crate::codec::body::{self, RequestBody};
use crate::codec::respond::{self, Body};
use crate::registry::generic;
use crate::registry::kinds::core as kinds;
use crate::registry::printing::text;

pub mod location;

/// Whether `subresource` of pods is one this module proxies.
pub fn proxies(subresource: &str) -> bool {
    matches!(subresource, "log" | "exec" | "attach" | "portforward")
}

/// Serves a request for `pods/{log,exec,attach,portforward}`.
pub async fn handle(mut context: Context<'_>, request_body: RequestBody) -> Response<Body> {
    let on_upgrade = context.upgrade.take();
    let _ = body::read(request_body).await;
    match proxy(&context, on_upgrade).await {
        Ok(response) => response,
        Err(failure) => respond::status(&failure, context.pretty),
    }
}

/// kube-apiserver's proxy error: an error that is not a Status (reason Unknown, 500).
fn dial_failure(error: impl std::fmt::Display) -> Status {
    Status::failure(500, "", format!("error dialing backend: {error}"), None)
}

async fn proxy(
    context: &Context<'_>,
    on_upgrade: Option<OnUpgrade>,
) -> Result<Response<Body>, Status> {
    let state = context.state;
    let name = &context.info.name;
    let subresource = context.info.subresource.as_str();
    let method = context.parts.method.clone();
    let allowed =
        method == http::Method::GET || (subresource != "log" && method == http::Method::POST);
    if !allowed {
        return Err(not_allowed(
            "",
            &format!("pods/{subresource}"),
            context.info.verb.as_str(),
        ));
    }
    let pod = generic::get(state, kinds::pods(), &context.info.namespace, name)?;
    let query = kubeward_core::request_info::parse_query(context.parts.uri.query().unwrap_or(""));
    let target = location::kubelet_path(subresource, &query, &pod)?;
    let node_name = text(&pod, "/spec/nodeName");
    if node_name.is_empty() {
        if subresource == "log" {
            // LogLocation: no node, no logs (an empty answer).
            return Ok(respond::with(
                200,
                "text/plain",
                respond::full(Bytes::new()),
            ));
        }
        return Err(status::bad_request(&format!(
            "pod {name} does not have a host assigned"
        )));
    }
    let node = generic::get(state, kinds::nodes(), "", &node_name)?;
    let (host, port) = location::kubelet_address(&node)
        .ok_or_else(|| dial_failure(format!("no address for node {node_name}")))?;
    let Some(connector) = &state.kubelet_tls else {
        return Err(dial_failure(
            "the API server has no kubelet client certificate (--kubelet-client-certificate)",
        ));
    };
    let tls = kubeward_net::connect(connector, &host, port)
        .await
        .map_err(|e| dial_failure(format!("dial tcp {host}:{port}: {e}")))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .map_err(dial_failure)?;
    tokio::spawn(connection.with_upgrades());
    let upgrade = location::wants_upgrade(&context.parts.headers);
    let mut request = Request::builder()
        .method(method)
        .uri(&target)
        .body(Empty::<Bytes>::new())
        .map_err(|e| status::internal_error(&e.to_string()))?;
    *request.headers_mut() = location::forwarded_headers(&context.parts.headers, upgrade);
    if let Ok(value) = HeaderValue::from_str(&format!("{host}:{port}")) {
        request.headers_mut().insert(http::header::HOST, value);
    }
    let mut response = sender.send_request(request).await.map_err(dial_failure)?;
    let code = response.status().as_u16();
    if code == 101 {
        let (Some(client), true) = (on_upgrade, upgrade) else {
            return Err(status::internal_error(
                "unexpected upgrade from the kubelet",
            ));
        };
        let kubelet = hyper::upgrade::on(&mut response);
        let mut answer = Response::new(respond::full(Bytes::new()));
        *answer.status_mut() = response.status();
        *answer.headers_mut() = response.headers().clone();
        tokio::spawn(join(client, kubelet));
        return Ok(answer);
    }
    let (parts, body) = response.into_parts();
    if subresource == "log" {
        if !(200..=206).contains(&code) {
            let bytes = body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let message = String::from_utf8_lossy(&bytes[..bytes.len().min(1 << 20)]);
            return Err(location::log_failure(code, message.into_owned(), name));
        }
        let mut answer = respond::with(code, "text/plain", stream(body));
        answer.headers_mut().remove(http::header::CACHE_CONTROL);
        return Ok(answer);
    }
    // A refused upgrade goes back as the kubelet wrote it.
    let mut answer = Response::new(stream(body));
    *answer.status_mut() = parts.status;
    *answer.headers_mut() = parts.headers;
    Ok(answer)
}

/// Joins the client's upgraded connection and the kubelet's, byte for byte, until either ends.
async fn join(client: OnUpgrade, kubelet: OnUpgrade) {
    let (Ok(client), Ok(kubelet)) = tokio::join!(client, kubelet) else {
        return;
    };
    let _ =
        tokio::io::copy_bidirectional(&mut TokioIo::new(client), &mut TokioIo::new(kubelet)).await;
}

/// Streams a kubelet response body to the client.
fn stream(body: Incoming) -> Body {
    let frames = futures_util::stream::unfold(body, |mut body| async move {
        match body.frame().await {
            Some(Ok(frame)) => Some((Ok::<_, std::convert::Infallible>(frame), body)),
            _ => None,
        }
    });
    http_body_util::StreamBody::new(frames).boxed()
}

#[cfg(test)]
mod tests;
