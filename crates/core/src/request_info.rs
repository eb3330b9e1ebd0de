//! What a request asks for, derived from its method, path and query exactly as kube-apiserver's
//! `RequestInfoFactory.NewRequestInfo` does (API prefixes `api` and `apis`, groupless prefix `api`).
//!
//! Resource paths look like `/api/v1/namespaces/{ns}/{resource}/{name}/{subresource}` or
//! `/apis/{group}/{version}/…`; anything else is a non-resource request whose verb is the lower-cased
//! HTTP method. A `GET` without a name becomes `list` or `watch` (`?watch=true`), and a
//! `fieldSelector=metadata.name=X` then names the object `X`; a `DELETE` without a name becomes
//! `deletecollection`. The deprecated `/watch/` and `/proxy/` path prefixes set the verb themselves.

use crate::attributes::Attributes;
use crate::user::UserInfo;

/// The verbs that may appear as a path segment right after the version (deprecated forms).
const SPECIAL_VERBS: [&str; 2] = ["proxy", "watch"];
/// Special verbs after which the third part is not a subresource.
const SPECIAL_VERBS_NO_SUBRESOURCES: [&str; 1] = ["proxy"];
/// Subresources of a namespace: `/namespaces/{ns}/status` is not a resource named `status`.
const NAMESPACE_SUBRESOURCES: [&str; 2] = ["status", "finalize"];
/// Verbs for which kube-apiserver records the selectors for authorization.
const VERBS_WITH_SELECTORS: [&str; 3] = ["list", "watch", "deletecollection"];

/// Why a request could not be resolved. kube-apiserver answers these with an error before
/// authorization (400 for a bad URL, 500 for an unresolvable resource path).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestInfoError {
    /// A `%` not followed by two hex digits in the path.
    #[error("invalid URL escape {0:?}")]
    InvalidEscape(String),
    /// The percent-decoded path is not UTF-8.
    #[error("the decoded request path is not valid UTF-8")]
    NonUtf8Path,
    /// A special verb (`watch`, `proxy`) with nothing after it, e.g. `/api/v1/watch`.
    #[error("unable to determine kind and namespace from url, {0}")]
    UnableToDetermineKind(String),
}

/// The parsed request, as `k8s.io/apiserver/pkg/endpoints/request.RequestInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestInfo {
    /// Whether the request is for an API resource or subresource.
    pub is_resource_request: bool,
    /// The (percent-decoded) URL path.
    pub path: String,
    /// The Kubernetes verb for resource requests (`get`, `list`, `watch`, …); the lower-cased HTTP
    /// method for non-resource requests.
    pub verb: String,
    /// `api` or `apis`; empty for non-resource requests.
    pub api_prefix: String,
    /// The API group; empty for the core group.
    pub api_group: String,
    /// The API version.
    pub api_version: String,
    /// The namespace; empty for cluster-scoped or all-namespace requests.
    pub namespace: String,
    /// The resource, e.g. `pods` (not the kind).
    pub resource: String,
    /// The subresource, e.g. `status` or `log`.
    pub subresource: String,
    /// The object name, from the path or from a `metadata.name` field selector.
    pub name: String,
    /// The path parts starting at the resource: `[resource, name, subresource, …]`.
    pub parts: Vec<String>,
    /// The raw `fieldSelector` query parameter for `list`, `watch` and `deletecollection`
    /// (kube-apiserver's `AuthorizeWithSelectors`); empty otherwise.
    pub field_selector: String,
    /// The raw `labelSelector` query parameter for `list`, `watch` and `deletecollection`.
    pub label_selector: String,
}

impl RequestInfo {
    /// Resolves a request with the default prefixes; see [`RequestInfoResolver::resolve`].
    pub fn parse(method: &str, path: &str, query: &str) -> Result<Self, RequestInfoError> {
        RequestInfoResolver::default().resolve(method, path, query)
    }

