//! The generic REST verbs on stored resources, as kube-apiserver's generic registry serves
//! them: get, list, watch, create, update, patch, delete, deletecollection.

use http::Response;
use hyper::body::Incoming;
use kubeward_core::status::{self, Status};
use kubeward_store::{ListScope, ObjectKey, StoreError, StoreExt as _};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::field_validation::{self, Directive};
use crate::pipeline::Context;
use crate::registry::{self, ResourceDef};
use crate::respond::{self, Body};
use crate::selectors::Selectors;
use crate::{admission, body, meta, patch, printing, side_effects};

/// A failed write: the store's error (mapped to a `Status` with the object's names later) or a
/// `Status` decided while changing the object.
#[derive(Debug)]
pub enum WriteFailure {
    /// The store refused.
    Store(StoreError),
    /// Validation, admission or a precondition refused.
    Status(Status),
}

impl From<StoreError> for WriteFailure {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

impl From<Status> for WriteFailure {
    fn from(status: Status) -> Self {
        Self::Status(status)
    }
}

impl WriteFailure {
    /// The `Status` a client sees.
    pub fn into_status(self, def: &ResourceDef, name: &str) -> Status {
        match self {
            Self::Status(status) => status,
            Self::Store(error) => store_status(error, def, name),
        }
    }
}

/// The `Status` for a store error on `def`/`name`.
pub fn store_status(error: StoreError, def: &ResourceDef, name: &str) -> Status {
    match error {
        StoreError::NotFound => status::not_found(def.group, def.resource, name),
        StoreError::AlreadyExists => status::already_exists(def.group, def.resource, name),
        StoreError::Conflict => status::conflict(
            def.group,
            def.resource,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        ),
        StoreError::Invalid(message) => status::bad_request(&message),
        other => status::internal_error(&other.to_string()),
    }
}

/// The store key of `name` in `namespace` of `def`.
pub fn key(def: &ResourceDef, namespace: &str, name: &str) -> ObjectKey {
    ObjectKey {
        group: def.group.to_string(),
        resource: def.resource.to_string(),
        namespace: def.namespaced.then(|| namespace.to_string()),
        name: name.to_string(),
    }
}

/// The list scope of `def` in `namespace` (`""`: all namespaces).
pub fn scope(def: &ResourceDef, namespace: &str) -> ListScope {
    ListScope {
        group: def.group.to_string(),
        resource: def.resource.to_string(),
        namespace: (def.namespaced && !namespace.is_empty()).then(|| namespace.to_string()),
    }
}

fn request_key(context: &Context<'_>, def: &ResourceDef) -> ObjectKey {
    key(def, &context.info.namespace, &context.info.name)
}

/// GET one object.
pub fn get(context: &Context<'_>, def: &ResourceDef) -> Result<Response<Body>, Status> {
    let name = &context.info.name;
    let object = context
        .state
        .store
        .get(&request_key(context, def))
        .map_err(|e| store_status(e, def, name))?
        .ok_or_else(|| status::not_found(def.group, def.resource, name))?;
    if printing::wants_table(context.accept()) {
        let revision = meta::resource_version(&object).to_string();
        let table = printing::table(def, std::slice::from_ref(&object), &revision, now());
        return Ok(respond::ok(&table, context.pretty));
    }
    Ok(respond::ok(&object, context.pretty))
}

/// GET a collection.
pub fn list(context: &Context<'_>, def: &ResourceDef) -> Result<Response<Body>, Status> {
    let selectors = Selectors::from_context(context)?;
    let listing = context
        .state
        .store
        .list_all(&scope(def, &context.info.namespace))
        .map_err(|e| store_status(e, def, ""))?;
    let items: Vec<Value> = listing
        .items
        .into_iter()
        .filter(|object| selectors.matches(object))
        .collect();
    let revision = listing.revision.to_string();
    if printing::wants_table(context.accept()) {
        let table = printing::table(def, &items, &revision, now());
        return Ok(respond::ok(&table, context.pretty));
    }
    let list = json!({
        "kind": format!("{}List", def.kind),
        "apiVersion": def.api_version(),
        "metadata": {"resourceVersion": revision},
        "items": items,
    });
    Ok(respond::ok(&list, context.pretty))
}

/// GET with `watch=true`.
pub fn watch(context: &Context<'_>, def: &'static ResourceDef) -> Result<Response<Body>, Status> {
    crate::watch::serve(context, def)
}

/// POST: create an object.
pub async fn create(
    context: &Context<'_>,
    def: &ResourceDef,
    request_body: Incoming,
) -> Result<Response<Body>, Status> {
    let directive = directive(context)?;
    let mut object = read_object(context, def, request_body).await?;
    let warnings = field_validation::check(def, &object, directive)?;
    let namespace = context.info.namespace.as_str();
    if def.namespaced {
        let declared = meta::namespace(&object);
        if !declared.is_empty() && declared != namespace {
            return Err(status::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        ensure_namespace(context, namespace)?;
    }
    meta::prepare_create(&mut object, def.namespaced.then_some(namespace), now());
    let name = meta::name(&object).to_string();
    admission::on_create(context, def, &mut object)?;
    admission::validate(def, &object, None)?;
    if context.dry_run() {
        return Ok(respond::json(201, &object, context.pretty));
    }
    let key = key(def, namespace, &name);
    let stored = side_effects::write(context.state, def, || {
        context.state.store.create(&key, object)
    })
    .map_err(|e| store_status(e, def, &name))?;
    side_effects::after_create(context.state, def, &stored);
    Ok(with_warnings(
        respond::json(201, &stored, context.pretty),
        &warnings,
    ))
}

/// PUT: replace an object (or its `status`/`approval` subresource).
pub async fn update(
    context: &Context<'_>,
    def: &ResourceDef,
    request_body: Incoming,
) -> Result<Response<Body>, Status> {
    let directive = directive(context)?;
    let object = read_object(context, def, request_body).await?;
    let warnings = field_validation::check(def, &object, directive)?;
    let name = context.info.name.clone();
    let declared = meta::name(&object);
    if declared != name {
        return Err(status::bad_request(&format!(
            "the name of the object ({declared}) does not match the name on the URL ({name})"
        )));
    }
    let stored = write_update(context, def, |_| Ok(object.clone()))?;
    Ok(with_warnings(
        respond::ok(&stored, context.pretty),
        &warnings,
    ))
}

/// PATCH: JSON patch, merge patch or strategic merge patch.
pub async fn patch(
    context: &Context<'_>,
    def: &ResourceDef,
    request_body: Incoming,
) -> Result<Response<Body>, Status> {
    let bytes = body::read(request_body).await?;
    let content_type = context
        .parts
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let kind = patch::PatchKind::from_content_type(&content_type)?;
    let directive = directive(context)?;
    let mut warnings = Vec::new();
    let document: Value = serde_json::from_slice(&bytes)
        .map_err(|e| status::bad_request(&format!("error decoding patch: {e}")))?;
    let stored = write_update(context, def, |current| {
        let mut patched = patch::apply(kind, current, &document)?;
        set_type(&mut patched, def);
        warnings = field_validation::check(def, &patched, directive)?;
        Ok(patched)
    })?;
    Ok(with_warnings(
        respond::ok(&stored, context.pretty),
        &warnings,
    ))
}

/// The write of PUT and PATCH: `desired` makes the new object from the stored one inside one
/// store transaction; then the resourceVersion precondition, what the subresource may change,
/// admission, and what follows an update.
fn write_update(
    context: &Context<'_>,
    def: &ResourceDef,
    mut desired: impl FnMut(&Value) -> Result<Value, WriteFailure>,
) -> Result<Value, Status> {
    let subresource = context.info.subresource.as_str();
    let stored = side_effects::write(context.state, def, || {
        context
            .state
            .store
            .modify(&request_key(context, def), |current| {
                let next = desired(&current)?;
                let wanted = meta::resource_version(&next);
                if !wanted.is_empty() && wanted != meta::resource_version(&current) {
                    return Err(WriteFailure::Store(StoreError::Conflict));
                }
                let next = merge_subresource(subresource, &current, next);
                let next = admission::on_update(context, def, &current, next)?;
                admission::validate(def, &next, Some(&current))?;
                Ok(next)
            })
    })
    .map_err(|e| e.into_status(def, &context.info.name))?;
    side_effects::after_update(context.state, def, &stored);
    Ok(stored)
}

/// DELETE one object.
pub fn delete(context: &Context<'_>, def: &ResourceDef) -> Result<Response<Body>, Status> {
    let name = context.info.name.clone();
    if context.dry_run() {
        return get(context, def);
    }
    let deleted = side_effects::delete(context.state, def, &request_key(context, def))
        .map_err(|e| store_status(e, def, &name))?;
    side_effects::after_delete(context.state, def, &deleted);
    Ok(respond::ok(&deleted, context.pretty))
}

/// DELETE a collection (with selectors).
pub fn delete_collection(
    context: &Context<'_>,
    def: &ResourceDef,
) -> Result<Response<Body>, Status> {
    let selectors = Selectors::from_context(context)?;
    let listing = context
        .state
        .store
        .list_all(&scope(def, &context.info.namespace))
        .map_err(|e| store_status(e, def, ""))?;
    let mut deleted = Vec::new();
    for object in listing.items.iter().filter(|o| selectors.matches(o)) {
        let key = key(def, meta::namespace(object), meta::name(object));
        match side_effects::delete(context.state, def, &key) {
            Ok(object) => {
                side_effects::after_delete(context.state, def, &object);
                deleted.push(object);
            }
            Err(StoreError::NotFound) => {}
            Err(error) => return Err(store_status(error, def, meta::name(object))),
        }
    }
    let list = json!({
        "kind": format!("{}List", def.kind),
        "apiVersion": def.api_version(),
        "metadata": {"resourceVersion": context.state.store.revision().unwrap_or(0).to_string()},
        "items": deleted,
    });
    Ok(respond::ok(&list, context.pretty))
}

/// The request's `fieldValidation` directive.
fn directive(context: &Context<'_>) -> Result<Directive, Status> {
    Directive::parse(context.query("fieldValidation").as_deref())
}

/// Adds one `Warning: 299 - "…"` header per message, as kube-apiserver sends warnings.
fn with_warnings(mut response: Response<Body>, warnings: &[String]) -> Response<Body> {
    for warning in warnings {
        let value = format!("299 - {}", kubeward_core::go::quote(warning));
        if let Ok(value) = http::HeaderValue::from_str(&value) {
            response.headers_mut().append(http::header::WARNING, value);
        }
    }
    response
}

/// The current time.
pub fn now() -> OffsetDateTime {
    crate::clock::now()
}

fn ensure_namespace(context: &Context<'_>, namespace: &str) -> Result<(), Status> {
    let Some(namespaces) = registry::find("", "v1", "namespaces") else {
        return Ok(());
    };
    let exists = context
        .state
        .store
        .get(&key(namespaces, "", namespace))
        .map_err(|e| store_status(e, namespaces, namespace))?
        .is_some();
    if exists {
        Ok(())
    } else {
        Err(status::not_found("", "namespaces", namespace))
    }
}

/// The request's object: read, decoded, checked to be of `def`'s type, typed.
async fn read_object(
    context: &Context<'_>,
    def: &ResourceDef,
    request_body: Incoming,
) -> Result<Value, Status> {
    let bytes = body::read(request_body).await?;
    let mut object = body::decode_object(&context.parts.headers, &bytes)?;
    check_kind(&object, def)?;
    set_type(&mut object, def);
    Ok(object)
}

/// A body whose `kind`/`apiVersion` name another type is refused, as the decoder does.
fn check_kind(object: &Value, def: &ResourceDef) -> Result<(), Status> {
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let kind_ok = kind.is_empty() || kind == def.kind;
    let version_ok = api_version.is_empty() || api_version == def.api_version();
    if kind_ok && version_ok {
        Ok(())
    } else {
        Err(status::bad_request(&format!(
            "the API version in the data ({api_version}) does not match the expected API version ({})",
            def.api_version()
        )))
    }
}

fn set_type(object: &mut Value, def: &ResourceDef) {
    if let Some(map) = object.as_object_mut() {
        map.insert("apiVersion".into(), Value::String(def.api_version()));
        map.insert("kind".into(), Value::String(def.kind.to_string()));
    }
}

/// What a write through a subresource may change: `status` changes only the status,
/// `approval` only the conditions; the main resource keeps the stored status.
fn merge_subresource(subresource: &str, current: &Value, mut next: Value) -> Value {
    match subresource {
        "status" => {
            let mut merged = current.clone();
            merged["status"] = next.get("status").cloned().unwrap_or(json!({}));
            merged["metadata"] = next.get("metadata").cloned().unwrap_or(json!({}));
            merged
        }
        "approval" => {
            let mut merged = current.clone();
            merged["status"]["conditions"] = next
                .pointer("/status/conditions")
                .cloned()
                .unwrap_or(json!([]));
            merged["metadata"] = next.get("metadata").cloned().unwrap_or(json!({}));
            merged
        }
        _ => {
            if let Some(status) = current.get("status") {
                next["status"] = status.clone();
            }
            next
        }
    }
}
