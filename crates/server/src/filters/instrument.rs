//! The labels a request is counted under (`apiserver_request_total`,
//! `apiserver_request_duration_seconds`), as kube-apiserver's instrumentation names them: the
//! verb from the method (`GET` of a collection is `LIST`, a watch `WATCH`, a server-side apply
//! `APPLY`), the scope (`resource` for a named object or a create, `namespace`, `cluster`), the
//! dry run, the kind's group, version, resource and subresource; a non-resource request by its
//! path. Only requests for a served kind or a known path are counted, so that clients cannot
//! grow the series without bound.

use http::request::Parts;
use kubeward_core::request_info::RequestInfo;

use crate::metrics::RequestLabels;
use crate::registry::custom;

/// The non-resource paths that are counted.
const PATHS: [&str; 10] = [
    "/api",
    "/api/v1",
    "/apis",
    "/healthz",
    "/livez",
    "/readyz",
    "/metrics",
    "/version",
    "/openapi/v2",
    "/openapi/v3",
];

/// The media type of a server-side apply.
const APPLY_PATCH: &str = "application/apply-patch+yaml";

/// The request's labels; `None` when it is not counted.
pub fn labels(parts: &Parts, info: &RequestInfo) -> Option<RequestLabels> {
    let dry_run = if info_query_has_dry_run(parts) {
        "All"
    } else {
        ""
    };
    if !info.is_resource_request {
        let path = info.path.trim_end_matches('/');
        let path = PATHS.iter().find(|p| **p == path)?;
        return Some(RequestLabels {
            verb: verb(parts, info, ""),
            dry_run,
            group: "",
            version: "",
            resource: "",
            subresource: path,
            scope: "",
            component: "apiserver",
        });
    }
    let kind = custom::find_any(&info.api_group, &info.api_version, &info.resource)?;
    let subresource = match info.subresource.as_str() {
        "" => "",
        "token" => "token",
        other => kind.subresources.iter().find(|s| **s == other).copied()?,
    };
    let scope = if !info.name.is_empty() || info.verb == "create" {
        "resource"
    } else if !info.namespace.is_empty() {
        "namespace"
    } else {
        "cluster"
    };
    Some(RequestLabels {
        verb: verb(parts, info, scope),
        dry_run,
        group: kind.group,
        version: kind.version,
        resource: kind.resource,
        subresource,
        scope,
        component: "apiserver",
    })
}

/// `CanonicalVerb` and `CleanVerb`.
fn verb(parts: &Parts, info: &RequestInfo, scope: &str) -> &'static str {
    if info.verb == "watch" {
        return "WATCH";
    }
    match parts.method.as_str() {
        "GET" | "HEAD" if scope == "resource" || scope.is_empty() => "GET",
        "GET" | "HEAD" => "LIST",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" if is_apply(parts) => "APPLY",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        _ => "OTHER",
    }
}

fn is_apply(parts: &Parts) -> bool {
    parts
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().unwrap_or("").trim() == APPLY_PATCH)
}

fn info_query_has_dry_run(parts: &Parts) -> bool {
    kubeward_core::request_info::parse_query(parts.uri.query().unwrap_or(""))
        .iter()
        .any(|(key, value)| key == "dryRun" && !value.is_empty())
}

#[cfg(test)]
mod tests;