    /// The authorizer question this request asks on behalf of `user`.
    pub fn to_attributes(&self, user: UserInfo) -> Attributes {
        Attributes {
            user,
            verb: self.verb.clone(),
            resource_request: self.is_resource_request,
            namespace: self.namespace.clone(),
            api_group: self.api_group.clone(),
            api_version: self.api_version.clone(),
            resource: self.resource.clone(),
            subresource: self.subresource.clone(),
            name: self.name.clone(),
            path: self.path.clone(),
        }
    }
}

/// Resolves requests into [`RequestInfo`], as `RequestInfoFactory`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestInfoResolver {
    /// Path prefixes of API requests, without slashes.
    pub api_prefixes: Vec<String>,
    /// Prefixes after which no group follows (the legacy core group).
    pub groupless_api_prefixes: Vec<String>,
}

impl Default for RequestInfoResolver {
    /// Prefixes `api` and `apis`; `api` is groupless.
    fn default() -> Self {
        Self {
            api_prefixes: vec!["api".to_string(), "apis".to_string()],
            groupless_api_prefixes: vec!["api".to_string()],
        }
    }
}

impl RequestInfoResolver {
    /// Resolves `method` (case-sensitive, as Go's `net/http`), the raw request `path` (still
    /// percent-encoded, as it appears on the request line) and the raw `query` (without `?`).
    pub fn resolve(
        &self,
        method: &str,
        path: &str,
        query: &str,
    ) -> Result<RequestInfo, RequestInfoError> {
        let path = percent_decode_path(path)?;
        let mut info = RequestInfo {
            path: path.clone(),
            verb: method.to_lowercase(),
            ..RequestInfo::default()
        };

        let trimmed = path.trim_matches('/');
        let all: Vec<&str> = if trimmed.is_empty() {
            Vec::new()
        } else {
            trimmed.split('/').collect()
        };
        if all.len() < 3 || !self.api_prefixes.iter().any(|p| p == all[0]) {
            return Ok(info);
        }
        let prefix = all[0];
        let mut parts = &all[1..];
        if !self.groupless_api_prefixes.iter().any(|p| p == prefix) {
            // The prefix is consumed: a group, a version and a resource must follow.
            if parts.len() < 3 {
                return Ok(info);
            }
            info.api_group = parts[0].to_string();
            parts = &parts[1..];
        }
        info.api_prefix = prefix.to_string();
        info.is_resource_request = true;
        info.api_version = parts[0].to_string();
        parts = &parts[1..];

        let mut verb_via_path = false;
        if SPECIAL_VERBS.contains(&parts[0]) {
            if parts.len() < 2 {
                return Err(RequestInfoError::UnableToDetermineKind(request_uri(
                    &path, query,
                )));
            }
            info.verb = parts[0].to_string();
            parts = &parts[1..];
            verb_via_path = true;
        } else {
            info.verb = match method {
                "POST" => "create",
                "GET" | "HEAD" => "get",
                "PUT" => "update",
                "PATCH" => "patch",
                "DELETE" => "delete",
                _ => "",
            }
            .to_string();
        }

        if parts[0] == "namespaces"
            && let Some(namespace) = parts.get(1)
        {
            info.namespace = namespace.to_string();
            // A further part that is not a namespace subresource starts a namespaced resource.
            if let Some(next) = parts.get(2)
                && !NAMESPACE_SUBRESOURCES.contains(next)
            {
                parts = &parts[2..];
            }
        }
        info.parts = parts.iter().map(|p| p.to_string()).collect();

        if parts.len() >= 3 && !SPECIAL_VERBS_NO_SUBRESOURCES.contains(&info.verb.as_str()) {
            info.subresource = parts[2].to_string();
        }
        if let Some(name) = parts.get(1) {
            info.name = name.to_string();
        }
        info.resource = parts[0].to_string();

        let query = parse_query(query);
        if info.name.is_empty() && info.verb == "get" {
            let options = ListOptions::decode(&query);
            info.verb = if options.watch { "watch" } else { "list" }.to_string();
            if let Some(name) = options.field_selector_name
                && is_valid_path_segment_name(&name)
            {
                info.name = name;
            }
        }
        if info.name.is_empty() && info.verb == "delete" {
            info.verb = "deletecollection".to_string();
        }
        if !verb_via_path && VERBS_WITH_SELECTORS.contains(&info.verb.as_str()) {
            info.field_selector = first_value(&query, "fieldSelector").unwrap_or_default();
            info.label_selector = first_value(&query, "labelSelector").unwrap_or_default();
        }
        Ok(info)
    }
}

