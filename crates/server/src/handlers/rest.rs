//! The REST verbs on stored kinds, as kube-apiserver's handlers serve them (`endpoints/handlers`):
//! get, list (paged, at a resourceVersion), create, update, patch, delete (with preconditions),
//! deletecollection. They read the request, run the generic registry on a blocking thread (a
//! write may wait for the disk), wait until the controllers have handled the write, and answer
//! with the object, a Table or a List.

use bytes::Bytes;
use http::Response;
use kubeward_core::status::{self, FieldError, Status};
use kubeward_store::{Continue, ListOptions, Listing, ReadRevision};
use serde_json::{Value, json};

use super::context::Context;
use crate::codec::body::{self, RequestBody};
use crate::codec::respond::{self, Body};
use crate::registry::custom;
use crate::registry::field_manager::{self, versions::Versions};
use crate::registry::field_validation::{self, Directive};
use crate::registry::generic::{self, DeleteOptions, Preconditions, WriteFailure};
use crate::registry::kinds::{Admission, Kind};
use crate::registry::selectors::Selectors;
use crate::registry::{objects, patch, printing};

/// GET one object.
pub fn get(context: &Context<'_>, kind: &Kind) -> Result<Response<Body>, Status> {
    let object = generic::get(
        context.state,
        kind,
        &context.info.namespace,
        &context.info.name,
    )?;
    if printing::wants_table(context.accept()) {
        let revision = objects::resource_version(&object).to_string();
        let table = kind.table(
            std::slice::from_ref(&object),
            &revision,
            crate::clock::now(),
        );
        return Ok(respond::ok(&table, context.pretty));
    }
    Ok(respond::ok(&object, context.pretty))
}

/// The list options of a request (`limit`, `continue`, `resourceVersion`,
/// `resourceVersionMatch`), checked as kube-apiserver checks them.
struct Paging {
    limit: Option<usize>,
    continue_from: Option<Continue>,
    revision: ReadRevision,
}

impl Paging {
    fn from_query(context: &Context<'_>) -> Result<Self, Status> {
        let resource_version = context.query("resourceVersion").unwrap_or_default();
        let matching = context.query("resourceVersionMatch").unwrap_or_default();
        let token = context.query("continue").unwrap_or_default();
        let mut errors = Vec::new();
        if !matching.is_empty() {
            if resource_version.is_empty() {
                errors.push(FieldError::forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden unless resourceVersion is provided",
                ));
            }
            if !token.is_empty() {
                errors.push(FieldError::forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden when continue is provided",
                ));
            }
            if matching != "Exact" && matching != "NotOlderThan" {
                errors.push(FieldError::not_supported(
                    "resourceVersionMatch",
                    matching.as_str(),
                    &["Exact", "NotOlderThan", ""],
                ));
            }
            if matching == "Exact" && resource_version == "0" {
                errors.push(FieldError::forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(status::invalid("meta.k8s.io", "ListOptions", "", errors));
        }
        let limit = match context.query("limit") {
            // ListOptions' query conversion: strconv's error, as a 400.
            Some(text) => kubeward_core::go::parse_int(text.trim())
                .map_err(|error| status::bad_request(&error))?,
            None => 0,
        };
        let limit = usize::try_from(limit).ok().filter(|l| *l > 0);
        if !token.is_empty() {
            let continue_from = Continue::decode(&token)
                .map_err(|e| status::bad_request(&format!("invalid continue token: {e}")))?;
            if !resource_version.is_empty() && resource_version != "0" {
                return Err(status::bad_request(
                    "specifying resource version is not allowed when using continue",
                ));
            }
            return Ok(Self {
                limit,
                continue_from: Some(continue_from),
                revision: ReadRevision::Latest,
            });
        }
        let revision = if resource_version.is_empty() {
            ReadRevision::Latest
        } else {
            // etcd3's GetList: the versioner's field error, as a 400.
            let parsed = kubeward_core::go::parse_uint(&resource_version).map_err(|error| {
                status::bad_request(&format!(
                    "invalid resource version: resourceVersion: Invalid value: {}: {error}",
                    kubeward_core::go::quote(&resource_version)
                ))
            })?;
            match matching.as_str() {
                "Exact" => ReadRevision::Exact(parsed),
                // A plain resourceVersion with a limit reads that revision exactly (the legacy
                // case); "0" is any revision.
                "" if limit.is_some() && parsed > 0 => ReadRevision::Exact(parsed),
                _ => ReadRevision::NotOlderThan(parsed),
            }
        };
        Ok(Self {
            limit,
            continue_from: None,
            revision,
        })
    }
}

