//! Routing: a non-resource path to discovery, a review kind to the reviews, the `token`
//! subresource to TokenRequest, `pods/binding` to the binding, `pods/log|exec|attach|portforward`
//! to the pod's kubelet, every other verb on a stored kind to the REST handlers — or
//! kube-apiserver's 404 and 405.

use http::Response;
use kubeward_core::status::Status;

use super::context::{Context, not_allowed, not_served};
use super::{binding, discovery, kubelet_proxy, rest, reviews, scale, token_request};
use crate::codec::body::{self, RequestBody};
use crate::codec::respond::{self, Body};
use crate::registry::custom;
use crate::registry::kinds::{self, Kind, Serving};

/// Answers a request the filters let through.
pub async fn route(context: Context<'_>, request_body: RequestBody) -> Response<Body> {
    if !context.info.is_resource_request {
        let _ = body::read(request_body).await;
        return discovery::non_resource(&context);
    }
    let info = &context.info;
    let Some(kind) = custom::find_any(&info.api_group, &info.api_version, &info.resource) else {
        // A group version nobody serves has no handler at all (Go's plain 404); a served one
        // answers for its unknown resources with a Status.
        if !kinds::serves_group_version(&info.api_group, &info.api_version)
            && !custom::serves_group_version(&info.api_group, &info.api_version)
        {
            let _ = body::read(request_body).await;
            return respond::page_not_found();
        }
        return respond::refuse(request_body, &not_served(), context.pretty).await;
    };
    if kind.group.is_empty() && kind.resource == "pods" && kubelet_proxy::proxies(&info.subresource)
    {
        return kubelet_proxy::handle(context, request_body).await;
    }
    let result = match kind.serving {
        Serving::Review => reviews::handle(&context, kind, request_body).await,
        Serving::Stored => stored(&context, kind, request_body).await,
    };
    match result {
        Ok(response) => response,
        Err(failure) => respond::status(&failure, context.pretty),
    }
}

/// The verbs on a stored kind and its subresources.
async fn stored(
    context: &Context<'_>,
    kind: &'static Kind,
    request_body: RequestBody,
) -> Result<Response<Body>, Status> {
    let info = &context.info;
    let verb = info.verb.as_str();
    let subresource = info.subresource.as_str();
    if subresource == "token" && kind.resource == "serviceaccounts" && verb == "create" {
        return token_request::create(context, request_body).await;
    }
    if !subresource.is_empty() && !kind.subresources.contains(&subresource) {
        return Err(not_served());
    }
    if subresource == "binding" && kind.group.is_empty() && kind.resource == "pods" {
        if verb != "create" {
            return Err(not_allowed("", "pods/binding", verb));
        }
        return binding::create(context, request_body).await;
    }
    if subresource == "scale" {
        return scale::handle(context, kind, request_body).await;
    }
    if !matches!(subresource, "" | "status" | "approval" | "finalize") {
        return Err(not_served());
    }
    if subresource == "finalize" && verb != "update" {
        return Err(not_allowed(kind.group, kind.resource, verb));
    }
    let whole = subresource.is_empty();
    match verb {
        "get" => rest::get(context, kind),
        "list" => rest::list(context, kind),
        "watch" => super::watch::serve(context, kind),
        "create" if whole => rest::create(context, kind, request_body).await,
        "update" => rest::update(context, kind, request_body).await,
        "patch" => rest::patch(context, kind, request_body).await,
        "delete" if whole => rest::delete(context, kind, request_body).await,
        "deletecollection" if whole => rest::delete_collection(context, kind).await,
        other => Err(not_allowed(kind.group, kind.resource, other)),
    }
}