/// The request URI as Go prints it in the special-verb error (path plus `?query`).
fn request_uri(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// Whether `name` may be used as a path segment (`path.IsValidPathSegmentName`).
fn is_valid_path_segment_name(name: &str) -> bool {
    name != "." && name != ".." && !name.contains('/') && !name.contains('%')
}

/// Decodes `%XX` escapes in a path as Go's `url.PathUnescape` does (`+` stays `+`).
fn percent_decode_path(raw: &str) -> Result<String, RequestInfoError> {
    if !raw.contains('%') {
        return Ok(raw.to_string());
    }
    let bytes = unescape(raw, false).ok_or_else(|| {
        let at = raw.find('%').unwrap_or(0);
        let end = raw.len().min(at + 3);
        RequestInfoError::InvalidEscape(raw.get(at..end).unwrap_or("%").to_string())
    })?;
    String::from_utf8(bytes).map_err(|_| RequestInfoError::NonUtf8Path)
}

/// Percent-decodes `s`; with `plus_is_space`, `+` becomes a space (query component). `None` on a
/// malformed escape.
fn unescape(s: &str, plus_is_space: bool) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hi = hex_value(*bytes.get(i + 1)?)?;
                let lo = hex_value(*bytes.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(out)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Parses a raw query string as Go's `url.ParseQuery`: pairs separated by `&`, keys and values
/// unescaped (`+` is a space); pairs containing `;` or a malformed escape are skipped, as are
/// values that are not UTF-8. Order is kept, so the first value of a key comes first.
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty() && !pair.contains(';'))
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = String::from_utf8(unescape(key, true)?).ok()?;
            let value = String::from_utf8(unescape(value, true)?).ok()?;
            Some((key, value))
        })
        .collect()
}

/// The first value of `key` in a parsed query.
fn first_value(query: &[(String, String)], key: &str) -> Option<String> {
    query.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

/// The parts of `ListOptions` that matter for request resolution, decoded as kube-apiserver's
/// parameter codec does: if any parameter fails to decode, everything is dropped except `watch`.
struct ListOptions {
    watch: bool,
    field_selector_name: Option<String>,
}

impl ListOptions {
    fn decode(query: &[(String, String)]) -> Self {
        let watch = first_value(query, "watch").is_some_and(|v| parse_go_bool(&v));
        match Self::try_decode(query) {
            Some(name) => Self {
                watch,
                field_selector_name: name,
            },
            None => Self {
                watch,
                field_selector_name: None,
            },
        }
    }

    /// `None` when decoding fails; `Some(name)` with the exact `metadata.name` of the field
    /// selector otherwise.
    fn try_decode(query: &[(String, String)]) -> Option<Option<String>> {
        for key in ["timeoutSeconds", "limit"] {
            if let Some(value) = first_value(query, key) {
                value.parse::<i64>().ok()?;
            }
        }
        if let Some(selector) = first_value(query, "labelSelector") {
            crate::selectors::labels::parse(&selector).ok()?;
        }
        match first_value(query, "fieldSelector") {
            Some(selector) => {
                let selector = crate::selectors::fields::parse(&selector).ok()?;
                Some(selector.exact_match("metadata.name").map(str::to_string))
            }
            None => Some(None),
        }
    }
}

/// Go's query-string booleans: only `false` and `0` (any case) are false.
fn parse_go_bool(value: &str) -> bool {
    !(value.eq_ignore_ascii_case("false") || value == "0")
}

#[cfg(test)]
mod tests;
