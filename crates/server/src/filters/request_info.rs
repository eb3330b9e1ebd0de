//! Request info: what the request asks for (verb, API group, resource, namespace, name,
//! subresource), resolved from its method, path and query as kube-apiserver's
//! `RequestInfoFactory` does (`kubeward_core::request_info`).

use http::request::Parts;
use kubeward_core::request_info::RequestInfo;
use kubeward_core::status::{self, Status};

/// The request info, or the 400 to answer.
pub fn resolve(parts: &Parts) -> Result<RequestInfo, Status> {
    RequestInfo::parse(
        parts.method.as_str(),
        parts.uri.path(),
        parts.uri.query().unwrap_or(""),
    )
    .map_err(|error| status::bad_request(&error.to_string()))
}