/// The `metadata` of a list: its revision, and where the next page starts.
fn list_metadata(listing: &Listing) -> Value {
    let mut metadata = json!({"resourceVersion": listing.revision.to_string()});
    if let Some(next) = &listing.continue_from {
        metadata["continue"] = json!(next.encode());
    }
    if let Some(remaining) = listing.remaining {
        metadata["remainingItemCount"] = json!(remaining);
    }
    metadata
}

/// GET a collection: one page, selected, at a revision.
pub fn list(context: &Context<'_>, kind: &Kind) -> Result<Response<Body>, Status> {
    let selectors = selectors(context, kind)?;
    let paging = Paging::from_query(context)?;
    let select = |object: &Value| selectors.matches(object);
    let options = ListOptions {
        limit: paging.limit,
        continue_from: paging.continue_from,
        revision: paging.revision,
        predicate: (!selectors.is_empty()).then_some(&select as &(dyn Fn(&Value) -> bool + Sync)),
    };
    let listing = generic::list(context.state, kind, &context.info.namespace, &options)
        .map_err(|failure| expired_continue(failure, options.continue_from.as_ref()))?;
    let metadata = list_metadata(&listing);
    if printing::wants_table(context.accept()) {
        let revision = listing.revision.to_string();
        let mut table = kind.table(&listing.items, &revision, crate::clock::now());
        table["metadata"] = metadata;
        return Ok(respond::ok(&table, context.pretty));
    }
    let list = json!({
        "kind": format!("{}List", kind.kind),
        "apiVersion": kind.api_version(),
        "metadata": metadata,
        "items": listing.items,
    });
    Ok(respond::ok(&list, context.pretty))
}

/// A continue token whose revision is compacted away gets kube-apiserver's 410 (etcd3's
/// `handleCompactedErrorForPaging`): its words, and a token that goes on from the same place at
/// the newest revision, for a client that accepts an inconsistent list.
fn expired_continue(failure: Status, continue_from: Option<&Continue>) -> Status {
    let Some(continue_from) = continue_from.filter(|_| failure.code == 410) else {
        return failure;
    };
    let mut expired = status::expired(
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
    );
    expired.continue_token = Continue {
        revision: None,
        start: continue_from.start.clone(),
    }
    .encode();
    expired
}

/// The request's selectors for `kind`.
pub fn selectors(context: &Context<'_>, kind: &Kind) -> Result<Selectors, Status> {
    Selectors::parse(
        kind,
        context.query("labelSelector").as_deref().unwrap_or(""),
        context.query("fieldSelector").as_deref().unwrap_or(""),
    )
}

/// Runs `work` with the request's admission on a blocking thread: registry writes wait for the
/// disk (or the network) and must not hold an async worker.
pub async fn blocking<T: Send + 'static>(
    context: &Context<'_>,
    work: impl FnOnce(&Admission<'_>) -> Result<T, Status> + Send + 'static,
) -> Result<T, Status> {
    blocking_as(context, None, work).await
}

