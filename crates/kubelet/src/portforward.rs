//! Port forwarding as the kubelet serves it (`cri/streaming/portforward`), sans I/O.
//!
//! Over SPDY (`portforward.k8s.io`), the client opens two streams per forwarded connection, an
//! `error` and a `data` stream, with the same `port` and `requestID` headers; [`Pairs`] matches
//! them. Over WebSocket (`v4.channel.k8s.io`), the ports come from the `port` query parameter
//! and each gets a data channel `2i` and an error channel `2i+1`, each opened by a message
//! carrying the port as a little-endian `u16`.

use std::collections::BTreeMap;

use crate::spdy::Headers;

/// `portforward.k8s.io`, the one SPDY port-forward protocol.
pub const PROTOCOL: &str = "portforward.k8s.io";
/// The WebSocket subprotocol prefix of SPDY tunnelled through WebSocket (kubectl 1.31+).
pub const TUNNELING_PREFIX: &str = "SPDY/3.1+";

/// Go's `strconv.ParseUint(s, 10, 16)` error text.
fn parse_port(text: &str) -> Result<u16, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "strconv.ParseUint: parsing {text:?}: invalid syntax"
        ));
    }
    text.parse::<u16>()
        .map_err(|_| format!("strconv.ParseUint: parsing {text:?}: value out of range"))
}

/// Which stream of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKind {
    /// The error stream: the kubelet writes a failure's text on it.
    Error,
    /// The data stream: the forwarded bytes.
    Data,
}

/// A SPDY stream the kubelet accepted for port forwarding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortStream {
    /// The stream id.
    pub stream_id: u32,
    /// The pod port.
    pub port: u16,
    /// Error or data.
    pub kind: StreamKind,
    /// The request it belongs to.
    pub request_id: String,
}

/// `httpStreamReceived`: the checks on a new stream's headers; the error rejects the stream.
pub fn accept_stream(stream_id: u32, headers: &Headers) -> Result<PortStream, String> {
    let port_text = headers.get("port").unwrap_or("");
    if port_text.is_empty() {
        return Err("\"port\" header is required".to_string());
    }
    let port = parse_port(port_text)
        .map_err(|e| format!("unable to parse {port_text:?} as a port: {e}"))?;
    if port < 1 {
        return Err(format!("port {port_text:?} must be > 0"));
    }
    let kind = match headers.get("streamType").unwrap_or("") {
        "" => return Err("\"streamType\" header is required".to_string()),
        "error" => StreamKind::Error,
        "data" => StreamKind::Data,
        other => return Err(format!("invalid stream type {other:?}")),
    };
    // Old clients send no requestID: the kubelet derives one from consecutive stream ids.
    let request_id = match headers.get("requestID").filter(|r| !r.is_empty()) {
        Some(id) => id.to_string(),
        None => match kind {
            StreamKind::Error => stream_id.to_string(),
            StreamKind::Data => (i64::from(stream_id) - 2).to_string(),
        },
    };
    Ok(PortStream {
        stream_id,
        port,
        kind,
        request_id,
    })
}

/// A complete pair: forward `port` with these two streams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// The request id.
    pub request_id: String,
    /// The pod port (from the data stream).
    pub port: u16,
    /// The data stream.
    pub data: u32,
    /// The error stream.
    pub error: u32,
}

#[derive(Debug, Default)]
struct Pending {
    data: Option<PortStream>,
    error: Option<PortStream>,
}

/// Matches error and data streams by request id.
#[derive(Debug, Default)]
pub struct Pairs {
    pending: BTreeMap<String, Pending>,
}

/// A stream that does not fit its request: the text goes on the request's error stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairError {
    /// The error stream to write on, if the request has one.
    pub error_stream: Option<u32>,
    /// `error processing stream for request …: …`.
    pub message: String,
}

impl Pairs {
    /// No requests pending.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a stream; returns the pair when both of its streams are there.
    pub fn add(&mut self, stream: PortStream) -> Result<Option<Pair>, PairError> {
        let request_id = stream.request_id.clone();
        let pending = self.pending.entry(request_id.clone()).or_default();
        let slot = match stream.kind {
            StreamKind::Error => &mut pending.error,
            StreamKind::Data => &mut pending.data,
        };
        if slot.is_some() {
            let which = match stream.kind {
                StreamKind::Error => "error",
                StreamKind::Data => "data",
            };
            return Err(PairError {
                error_stream: pending.error.as_ref().map(|s| s.stream_id),
                message: format!(
                    "error processing stream for request {request_id}: {which} stream already assigned"
                ),
            });
        }
        *slot = Some(stream);
        if let (Some(data), Some(error)) = (&pending.data, &pending.error) {
            let pair = Pair {
                request_id: request_id.clone(),
                port: data.port,
                data: data.stream_id,
                error: error.stream_id,
            };
            self.pending.remove(&request_id);
            return Ok(Some(pair));
        }
        Ok(None)
    }

    /// Drops a request that did not complete in time; returns its error stream, if any, with
    /// the kubelet's text for it.
    pub fn expire(&mut self, request_id: &str) -> Option<(Option<u32>, String)> {
        let pending = self.pending.remove(request_id)?;
        Some((
            pending.error.map(|s| s.stream_id),
            format!("(request={request_id}) timed out waiting for streams"),
        ))
    }

    /// Whether a request is still waiting for a stream.
    pub fn is_pending(&self, request_id: &str) -> bool {
        self.pending.contains_key(request_id)
    }
}

/// The ports of a WebSocket port-forward request (`port` query parameters, each
/// comma-separated), with the kubelet's errors.
pub fn websocket_ports(pairs: &[(String, String)]) -> Result<Vec<u16>, String> {
    let values: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "port")
        .map(|(_, v)| v.as_str())
        .collect();
    if values.is_empty() {
        return Err("query parameter \"port\" is required".to_string());
    }
    let mut ports = Vec::new();
    for value in values {
        if value.is_empty() {
            return Err("query parameter \"port\" cannot be empty".to_string());
        }
        for part in value.split(',') {
            let port = parse_port(part)
                .map_err(|e| format!("unable to parse {value:?} as a port: {e}"))?;
            if port < 1 {
                return Err(format!("port {value:?} must be > 0"));
            }
            ports.push(port);
        }
    }
    Ok(ports)
}

/// The first message of each channel of a WebSocket port forward: the port, little-endian.
pub fn port_prefix(port: u16) -> [u8; 2] {
    port.to_le_bytes()
}

/// The text the kubelet writes on the error stream when forwarding fails.
pub fn forward_error(port: u16, pod: &str, uid: &str, error: &str) -> String {
    format!("error forwarding port {port} to pod {pod}, uid {uid}: {error}")
}

/// The subprotocols of a tunnelling request (`SPDY/3.1+portforward.k8s.io`), prefix removed.
pub fn tunneled_protocols(requested: &[String]) -> Vec<String> {
    requested
        .iter()
        .filter_map(|p| p.strip_prefix(TUNNELING_PREFIX))
        .filter(|p| p.ends_with(".k8s.io"))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests;
