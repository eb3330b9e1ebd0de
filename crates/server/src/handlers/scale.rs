//! The `scale` subresource (`autoscaling/v1` Scale) of the kinds that have one — Deployments,
//! ReplicaSets, StatefulSets, ReplicationControllers, and custom resources whose definition
//! declares `subresources.scale`: GET answers the Scale made of the object, PUT and PATCH change
//! the object's desired replicas (`spec.replicas`, or a custom kind's `specReplicasPath`; what
//! `kubectl scale` does), as kube-apiserver's `ScaleREST` and its custom-resource counterpart
//! serve them. A server-side apply of a Scale sets the replicas too (`kubectl apply
//! --server-side --subresource=scale`), and every write keeps the parent's managed fields as
//! kube's `ScaleHandler` does: the writer of the Scale becomes the owner of the replicas, in an
//! entry of subresource `scale`.

use http::Response;
use kubeward_core::status::{self, FieldError, Status};
use serde_json::{Value, json};

use super::context::{Context, not_allowed};
use super::rest::{blocking, decode_apply, field_manager_of, force_of, written};
use crate::codec::body::{self, RequestBody};
use crate::codec::respond::{self, Body};
use crate::registry::custom::{self, ScalePaths};
use crate::registry::field_manager::fieldpath::PathElement;
use crate::registry::field_manager::{self, scale, scale::ScaleWriter};
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
            let manager = field_manager_of(context, "UpdateOptions", false)?;
            let bytes = body::read(request_body).await?;
            let scale = body::decode_object(&context.parts.headers, &bytes)?;
            context.audit_request_object(&scale);
            write(context, kind, manager, Write::Update(scale)).await
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
            let Some(patch_kind) = patch::PatchKind::from_content_type(&content_type)? else {
                let manager = field_manager_of(context, "PatchOptions", true)?;
                let force = force_of(context)?;
                let config = decode_apply(&bytes)?;
                check_scale_type(&config)?;
                return write(context, kind, manager, Write::Apply { config, force }).await;
            };
            let manager = field_manager_of(context, "PatchOptions", false)?;
            let document: Value = serde_json::from_slice(&bytes)
                .map_err(|e| status::bad_request(&format!("error decoding patch: {e}")))?;
            write(context, kind, manager, Write::Patch(patch_kind, document)).await
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

/// A write of the Scale.
enum Write {
    /// PUT of a whole Scale.
    Update(Value),
    /// PATCH of the Scale.
    Patch(patch::PatchKind, Value),
    /// Server-side apply of a Scale configuration.
    Apply {
        /// The configuration.
        config: Value,
        /// `force=true`.
        force: bool,
    },
}

impl Write {
    /// The Scale the write makes of `current`'s.
    fn desired(&self, current: &Value) -> Result<Value, Status> {
        match self {
            Self::Update(scale) => Ok(scale.clone()),
            Self::Patch(patch_kind, document) => patch::apply(*patch_kind, current, document),
            Self::Apply { config, .. } => {
                let mut scale = current.clone();
                if let Some(replicas) = config.pointer("/spec/replicas") {
                    scale["spec"]["replicas"] = replicas.clone();
                }
                Ok(scale)
            }
        }
    }
}

/// An apply's configuration must be an `autoscaling/v1` Scale.
fn check_scale_type(config: &Value) -> Result<(), Status> {
    let kind = config.get("kind").and_then(Value::as_str).unwrap_or("");
    let api_version = config
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    if kind == "Scale" && api_version == "autoscaling/v1" {
        return Ok(());
    }
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    Err(status::bad_request(&format!(
        "invalid object type: {group}/{version}, Kind={kind}"
    )))
}

/// The parent's replicas field as a field path.
fn replicas_path(kind: &Kind) -> Vec<PathElement> {
    let names = match custom::scale_paths(kind) {
        Some(paths) => paths.spec_replicas,
        None => vec!["spec".to_string(), "replicas".to_string()],
    };
    names.into_iter().map(PathElement::Field).collect()
}

/// Writes the replicas of the Scale that `write` makes of the stored object, with the managed
/// fields `manager`'s write leaves, and answers with the Scale of what was stored.
async fn write(
    context: &Context<'_>,
    kind: &'static Kind,
    manager: String,
    write: Write,
) -> Result<Response<Body>, Status> {
    let namespace = context.info.namespace.clone();
    let name = context.info.name.clone();
    let dry_run = context.dry_run();
    let stored = blocking(context, move |admission| {
        let path = replicas_path(kind);
        let api_version = kind.api_version();
        let writer = ScaleWriter {
            manager: &manager,
            api_version: &api_version,
            replicas: &path,
        };
        generic::update(admission, kind, &namespace, &name, dry_run, |current| {
            let before = scale_of(kind, current);
            let scale = write.desired(&before)?;
            let mut replicas = replicas(&scale, &name)?;
            let changed = before
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                != replicas;
            let entries = field_manager::decode(current).unwrap_or_default();
            let entries = match &write {
                Write::Apply { config, force } => {
                    let given = config.pointer("/spec/replicas").is_some();
                    let (entries, removed) =
                        scale::apply(&writer, entries, given, changed, *force)?;
                    if removed {
                        replicas = 0;
                    }
                    entries
                }
                _ => scale::record_update(&writer, entries, changed),
            };
            let mut next = current.clone();
            match custom::scale_paths(kind) {
                Some(paths) => set_at(&mut next, &paths.spec_replicas, json!(replicas)),
                None => next["spec"]["replicas"] = json!(replicas),
            }
            field_manager::set_managed_fields(&mut next, &entries);
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
