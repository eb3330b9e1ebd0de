//! etcd's own JSON gateway (`/v3/kv/range`, `/v3/maintenance/status`), a client we did not
//! write, to look at what the store left in etcd and at who leads the cluster.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// POSTs `body` to `path` of the member at `endpoint` (`http://127.0.0.1:PORT`).
pub fn post(endpoint: &str, path: &str, body: &Value) -> Value {
    let address = endpoint.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("etcd member reachable");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let body = body.to_string();
    write!(
        stream,
        "POST {path} HTTP/1.0\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (_, json) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
    serde_json::from_str(json).expect("a JSON answer")
}

/// The pair stored at `key`, as etcd's gateway shows it: `(value, mod_revision)`.
pub fn get(endpoint: &str, key: &str) -> Option<(Value, u64)> {
    let answer = post(
        endpoint,
        "/v3/kv/range",
        &json!({"key": STANDARD.encode(key)}),
    );
    let kv = answer.get("kvs")?.get(0)?;
    let value = STANDARD.decode(kv["value"].as_str()?).ok()?;
    let revision = kv["mod_revision"].as_str()?.parse().ok()?;
    Some((serde_json::from_slice(&value).ok()?, revision))
}

/// The version of the pair at `key` (how many times it was written since created).
pub fn version(endpoint: &str, key: &str) -> u64 {
    let answer = post(
        endpoint,
        "/v3/kv/range",
        &json!({"key": STANDARD.encode(key)}),
    );
    answer["kvs"][0]["version"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Whether the member at `endpoint` leads its cluster.
pub fn is_leader(endpoint: &str) -> bool {
    let status = post(endpoint, "/v3/maintenance/status", &json!({}));
    status["leader"].as_str().is_some() && status["leader"] == status["header"]["member_id"]
}
