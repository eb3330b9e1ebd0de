//! The `scale` subresource (`autoscaling/v1` Scale) of the kinds that have one — Deployments,
//! ReplicaSets, StatefulSets, ReplicationControllers, and custom resources whose definition
//! declares `subresources.scale`: GET answers the Scale made of the object, PUT and PATCH change
//! the object's desired replicas (`spec.replicas`, or a custom kind's `specReplicasPath`; what
//! `kubectl scale` does), as kube-apiserver's `ScaleREST` and its custom-resource counterpart
//! serve them.

use http::Response;
use kubeward_core::status::{self, FieldError, Status};
use serde_json::{Value, json};

use super::context::{Context, not_allowed};
use super::rest::{blocking, written};
use crate::codec::body::{self, RequestBody};
use crate::codec::respond::{self, Body};
use crate::registry::custom::{self, ScalePaths};
use crate::registry::generic::{self, WriteFailure};
use crate::registry::kinds::Kind;
use crate::registry::{objects, patch, printing};

/// Answers a verb on `<kind>/scale`.
pub async fn handle(
    context: &Context<'_>,
    kind: &'static Kind,
    request_body: RequestBody,
) -> Result<Response<Body>, Status> {
    let verb = context.info.verb.clone();
    match verb.as_str() {
        "get" => {
            let _ = body::read(request_body).await;
            let object = generic::get(
                context.state,
                kind,
                &context.info.namespace,
                &context.info.name,
            )?;
            Ok(respond::ok(&scale_of(kind, &object), context.pretty))
        }
        "update" => {
            let bytes = body::read(request_body).await?;
            let scale = body::decode_object(&context.parts.headers, &bytes)?;
            context.audit_request_object(&scale);
            write(context, kind, move |_| Ok(scale.clone())).await
        }
        "patch" => {
            let bytes = body::read(request_body).await?;
            if let Some(record) = context.audit {
                record.request_patch(&bytes);
            }
            let content_type = context
                .parts
                .headers
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let patch_kind =
                patch::PatchKind::from_content_type(&content_type)?.ok_or_else(|| {
                    status::bad_request("server-side apply is not served on the scale subresource")
                })?;
            let document: Value = serde_json::from_slice(&bytes)
                .map_err(|e| status::bad_request(&format!("error decoding patch: {e}")))?;
            write(context, kind, move |current| {
                patch::apply(patch_kind, &scale_of(kind, current), &document)
            })
            .await
        }
        other => {
            let _ = body::read(request_body).await;
            Err(not_allowed(
                kind.group,
                &format!("{}/scale", kind.resource),
                other,
            ))
        }
    }
}

/// Writes the replicas of the Scale that `desired` makes of the stored object, and answers
/// with the Scale of what was stored.
async fn write(
    context: &Context<'_>,
    kind: &'static Kind,
    desired: impl Fn(&Value) -> Result<Value, Status> + Send + 'static,
) -> Result<Response<Body>, Status> {
    let namespace = context.info.namespace.clone();
    let name = context.info.name.clone();
    let dry_run = context.dry_run();
    let stored = blocking(context, move |admission| {
        generic::update(admission, kind, &namespace, &name, dry_run, |current| {
            let scale = desired(current)?;
            let replicas = replicas(&scale, &name)?;
            let mut next = current.clone();
            match custom::scale_paths(kind) {
                Some(paths) => set_at(&mut next, &paths.spec_replicas, json!(replicas)),
                None => next["spec"]["replicas"] = json!(replicas),
            }
            let version = objects::resource_version(&scale);
            if !version.is_empty() {
                objects::metadata_mut(&mut next).insert("resourceVersion".into(), json!(version));
            }
            Ok::<_, WriteFailure>(next)
        })
    })
    .await?;
    let scale = scale_of(kind, &stored);
    Ok(written(context, 200, &scale, &[], dry_run).await)
}

/// The Scale's `spec.replicas`, checked as `ValidateScale` checks it.
fn replicas(scale: &Value, name: &str) -> Result<i64, Status> {
    let replicas = scale
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if replicas < 0 {
        return Err(status::invalid(
            "autoscaling",
            "Scale",
            name,
            vec![FieldError::invalid(
                "spec.replicas",
                replicas,
                "must be greater than or equal to 0",
            )],
        ));
    }
    Ok(replicas)
}

/// The `autoscaling/v1` Scale of `object` of `kind`: its identity, desired replicas, and the
/// replicas and selector of its status.
pub fn scale_of(kind: &Kind, object: &Value) -> Value {
    match custom::scale_paths(kind) {
        Some(paths) => custom_scale(object, &paths),
        None => built_in_scale(object),
    }
}

/// The Scale of a built-in kind: `spec.replicas`, `status.replicas`, the structured
/// `spec.selector` serialized.
fn built_in_scale(object: &Value) -> Value {
    let desired = object
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let selector = match object.pointer("/spec/selector") {
        // A ReplicationController selects with a plain label map.
        Some(Value::Object(map))
            if !map.contains_key("matchLabels") && !map.contains_key("matchExpressions") =>
        {
            printing::selector_string(&json!({"matchLabels": map}))
        }
        Some(selector) => printing::selector_string(selector),
        None => String::new(),
    };
    scale(
        object,
        desired,
        printing::int(object, "/status/replicas"),
        &selector,
    )
}

/// The Scale of a custom resource, read at its definition's paths (0 where a path holds
/// nothing, as kube-apiserver reads them).
fn custom_scale(object: &Value, paths: &ScalePaths) -> Value {
    let int_at = |path: &[String]| at(object, path).and_then(Value::as_i64).unwrap_or(0);
    let selector = paths
        .label_selector
        .as_deref()
        .and_then(|path| at(object, path))
        .and_then(Value::as_str)
        .unwrap_or("");
    scale(
        object,
        int_at(&paths.spec_replicas),
        int_at(&paths.status_replicas),
        selector,
    )
}

fn scale(object: &Value, desired: i64, observed: i64, selector: &str) -> Value {
    let metadata = object.get("metadata").cloned().unwrap_or(json!({}));
    let mut meta = serde_json::Map::new();
    for field in [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    ] {
        if let Some(value) = metadata.get(field) {
            meta.insert(field.to_string(), value.clone());
        }
    }
    let mut spec = json!({});
    if desired != 0 {
        spec["replicas"] = json!(desired);
    }
    let mut status = json!({"replicas": observed});
    if !selector.is_empty() {
        status["selector"] = json!(selector);
    }
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": meta,
        "spec": spec,
        "status": status,
    })
}

/// The value at `path` (fields of nested objects).
fn at<'a>(object: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter()
        .try_fold(object, |value, field| value.get(field))
}

/// Sets `value` at `path`, making the objects on the way.
fn set_at(object: &mut Value, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cursor = object;
    for field in parents {
        if !cursor.get(field).is_some_and(Value::is_object) {
            cursor[field.as_str()] = json!({});
        }
        cursor = &mut cursor[field.as_str()];
    }
    cursor[last.as_str()] = value;
}

#[cfg(test)]
mod tests;