/// [`blocking`] for a write whose Update `manager` records in the managed fields.
pub async fn blocking_as<T: Send + 'static>(
    context: &Context<'_>,
    manager: Option<String>,
    work: impl FnOnce(&Admission<'_>) -> Result<T, Status> + Send + 'static,
) -> Result<T, Status> {
    let state = context.state_handle();
    let user = context.user.clone();
    let subresource = context.info.subresource.clone();
    tokio::task::spawn_blocking(move || {
        work(&Admission {
            state: &state,
            user: &user,
            subresource: &subresource,
            manager: manager.as_deref(),
        })
    })
    .await
    .map_err(|e| status::internal_error(&e.to_string()))?
}

/// Answers a write with `code`, the object and the warnings — once the controllers have handled
/// the write that stored the object (a dry run stored nothing).
pub async fn written(
    context: &Context<'_>,
    code: u16,
    object: &Value,
    warnings: &[String],
    dry_run: bool,
) -> Response<Body> {
    if !dry_run && let Ok(revision) = objects::resource_version(object).parse::<u64>() {
        context.state.synced.wait_for(revision).await;
    }
    with_warnings(respond::json(code, object, context.pretty), warnings)
}

/// POST: create an object.
pub async fn create(
    context: &Context<'_>,
    kind: &'static Kind,
    request_body: RequestBody,
) -> Result<Response<Body>, Status> {
    let manager = field_manager_of(context, "CreateOptions", false)?;
    let (object, warnings) = read_object(context, kind, request_body).await?;
    let namespace = context.info.namespace.clone();
    let dry_run = context.dry_run();
    let stored = blocking_as(context, Some(manager), move |admission| {
        generic::create(admission, kind, &namespace, object, dry_run)
    })
    .await?;
    Ok(written(context, 201, &stored, &warnings, dry_run).await)
}

/// PUT: replace an object (or its `status`/`approval` subresource).
pub async fn update(
    context: &Context<'_>,
    kind: &'static Kind,
    request_body: RequestBody,
) -> Result<Response<Body>, Status> {
    let manager = field_manager_of(context, "UpdateOptions", false)?;
    let (object, warnings) = read_object(context, kind, request_body).await?;
    let name = context.info.name.clone();
    let declared = objects::name(&object);
    if declared != name {
        return Err(status::bad_request(&format!(
            "the name of the object ({declared}) does not match the name on the URL ({name})"
        )));
    }
    let namespace = context.info.namespace.clone();
    let dry_run = context.dry_run();
    let stored = blocking_as(context, Some(manager), move |admission| {
        // The body's uid is a precondition (`rest.DefaultUpdatedObjectInfo`), checked by the
        // storage layer before the resourceVersion.
        let uid = objects::uid(&object).to_string();
        let preconditions = Preconditions {
            uid: (!uid.is_empty()).then_some(uid),
            resource_version: None,
        };
        generic::update(admission, kind, &namespace, &name, dry_run, |current| {
            preconditions.check(kind, current)?;
            Ok(object.clone())
        })
    })
    .await?;
    Ok(written(context, 200, &stored, &warnings, dry_run).await)
}

/// PATCH: JSON patch, merge patch or strategic merge patch.
pub async fn patch(
    context: &Context<'_>,
    kind: &'static Kind,
    request_body: RequestBody,
) -> Result<Response<Body>, Status> {
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
    let patch_kind = patch::PatchKind::from_content_type(&content_type)?;
    let Some(patch_kind) = patch_kind else {
        return apply(context, kind, bytes).await;
    };
    let manager = field_manager_of(context, "PatchOptions", false)?;
    let directive = directive(context)?;
    let document: Value = serde_json::from_slice(&bytes)
        .map_err(|e| status::bad_request(&format!("error decoding patch: {e}")))?;
    // A merge or strategic merge patch is decoded strictly too: the fields it repeats.
    let decoding: Vec<String> = match patch_kind {
        patch::PatchKind::Json => Vec::new(),
        _ => kubeward_core::json::duplicate_fields(&bytes)
            .unwrap_or_default()
            .iter()
            .map(|field| format!("duplicate field {}", kubeward_core::go::quote(field)))
            .collect(),
    };
    let namespace = context.info.namespace.clone();
    let name = context.info.name.clone();
    let dry_run = context.dry_run();
    let (stored, warnings) = blocking_as(context, Some(manager), move |admission| {
        let mut warnings = Vec::new();
        let stored = generic::update(admission, kind, &namespace, &name, dry_run, |current| {
            let mut patched = patch::apply(patch_kind, current, &document)?;
            set_type(&mut patched, kind);
            warnings = field_validation::check_patched(
                kind,
                &patched,
                (patch_kind, &document),
                &decoding,
                directive,
            )?;
            Ok::<_, WriteFailure>(patched)
        })?;
        Ok((stored, warnings))
    })
    .await?;
    Ok(written(context, 200, &stored, &warnings, dry_run).await)
}

