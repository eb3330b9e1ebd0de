//! `POST …/pods/{name}/binding`: what kube-scheduler calls to place a pod (kube-apiserver's
//! `BindingREST`): one guaranteed update of the stored pod, past the pod strategy as
//! kube-apiserver's is; answered with a `Success` Status once the controllers have seen it.

use http::Response;
use kubeward_core::status::{self, Status};
use kubeward_store::StoreExt as _;
use serde_json::json;

use super::context::Context;
use crate::codec::body::{self, RequestBody};
use crate::codec::respond::{self, Body};
use crate::registry::generic::WriteFailure;
use crate::registry::kinds::core::{self as kinds, pods};
use crate::registry::objects;

/// Binds the pod of the URL to the Binding's target node.
pub async fn create(
    context: &Context<'_>,
    request_body: RequestBody,
) -> Result<Response<Body>, Status> {
    let bytes = body::read(request_body).await?;
    let binding = body::decode_object(&context.parts.headers, &bytes)?;
    let name = context.info.name.clone();
    let node = pods::binding_target(&binding, &name)?;
    let state = context.state_handle();
    let key = kinds::pods().key(&context.info.namespace, &name);
    let stored = tokio::task::spawn_blocking(move || {
        state
            .store
            .modify(&key, |pod| {
                pods::assign(pod, &binding, &node, crate::clock::now()).map_err(WriteFailure::from)
            })
            .map_err(|e| e.into_status(kinds::pods(), &name))
    })
    .await
    .map_err(|e| status::internal_error(&e.to_string()))??;
    if let Ok(revision) = objects::resource_version(&stored).parse::<u64>() {
        context.state.synced.wait_for(revision).await;
    }
    let success = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201});
    Ok(respond::json(201, &success, context.pretty))
}

#[cfg(test)]
mod tests;
