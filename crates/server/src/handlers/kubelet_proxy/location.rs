//! Where a request for `pods/{log,exec,attach,portforward}` goes on the pod's kubelet, as
//! kube-apiserver's pod registry decides it (`LogLocation`, `ExecLocation`, `AttachLocation`,
//! `PortForwardLocation`, `validateContainer`, the node's `GetConnectionInfo`), and what of the
//! client's request is passed on. Pure.

use http::HeaderMap;
use kubeward_core::status::{self, Status};
use serde_json::Value;

use crate::registry::objects;

/// The kubelet's port when a Node does not say (`ports.KubeletPort`).
const DEFAULT_KUBELET_PORT: u16 = 10250;

/// Go's `strconv.ParseBool` true values.
fn go_bool(value: &str) -> bool {
    matches!(value, "1" | "t" | "T" | "true" | "TRUE" | "True")
}

/// `validateContainer`: the container named (it must be one of the pod's), else the pod's only
/// container, else kube-apiserver's 400 naming the choices.
pub fn container_of(pod: &Value, wanted: &str) -> Result<String, Status> {
    let name = objects::name(pod);
    let names_in = |fields: &[&str]| -> Vec<String> {
        fields
            .iter()
            .flat_map(|field| {
                pod.pointer(&format!("/spec/{field}"))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
            .collect()
    };
    let all = names_in(&["initContainers", "containers", "ephemeralContainers"]);
    if !wanted.is_empty() {
        if all.iter().any(|n| n == wanted) {
            return Ok(wanted.to_string());
        }
        return Err(status::bad_request(&format!(
            "container {wanted} is not valid for pod {name}"
        )));
    }
    match names_in(&["containers"]).as_slice() {
        [only] => Ok(only.clone()),
        [] => Err(status::bad_request(&format!(
            "a container name must be specified for pod {name}"
        ))),
        _ => Err(status::bad_request(&format!(
            "a container name must be specified for pod {name}, choose one of: [{}]",
            all.join(" ")
        ))),
    }
}

/// Where a node's kubelet listens: the first of its InternalIP, ExternalIP, Hostname,
/// InternalDNS and ExternalDNS addresses, and the port of
/// `status.daemonEndpoints.kubeletEndpoint` (10250 when 0 or absent).
pub fn kubelet_address(node: &Value) -> Option<(String, u16)> {
    let addresses = node
        .pointer("/status/addresses")
        .and_then(Value::as_array)?;
    let address_of = |kind: &str| {
        addresses
            .iter()
            .find(|a| a.get("type").and_then(Value::as_str) == Some(kind))
            .and_then(|a| a.get("address").and_then(Value::as_str))
    };
    let host = [
        "InternalIP",
        "ExternalIP",
        "Hostname",
        "InternalDNS",
        "ExternalDNS",
    ]
    .iter()
    .find_map(|kind| address_of(kind))?
    .to_string();
    let port = node
        .pointer("/status/daemonEndpoints/kubeletEndpoint/Port")
        .and_then(Value::as_u64)
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p != 0)
        .unwrap_or(DEFAULT_KUBELET_PORT);
    Some((host, port))
}

/// The kubelet path and query for `subresource` of `pod` with the client's `query`
/// (`streamParams` for exec and attach, the log options for logs, `ports` for port forwarding).
pub fn kubelet_path(
    subresource: &str,
    query: &[(String, String)],
    pod: &Value,
) -> Result<String, Status> {
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let flag = |name: &str| get(name).is_some_and(go_bool);
    let namespace = objects::namespace(pod);
    let name = objects::name(pod);
    let mut params: Vec<(String, String)> = Vec::new();
    let path = match subresource {
        "log" => {
            let container = container_of(pod, get("container").unwrap_or(""))?;
            for param in ["follow", "previous", "timestamps"] {
                if flag(param) {
                    params.push((param.into(), "true".into()));
                }
            }
            for param in ["sinceSeconds", "sinceTime", "tailLines", "limitBytes"] {
                if let Some(value) = get(param) {
                    params.push((param.into(), value.into()));
                }
            }
            format!("/containerLogs/{namespace}/{name}/{container}")
        }
        "exec" | "attach" => {
            let container = container_of(pod, get("container").unwrap_or(""))?;
            for (param, kubelet) in [
                ("stdin", "input"),
                ("stdout", "output"),
                ("stderr", "error"),
                ("tty", "tty"),
            ] {
                if flag(param) {
                    params.push((kubelet.into(), "1".into()));
                }
            }
            if subresource == "exec" {
                for (_, command) in query.iter().filter(|(k, _)| k == "command") {
                    params.push(("command".into(), command.clone()));
                }
            }
            format!("/{subresource}/{namespace}/{name}/{container}")
        }
        _ => {
            let ports: Vec<&str> = query
                .iter()
                .filter(|(k, _)| k == "ports")
                .map(|(_, v)| v.as_str())
                .collect();
            if !ports.is_empty() {
                params.push(("port".into(), ports.join(",")));
            }
            format!("/portForward/{namespace}/{name}")
        }
    };
    if params.is_empty() {
        return Ok(path);
    }
    Ok(format!("{path}?{}", encode_query(&params)))
}

/// Go's `url.Values.Encode`: keys sorted (values of one key in their order), percent-encoded.
pub fn encode_query(params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted
        .iter()
        .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Go's `url.QueryEscape`.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte))
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// Whether a request asks for a connection upgrade (SPDY or WebSocket).
pub fn wants_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("upgrade"))
}

/// The client's headers that go on to the kubelet: not its credentials, not the ones naming
/// this hop (`Connection` and `Upgrade` only for an upgrade).
pub fn forwarded_headers(headers: &HeaderMap, upgrade: bool) -> HeaderMap {
    let mut out = HeaderMap::new();
    for (name, value) in headers {
        let lower = name.as_str();
        let hop = matches!(
            lower,
            "authorization"
                | "host"
                | "proxy-authorization"
                | "keep-alive"
                | "te"
                | "trailer"
                | "transfer-encoding"
                | "content-length"
        ) || lower.starts_with("impersonate-");
        let upgrade_header = matches!(lower, "connection" | "upgrade");
        if hop || (upgrade_header && !upgrade) {
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    out
}

/// kube-apiserver's `GenericHttpResponseChecker` for logs: a kubelet error becomes a Status.
pub fn log_failure(code: u16, text: String, pod: &str) -> Status {
    match code {
        400 => status::bad_request(&text),
        500 => status::internal_error(&text),
        404 => Status::failure(404, "NotFound", text, None),
        _ => Status::failure(code, "", format!("{text} (pods/log {pod})"), None),
    }
}

#[cfg(test)]
mod tests;