/// The request's field manager, checked as kube-apiserver checks `{options_kind}`
/// (`fieldManager` required for an apply, `force` only allowed there); without one, the
/// User-Agent's prefix.
pub(super) fn field_manager_of(
    context: &Context<'_>,
    options_kind: &str,
    applying: bool,
) -> Result<String, Status> {
    let given = context.query("fieldManager").unwrap_or_default();
    let mut errors = Vec::new();
    if options_kind == "PatchOptions" {
        if !applying && context.query("force").is_some() {
            errors.push(FieldError::forbidden(
                "force",
                "may not be specified for non-apply patch",
            ));
        }
        if applying && given.is_empty() {
            errors.push(FieldError::required(
                "fieldManager",
                "is required for apply patch",
            ));
        }
    }
    errors.extend(field_manager::validate_manager(&given, "fieldManager"));
    if !errors.is_empty() {
        return Err(status::invalid("meta.k8s.io", options_kind, "", errors));
    }
    if !given.is_empty() {
        return Ok(given);
    }
    let user_agent = context
        .parts
        .headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    Ok(field_manager::manager_from_user_agent(user_agent))
}

/// PATCH with `application/apply-patch+yaml`: server-side apply. The configuration (YAML or
/// JSON) is merged into the stored object by the field manager, or creates the object when
/// there is none (201); conflicts with other managers answer 409 unless `force=true`.
async fn apply(
    context: &Context<'_>,
    kind: &'static Kind,
    bytes: Bytes,
) -> Result<Response<Body>, Status> {
    let manager = field_manager_of(context, "PatchOptions", true)?;
    let force = force_of(context)?;
    let directive = directive(context)?;
    let config = decode_apply(&bytes)?;
    let declared_kind = config.get("kind").and_then(Value::as_str).unwrap_or("");
    let declared_version = config
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    if declared_kind != kind.kind || !kind.is_api_version(declared_version) {
        let (group, version) = match declared_version.rsplit_once('/') {
            Some((group, version)) => (group, version),
            None => ("", declared_version),
        };
        return Err(status::bad_request(&format!(
            "invalid object type: {group}/{version}, Kind={declared_kind}"
        )));
    }
    let decoding: Vec<String> = std::str::from_utf8(&bytes)
        .ok()
        .map(|text| {
            let mut headers = http::HeaderMap::new();
            let media = if text.trim_start().starts_with('{') {
                "application/json"
            } else {
                "application/yaml"
            };
            headers.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static(media),
            );
            body::strict_errors(&headers, &bytes)
        })
        .unwrap_or_default();
    let namespace = context.info.namespace.clone();
    let name = context.info.name.clone();
    let dry_run = context.dry_run();
    let (code, stored, warnings) = blocking(context, move |admission| {
        let api_version = kind.api_version();
        let now = objects::timestamp(crate::clock::now());
        let mut writer = generic::field_writer(
            kind,
            &api_version,
            admission.subresource,
            &manager,
            &now,
        );
        let versions = custom::field_versions::CustomVersions::of(admission.state, kind);
        writer.versions = versions.as_ref().map(|v| v as &dyn Versions);
        let mut warnings = Vec::new();
        let mut applied = |live: Option<&Value>| -> Result<Value, Status> {
            let mut object = field_manager::apply(&writer, live, &config, force)?.object;
            set_type(&mut object, kind);
            let declared = objects::name(&object);
            if declared != name {
                return Err(status::bad_request(&format!(
                    "the name of the object ({declared}) does not match the name on the URL ({name})"
                )));
            }
            warnings = field_validation::check(kind, &object, &decoding, directive)?;
            Ok(object)
        };
        match generic::get(admission.state, kind, &namespace, &name) {
            Err(missing) if missing.code == 404 && admission.subresource.is_empty() => {
                let object = applied(None)?;
                let created = generic::create(admission, kind, &namespace, object, dry_run)?;
                Ok((201, created, warnings))
            }
            Err(failure) => Err(failure),
            Ok(_) => {
                let stored = generic::update(admission, kind, &namespace, &name, dry_run, |current| {
                    Ok::<_, WriteFailure>(applied(Some(current))?)
                })?;
                Ok((200, stored, warnings))
            }
        }
    })
    .await?;
    Ok(written(context, code, &stored, &warnings, dry_run).await)
}

