//! Which headers cross the gateway: hop-by-hop headers (and those the `Connection` header
//! names) never do, except `Connection: Upgrade` and `Upgrade` on an upgrade; the client's
//! `Authorization` and every `Impersonate-*` header are dropped (the gateway speaks for the
//! user with its own credential and its own impersonation headers, built from the
//! authenticated — and, when allowed, impersonated — user).

use http::header::{AUTHORIZATION, CONNECTION, HeaderMap, HeaderName, HeaderValue, UPGRADE};
use kubeward_core::UserInfo;

/// Hop-by-hop headers (RFC 9110 §7.6.1, plus the legacy ones proxies drop).
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Whether the request asks to upgrade the connection (`Connection: Upgrade` and `Upgrade`).
pub fn is_upgrade(headers: &HeaderMap) -> bool {
    headers.contains_key(UPGRADE) && connection_tokens(headers).iter().any(|t| t == "upgrade")
}

/// The `Connection` header's tokens, lowercase.
fn connection_tokens(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Whether `name` is hop-by-hop here (one of the list, or named by `Connection`).
fn is_hop_by_hop(name: &HeaderName, named: &[String]) -> bool {
    HOP_BY_HOP.contains(&name.as_str()) || named.iter().any(|n| n == name.as_str())
}

/// The request headers forwarded upstream: no hop-by-hop header, no `Authorization`, no
/// `Impersonate-*`, no `Host` (the client sets the upstream's); for an upgrade,
/// `Connection: Upgrade` and the `Upgrade` header pass.
pub fn forwarded_request_headers(headers: &HeaderMap, upgrade: bool) -> HeaderMap {
    let named = connection_tokens(headers);
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if is_hop_by_hop(name, &named)
            || name == AUTHORIZATION
            || name == http::header::HOST
            || name.as_str().starts_with("impersonate-")
        {
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    if upgrade && let Some(protocol) = headers.get(UPGRADE) {
        out.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
        out.insert(UPGRADE, protocol.clone());
    }
    out
}

/// The response headers passed back: no hop-by-hop header, except on a `101`
/// `Connection: Upgrade` and `Upgrade`.
pub fn forwarded_response_headers(headers: &HeaderMap, switching: bool) -> HeaderMap {
    let named = connection_tokens(headers);
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if is_hop_by_hop(name, &named) {
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    if switching && let Some(protocol) = headers.get(UPGRADE) {
        out.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
        out.insert(UPGRADE, protocol.clone());
    }
    out
}

/// `Impersonate-User`, one `Impersonate-Group` per group, `Impersonate-Uid`, and one
/// `Impersonate-Extra-<key>` per extra value (the key percent-encoded as client-go encodes it).
/// A value that cannot be a header value is left out.
pub fn impersonation_headers(user: &UserInfo) -> HeaderMap {
    let mut out = HeaderMap::new();
    let mut add = |name: HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            out.append(name, value);
        }
    };
    add(HeaderName::from_static("impersonate-user"), &user.name);
    for group in &user.groups {
        add(HeaderName::from_static("impersonate-group"), group);
    }
    if !user.uid.is_empty() {
        add(HeaderName::from_static("impersonate-uid"), &user.uid);
    }
    for (key, values) in &user.extra {
        let Ok(name) =
            HeaderName::from_bytes(format!("impersonate-extra-{}", escape_key(key)).as_bytes())
        else {
            continue;
        };
        for value in values {
            add(name.clone(), value);
        }
    }
    out
}

/// client-go's `headerKeyEscape`: bytes other than letters, digits and `-!#$&'*+.^_`|~` are
/// percent-encoded (`/` → `%2F`), so that any extra key fits a header name.
fn escape_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || b"-!#$&'*+.^_`|~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests;