/// An apply's `force` query parameter, read as Go's `strconv.ParseBool`.
pub(super) fn force_of(context: &Context<'_>) -> Result<bool, Status> {
    match context.query("force").as_deref() {
        None | Some("") => Ok(false),
        Some("1" | "t" | "T" | "true" | "TRUE" | "True") => Ok(true),
        Some("0" | "f" | "F" | "false" | "FALSE" | "False") => Ok(false),
        Some(other) => Err(status::bad_request(&format!(
            "strconv.ParseBool: parsing {}: invalid syntax",
            kubeward_core::go::quote(other)
        ))),
    }
}

/// An apply configuration: YAML (JSON is YAML too), an object.
pub(super) fn decode_apply(bytes: &[u8]) -> Result<Value, Status> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| status::bad_request("error decoding YAML: invalid UTF-8"))?;
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::LastWins,
    };
    let value: Value = serde_saphyr::from_str_with_options(text, options)
        .map_err(|error| status::bad_request(&format!("error decoding YAML: {error}")))?;
    match value {
        Value::Object(_) => Ok(value),
        Value::Null => Ok(json!({})),
        _ => Err(status::bad_request(
            "error decoding YAML: cannot unmarshal into an object",
        )),
    }
}

/// The `DeleteOptions` of a DELETE (the body, may be empty; `gracePeriodSeconds` also as a
/// query parameter): preconditions, grace period and dry run.
fn delete_options(context: &Context<'_>, bytes: &Bytes) -> Result<(DeleteOptions, bool), Status> {
    let options = if bytes.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        let options = body::decode_object(&context.parts.headers, bytes)?;
        context.audit_request_object(&options);
        options
    };
    let text = |pointer: &str| {
        options
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let preconditions = Preconditions {
        uid: text("/preconditions/uid"),
        resource_version: text("/preconditions/resourceVersion"),
    };
    let grace_period_seconds = match context.query("gracePeriodSeconds") {
        Some(value) => Some(value.parse::<i64>().map_err(|e| {
            status::bad_request(&format!("invalid gracePeriodSeconds {value:?}: {e}"))
        })?),
        None => options.get("gracePeriodSeconds").and_then(Value::as_i64),
    };
    let dry_run_in_body = options
        .get("dryRun")
        .and_then(Value::as_array)
        .is_some_and(|values| values.iter().any(|v| v == "All"));
    let orphan = options.get("orphanDependents").and_then(Value::as_bool) == Some(true);
    let propagation_policy = context
        .query("propagationPolicy")
        .or_else(|| text("/propagationPolicy"))
        .or_else(|| orphan.then(|| "Orphan".to_string()));
    let options = DeleteOptions {
        preconditions,
        grace_period_seconds,
        propagation_policy,
    };
    Ok((options, context.dry_run() || dry_run_in_body))
}

/// DELETE one object (`DeleteOptions` in the body).
pub async fn delete(
    context: &Context<'_>,
    kind: &'static Kind,
    request_body: RequestBody,
) -> Result<Response<Body>, Status> {
    let bytes = body::read(request_body).await?;
    let (options, dry_run) = delete_options(context, &bytes)?;
    let namespace = context.info.namespace.clone();
    let name = context.info.name.clone();
    let deleted = blocking(context, move |admission| {
        generic::delete(admission.state, kind, &namespace, &name, &options, dry_run)
    })
    .await?;
    Ok(written(context, 200, &deleted, &[], dry_run).await)
}

/// DELETE a collection (with selectors).
pub async fn delete_collection(
    context: &Context<'_>,
    kind: &'static Kind,
) -> Result<Response<Body>, Status> {
    let selectors = selectors(context, kind)?;
    let namespace = context.info.namespace.clone();
    let dry_run = context.dry_run();
    let (deleted, revision) = blocking(context, move |admission| {
        let state = admission.state;
        let listing = generic::list(state, kind, &namespace, &ListOptions::default())?;
        let mut deleted = Vec::new();
        for object in listing.items.iter().filter(|o| selectors.matches(o)) {
            let removed = generic::delete(
                state,
                kind,
                objects::namespace(object),
                objects::name(object),
                &DeleteOptions::default(),
                dry_run,
            );
            match removed {
                Ok(object) => deleted.push(object),
                Err(failure) if failure.code == 404 => {}
                Err(failure) => return Err(failure),
            }
        }
        let revision = state.store.revision().unwrap_or(listing.revision);
        Ok((deleted, revision))
    })
    .await?;
    if !dry_run {
        context.state.synced.wait_for(revision).await;
    }
    let list = json!({
        "kind": format!("{}List", kind.kind),
        "apiVersion": kind.api_version(),
        "metadata": {"resourceVersion": revision.to_string()},
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

/// The request's object: read, decoded, checked to be of `kind`'s type, typed, and checked
/// against the kind's schema under the request's `fieldValidation` directive (the warnings to
/// send come with it).
async fn read_object(
    context: &Context<'_>,
    kind: &Kind,
    request_body: RequestBody,
) -> Result<(Value, Vec<String>), Status> {
    let directive = directive(context)?;
    let bytes = body::read(request_body).await?;
    let mut object = body::decode_object(&context.parts.headers, &bytes)?;
    check_kind(&object, kind)?;
    set_type(&mut object, kind);
    context.audit_request_object(&object);
    let duplicates = body::strict_errors(&context.parts.headers, &bytes);
    let warnings = field_validation::check(kind, &object, &duplicates, directive)?;
    Ok((object, warnings))
}

/// A body whose `kind`/`apiVersion` name another type is refused, as the decoder does.
fn check_kind(object: &Value, kind: &Kind) -> Result<(), Status> {
    let declared_kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let kind_ok = declared_kind.is_empty() || declared_kind == kind.kind;
    let version_ok = api_version.is_empty() || api_version == kind.api_version();
    if kind_ok && version_ok {
        Ok(())
    } else {
        Err(status::bad_request(&format!(
            "the API version in the data ({api_version}) does not match the expected API version ({})",
            kind.api_version()
        )))
    }
}

fn set_type(object: &mut Value, kind: &Kind) {
    if let Some(map) = object.as_object_mut() {
        map.insert("apiVersion".into(), Value::String(kind.api_version()));
        map.insert("kind".into(), Value::String(kind.kind.to_string()));
    }
}

#[cfg(test)]
mod tests;
