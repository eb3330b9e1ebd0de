//! The generic registry: every stored kind's reads and writes through its strategy, as
//! kube-apiserver's `registry/generic/registry.Store` does them — the namespace lifecycle
//! checks, metadata, the strategy's preparation, authorization, validation and admission, then
//! the store with its preconditions. Handlers call it for requests; controllers write to the
//! store directly, as kube-controller-manager's privileged clients do.

use kubeward_core::status::{self, FieldError, Status, StatusCause};
use kubeward_core::validation::{NameRule, names, object_meta};
use kubeward_store::{ListOptions, Listing, ObjectKey, StoreError, StoreExt as _};
use serde_json::{Value, json};

use super::custom;
use super::field_manager::{self, Writer, shape::Shape, versions::Versions};
use super::kinds::{self, Admission, Kind};
use super::objects;
use super::quota_admission;
use crate::state::State;

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
    pub fn into_status(self, kind: &Kind, name: &str) -> Status {
        match self {
            Self::Status(status) => status,
            Self::Store(error) => store_status(error, kind, name),
        }
    }
}

/// The `Status` for a store error on `kind`/`name`.
pub fn store_status(error: StoreError, kind: &Kind, name: &str) -> Status {
    match error {
        StoreError::NotFound => status::not_found(kind.group, kind.resource, name),
        StoreError::AlreadyExists => status::already_exists(kind.group, kind.resource, name),
        StoreError::Conflict => status::conflict(
            kind.group,
            kind.resource,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        ),
        StoreError::Gone { .. } => {
            status::expired("The resourceVersion for the provided list is too old.")
        }
        StoreError::TooLargeRevision { requested, current } => {
            status::too_large_resource_version(requested, current)
        }
        StoreError::Invalid(message) => status::bad_request(&message),
        other => status::internal_error(&other.to_string()),
    }
}

/// Gives `object` the version of `kind`: the served versions of a resource share its stored
/// objects (a custom resource's `None` conversion, or the kind's own conversion from its
/// storage version), so a client reads — and a watch, a write's answer, a patch sees — the
/// version it asked for. A custom resource whose definition converts by webhook is converted
/// by its webhook, which may fail (kube-apiserver's 500).
pub fn in_version(state: &State, kind: &Kind, object: &mut Value) -> Result<(), Status> {
    in_version_all(state, kind, std::slice::from_mut(object), false)
}

/// [`in_version`] of the items of a list (`list`: one webhook review for all of them, its
/// errors worded for a list).
pub fn in_version_all(
    state: &State,
    kind: &Kind,
    items: &mut [Value],
    list: bool,
) -> Result<(), Status> {
    let needs = |object: &Value| {
        object.get("kind").and_then(Value::as_str) == Some(kind.kind)
            && !object
                .get("apiVersion")
                .and_then(Value::as_str)
                .is_some_and(|v| kind.is_api_version(v))
    };
    if !items.iter().any(needs) {
        return Ok(());
    }
    if let Some((webhook, storage)) = custom::webhook_of(kind) {
        let input = if list {
            custom::conversion::gvk_text(&storage, &format!("{}List", kind.kind))
        } else {
            let object = &items[0];
            custom::conversion::gvk_text(
                object
                    .get("apiVersion")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
                kind.kind,
            )
        };
        return custom::converter::convert(
            state,
            &webhook,
            items,
            &kind.api_version(),
            &input,
            list,
        );
    }
    for object in items.iter_mut().filter(|o| needs(o)) {
        kind.strategy.to_served(object);
        if let Some(map) = object.as_object_mut() {
            map.insert("apiVersion".into(), Value::String(kind.api_version()));
        }
    }
    Ok(())
}

/// Converts `object` (in `kind`'s version) to the version its definition stores, when that
/// definition converts by webhook (kube-apiserver's storage encoding); other kinds are stored
/// as they are.
fn to_storage_version(state: &State, kind: &Kind, object: &mut Value) -> Result<(), Status> {
    let Some((webhook, storage)) = custom::webhook_of(kind) else {
        return Ok(());
    };
    let input = custom::conversion::gvk_text(&kind.api_version(), kind.kind);
    custom::converter::convert(
        state,
        &webhook,
        std::slice::from_mut(object),
        &storage,
        &input,
        false,
    )
}

/// The object `namespace/name` of `kind`.
pub fn get(state: &State, kind: &Kind, namespace: &str, name: &str) -> Result<Value, Status> {
    let mut object = state
        .store
        .get(&kind.key(namespace, name))
        .map_err(|e| store_status(e, kind, name))?
        .ok_or_else(|| status::not_found(kind.group, kind.resource, name))?;
    in_version(state, kind, &mut object)?;
    Ok(object)
}

/// A page of the objects of `kind` in `namespace` (`""`: all).
pub fn list(
    state: &State,
    kind: &Kind,
    namespace: &str,
    options: &ListOptions<'_>,
) -> Result<Listing, Status> {
    let mut listing = state
        .store
        .list(&kind.scope(namespace), options)
        .map_err(|e| store_status(e, kind, ""))?;
    in_version_all(state, kind, &mut listing.items, true)?;
    Ok(listing)
}

/// The namespaces that cannot be deleted (kube-apiserver's immortal namespaces).
pub const IMMORTAL_NAMESPACES: [&str; 3] = ["default", "kube-system", "kube-public"];

/// The NamespaceLifecycle admission of a create in `namespace`: the namespace must exist and
/// not be terminating.
fn check_namespace_lifecycle(
    state: &State,
    kind: &Kind,
    namespace: &str,
    name: &str,
) -> Result<(), Status> {
    let namespaces = kinds::core::namespaces();
    let found = state
        .store
        .get(&namespaces.key("", namespace))
        .map_err(|e| store_status(e, namespaces, namespace))?
        .ok_or_else(|| status::not_found("", "namespaces", namespace))?;
    if objects::is_terminating(&found) {
        let mut refused = status::forbidden_with_message(
            kind.group,
            kind.resource,
            name,
            &format!(
                "unable to create new content in namespace {namespace} because it is being terminated"
            ),
        );
        if let Some(details) = refused.details.as_mut() {
            details.causes.push(StatusCause {
                reason: "NamespaceTerminating".to_string(),
                message: format!("namespace {namespace} is being terminated"),
                field: "metadata.namespace".to_string(),
            });
        }
        return Err(refused);
    }
    Ok(())
}

/// The metadata checks of a create with the kind's name rule, then the kind's own; then, as
/// kube-apiserver does after every kind's own validation, the generic path-segment name check.
fn validate_create(kind: &Kind, object: &Value) -> Result<(), Status> {
    let mut errors = object_meta::validate_create(object, kind.namespaced, kind.name_rule);
    errors.extend(field_manager::validate(object));
    errors.extend(kind.strategy.validate(object));
    let name = objects::name(object);
    if errors.is_empty() && kind.name_rule == NameRule::Any {
        errors = names::path_segment(name, false)
            .into_iter()
            .map(|message| FieldError::invalid("metadata.name", name, &message))
            .collect();
    }
    invalid_unless_empty(kind, name, errors)
}

fn validate_update(kind: &Kind, next: &Value, current: &Value) -> Result<(), Status> {
    let mut errors = object_meta::validate_update(next, current);
    errors.extend(field_manager::validate(next));
    errors.extend(kind.strategy.validate_update(next, current));
    invalid_unless_empty(kind, objects::name(next), errors)
}

fn invalid_unless_empty(kind: &Kind, name: &str, errors: Vec<FieldError>) -> Result<(), Status> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(status::invalid(kind.group, kind.kind, name, errors))
    }
}

/// How `kind`'s fields merge and are owned, for `manager` writing `subresource` at `now`.
pub fn field_writer<'a>(
    kind: &'a Kind,
    api_version: &'a str,
    subresource: &'a str,
    manager: &'a str,
    now: &'a str,
) -> Writer<'a> {
    Writer {
        manager,
        api_version,
        subresource,
        now,
        shape: match kind.strategy.structural_schema() {
            Some(schema) => Shape::Custom(schema),
            None => Shape::Builtin,
        },
        has_status: kind.subresources.contains(&"status"),
        versions: None,
    }
}

/// Records the request's Update in `object`'s managed fields (a create: no `live` object), when
/// the request names a field manager; otherwise an update keeps the stored managed fields
/// unless the object brings its own.
fn record_fields(request: &Admission<'_>, kind: &Kind, live: Option<&Value>, object: &mut Value) {
    match request.manager {
        Some(manager) => {
            let api_version = kind.api_version();
            let now = objects::timestamp(crate::clock::now());
            let mut writer = field_writer(kind, &api_version, request.subresource, manager, &now);
            let versions = custom::field_versions::CustomVersions::of(request.state, kind);
            writer.versions = versions.as_ref().map(|v| v as &dyn Versions);
            field_manager::record_update(&writer, live, object);
        }
        None => {
            let kept = live
                .and_then(|l| l.pointer("/metadata/managedFields"))
                .cloned();
            let metadata = objects::metadata_mut(object);
            if let Some(kept) = kept
                && !metadata.contains_key("managedFields")
            {
                metadata.insert("managedFields".into(), kept);
            }
        }
    }
}

/// kube-apiserver's attempts at a create whose name is generated (`RetryGenerateName`, on by
/// default since 1.32): enough for a million names of one `generateName` prefix with a 0.1 %
/// chance of any collision.
pub const MAX_NAME_GENERATION_CREATE_ATTEMPTS: usize = 8;

/// Creates `object` of `kind` in `namespace` (the URL's) for the request's user; with
/// `dry_run`, everything but the store write. When the server generates the name
/// (`generateName` without `name`) and it collides with an existing object, the whole create
/// is tried again with a new name, as kube-apiserver does, instead of answering 409.
pub fn create(
    request: &Admission<'_>,
    kind: &Kind,
    namespace: &str,
    object: Value,
    dry_run: bool,
) -> Result<Value, Status> {
    if kind.namespaced {
        let declared = objects::namespace(&object);
        if !declared.is_empty() && declared != namespace {
            return Err(status::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        check_namespace_lifecycle(request.state, kind, namespace, objects::name(&object))?;
    }
    if !objects::needs_name_generation(&object) {
        return create_once(request, kind, namespace, object, dry_run);
    }
    retry_generated_name(|| create_once(request, kind, namespace, object.clone(), dry_run))
}

/// Runs `attempt` (a create with a freshly generated name) until it does not fail with
/// `AlreadyExists`, [`MAX_NAME_GENERATION_CREATE_ATTEMPTS`] times at most; the last answer.
pub fn retry_generated_name<T>(
    mut attempt: impl FnMut() -> Result<T, Status>,
) -> Result<T, Status> {
    let mut answer = attempt();
    for _ in 1..MAX_NAME_GENERATION_CREATE_ATTEMPTS {
        match &answer {
            Err(status) if status.reason == "AlreadyExists" => answer = attempt(),
            _ => break,
        }
    }
    answer
}

fn create_once(
    request: &Admission<'_>,
    kind: &Kind,
    namespace: &str,
    mut object: Value,
    dry_run: bool,
) -> Result<Value, Status> {
    let state = request.state;
    kind.strategy.to_storage(&mut object);
    objects::prepare_create(
        &mut object,
        kind.namespaced.then_some(namespace),
        crate::clock::now(),
    );
    kind.strategy.prepare_for_create(request, &mut object);
    record_fields(request, kind, None, &mut object);
    kind.strategy.authorize_create(request, &object)?;
    validate_create(kind, &object)?;
    kind.strategy.admit_create(request, &object)?;
    quota_admission::admit(state, kind, namespace, &object, dry_run)?;
    if dry_run {
        return Ok(object);
    }
    to_storage_version(state, kind, &mut object)?;
    let name = objects::name(&object).to_string();
    let mut created = state
        .store
        .create(&kind.key(namespace, &name), object)
        .map_err(|e| store_status(e, kind, &name))?;
    in_version(state, kind, &mut created)?;
    Ok(created)
}

/// Replaces `namespace/name` of `kind` (or its `status`/`approval` subresource) with what
/// `desired` makes of the stored object, with optimistic concurrency: the resourceVersion the
/// new object carries must be the stored one; what the subresource may change, the strategy,
/// authorization, validation and admission, then the store. `desired` may run more than once
/// when another write comes in between. With `dry_run`, nothing is written.
pub fn update(
    request: &Admission<'_>,
    kind: &Kind,
    namespace: &str,
    name: &str,
    dry_run: bool,
    mut desired: impl FnMut(&Value) -> Result<Value, WriteFailure>,
) -> Result<Value, Status> {
    let state = request.state;
    let mut next_of = |mut current: Value| -> Result<Value, WriteFailure> {
        in_version(state, kind, &mut current)?;
        let next = desired(&current)?;
        let wanted = objects::resource_version(&next);
        if !wanted.is_empty() && wanted != objects::resource_version(&current) {
            return Err(WriteFailure::Store(StoreError::Conflict));
        }
        let mut next = next;
        kind.strategy.to_storage(&mut current);
        kind.strategy.to_storage(&mut next);
        let mut next = merge_subresource(kind, request.subresource, &current, next);
        objects::preserve_on_update(&mut next, &current);
        kind.strategy
            .prepare_for_update(request, &current, &mut next);
        record_fields(request, kind, Some(&current), &mut next);
        kind.strategy.authorize_update(request, &current, &next)?;
        validate_update(kind, &next, &current)?;
        kind.strategy.admit_update(request, &current, &next)?;
        if !dry_run {
            to_storage_version(state, kind, &mut next)?;
        }
        Ok(next)
    };
    let key = kind.key(namespace, name);
    let result = if dry_run {
        let current = get(request.state, kind, namespace, name)?;
        next_of(current)
    } else {
        request.state.store.modify(&key, next_of)
    };
    let mut stored = result.map_err(|e| e.into_status(kind, name))?;
    in_version(state, kind, &mut stored)?;
    if dry_run || !finalized(&stored) {
        return Ok(stored);
    }
    // The last finalizer of an object being deleted is gone: the delete completes.
    let revision = objects::resource_version(&stored).parse().ok();
    match request.state.store.delete(&key, revision) {
        Ok(deleted) => Ok(deleted),
        Err(StoreError::Conflict | StoreError::NotFound) => Ok(stored),
        Err(error) => Err(store_status(error, kind, name)),
    }
}

/// Removes `finalizer` from the list at `pointer` (`/metadata/finalizers`, or a Namespace's
/// `/spec/finalizers`) of the object at `key`, as the controller that owns it does when its work
/// is done; the object goes once nothing holds it ([`finalized`]). An object already gone, or
/// deleted or changed by another writer meanwhile, is not an error.
pub fn remove_finalizer(
    state: &State,
    key: &ObjectKey,
    pointer: &str,
    finalizer: &str,
) -> Result<(), StoreError> {
    let removed = state.store.modify(key, |mut current| {
        let remaining: Vec<String> = objects::strings(current.pointer(pointer))
            .into_iter()
            .filter(|f| f != finalizer)
            .collect();
        if let Some(list) = current.pointer_mut(pointer) {
            *list = json!(remaining);
        }
        Ok::<_, StoreError>(current)
    });
    match removed {
        Ok(stored) if finalized(&stored) => {
            let revision = objects::resource_version(&stored).parse().ok();
            match state.store.delete(key, revision) {
                Ok(_) | Err(StoreError::NotFound | StoreError::Conflict) => Ok(()),
                Err(error) => Err(error),
            }
        }
        Ok(_) | Err(StoreError::NotFound) => Ok(()),
        Err(error) => Err(error),
    }
}

/// Whether `object` is being deleted and nothing holds it any more (no finalizers left; for a
/// namespace, none in its spec either; no grace period running: `shouldDeleteDuringUpdate`).
pub fn finalized(object: &Value) -> bool {
    let held = |pointer: &str| {
        object
            .pointer(pointer)
            .and_then(Value::as_array)
            .is_some_and(|finalizers| !finalizers.is_empty())
    };
    // A graceful deletion in progress (a pod its kubelet is stopping) is not finalized.
    let graceful = object
        .pointer("/metadata/deletionGracePeriodSeconds")
        .and_then(Value::as_i64)
        .is_some_and(|seconds| seconds > 0);
    object
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|t| !t.is_null())
        && !graceful
        && !held("/metadata/finalizers")
        && !held("/spec/finalizers")
}

/// What a delete asks (`DeleteOptions`): preconditions, and the grace period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteOptions {
    /// What the stored object must be.
    pub preconditions: Preconditions,
    /// `gracePeriodSeconds`; `None`: the kind's default.
    pub grace_period_seconds: Option<i64>,
    /// `propagationPolicy` (`Orphan`, `Foreground`, `Background`; `None`: background): the
    /// first two hold the object with the garbage collector's `orphan` or `foregroundDeletion`
    /// finalizer until its dependents are orphaned or deleted.
    pub propagation_policy: Option<String>,
}

/// What a delete checks against the stored object (`DeleteOptions.preconditions`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preconditions {
    /// The uid the object must have.
    pub uid: Option<String>,
    /// The resourceVersion the object must have.
    pub resource_version: Option<String>,
}

impl Preconditions {
    /// The first precondition `object` does not meet: which field, what was asked, what is.
    fn unmet<'a>(&'a self, object: &'a Value) -> Option<(&'static str, &'a str, &'a str)> {
        match (&self.uid, &self.resource_version) {
            (Some(uid), _) if uid != objects::uid(object) => {
                Some(("UID", uid.as_str(), objects::uid(object)))
            }
            (_, Some(rv)) if rv != objects::resource_version(object) => Some((
                "ResourceVersion",
                rv.as_str(),
                objects::resource_version(object),
            )),
            _ => None,
        }
    }

    /// kube-apiserver's early check of a delete (`rest.BeforeDelete`, and the namespace and
    /// CustomResourceDefinition registries' own): 409 in their words when `object` does not
    /// meet them.
    fn check_before_delete(&self, kind: &Kind, object: &Value) -> Result<(), Status> {
        let Some((label, wanted, actual)) = self.unmet(object) else {
            return Ok(());
        };
        let name = objects::name(object);
        let own_registry = matches!(
            (kind.group, kind.resource),
            ("", "namespaces") | ("apiextensions.k8s.io", "customresourcedefinitions")
        );
        if own_registry {
            return Err(status::conflict(
                kind.group,
                kind.resource,
                name,
                &format!(
                    "Precondition failed: {label} in precondition: {wanted}, {label} in object meta: {actual}"
                ),
            ));
        }
        // BeforeDelete names the object by its Kind, where other conflicts name the resource.
        let message = if label == "UID" {
            format!(
                "the UID in the precondition ({wanted}) does not match the UID in record ({actual}). The object might have been deleted and then recreated"
            )
        } else {
            format!(
                "the ResourceVersion in the precondition ({wanted}) does not match the ResourceVersion in record ({actual}). The object might have been modified"
            )
        };
        Err(status::conflict(kind.group, kind.kind, name, &message))
    }

    /// The storage layer's 409 (`storage.Preconditions.Check` as `InterpretUpdateError` and
    /// `InterpretDeleteError` word it) when `object` does not meet them.
    pub(crate) fn check(&self, kind: &Kind, object: &Value) -> Result<(), Status> {
        let Some((label, wanted, actual)) = self.unmet(object) else {
            return Ok(());
        };
        let name = objects::name(object);
        let key = storage_key(kind, objects::namespace(object), name);
        Err(status::conflict(
            kind.group,
            kind.resource,
            name,
            &format!(
                "StorageError: invalid object, Code: 4, Key: {key}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: {label} in precondition: {wanted}, {label} in object meta: {actual}"
            ),
        ))
    }
}

/// The key kube-apiserver keeps an object under in etcd, as its storage errors name it.
fn storage_key(kind: &Kind, namespace: &str, name: &str) -> String {
    let resource = match (kind.group, kind.resource) {
        ("", "nodes") => "minions",
        ("", "services") => "services/specs",
        (_, resource) => resource,
    };
    if namespace.is_empty() {
        format!("/registry/{resource}/{name}")
    } else {
        format!("/registry/{resource}/{namespace}/{name}")
    }
}

/// Deletes `namespace/name` of `kind` if it meets the options' preconditions, and returns what
/// a DELETE answers: the deleted object, or — for an object the kind deletes gracefully (a pod
/// on a node), for an object with finalizers, and for a Namespace, which its controller empties
/// first — the object marked for deletion. The immortal namespaces cannot be deleted.
pub fn delete(
    state: &State,
    kind: &Kind,
    namespace: &str,
    name: &str,
    options: &DeleteOptions,
    dry_run: bool,
) -> Result<Value, Status> {
    let preconditions = &options.preconditions;
    let is_namespace = kind.group.is_empty() && kind.resource == "namespaces";
    if is_namespace && IMMORTAL_NAMESPACES.contains(&name) {
        return Err(status::forbidden_with_message(
            "",
            "namespaces",
            name,
            "this namespace may not be deleted",
        ));
    }
    let key = kind.key(namespace, name);
    let mut first = true;
    // The stored object, in the version it is stored in (what a graceful or finalizing
    // delete writes back); the answer is converted to the request's version.
    let served = |mut object: Value| -> Result<Value, Status> {
        in_version(state, kind, &mut object)?;
        Ok(object)
    };
    loop {
        let mut current = state
            .store
            .get(&key)
            .map_err(|e| store_status(e, kind, name))?
            .ok_or_else(|| status::not_found(kind.group, kind.resource, name))?;
        if std::mem::take(&mut first) {
            preconditions.check_before_delete(kind, &current)?;
        } else {
            // Changed since the first read: the storage layer's own check, in its words.
            preconditions.check(kind, &current)?;
        }
        if dry_run {
            return served(current);
        }
        let propagation = match options.propagation_policy.as_deref() {
            Some("Orphan") => Some("orphan"),
            Some("Foreground") => Some("foregroundDeletion"),
            _ => None,
        };
        if let Some(finalizer) = propagation
            && !is_namespace
            && !objects::is_terminating(&current)
        {
            let finalizers = objects::metadata_mut(&mut current)
                .entry("finalizers")
                .or_insert_with(|| json!([]));
            if let Some(list) = finalizers.as_array_mut()
                && !list.iter().any(|f| f == finalizer)
            {
                list.push(json!(finalizer));
            }
        }
        let held = current
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .is_some_and(|finalizers| !finalizers.is_empty());
        let grace = if is_namespace {
            0
        } else {
            kind.strategy
                .grace_period(&current, options.grace_period_seconds)
        };
        let result = if grace > 0 {
            // `BeforeDelete`: the object stays, marked to go after the grace period (whoever
            // runs it, a kubelet, deletes it then); a later delete may only shorten it.
            let Some(marked) = mark_graceful(&current, grace, crate::clock::now()) else {
                return served(current);
            };
            state.store.update(&key, marked)
        } else if is_namespace || held {
            if objects::is_terminating(&current) && is_namespace {
                return Err(status::conflict(
                    "",
                    "namespaces",
                    name,
                    "The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.",
                ));
            }
            if objects::is_terminating(&current) {
                return served(current);
            }
            // Marked for deletion; the object goes once its finalizers are removed (a
            // namespace's by the namespace controller).
            let mut terminating = current.clone();
            let metadata = objects::metadata_mut(&mut terminating);
            metadata.insert(
                "deletionTimestamp".into(),
                json!(objects::timestamp(crate::clock::now())),
            );
            metadata.insert("deletionGracePeriodSeconds".into(), json!(0));
            if is_namespace {
                terminating["status"]["phase"] = json!("Terminating");
            }
            state.store.update(&key, terminating)
        } else {
            let revision = objects::resource_version(&current).parse().ok();
            state.store.delete(&key, revision)
        };
        match result {
            // Changed in between: read it again and check the preconditions again.
            Err(StoreError::Conflict) => continue,
            other => {
                let answer = other.map_err(|e| store_status(e, kind, name))?;
                return served(answer);
            }
        }
    }
}

/// `object` marked for a graceful deletion of `grace` seconds from `now`, or `None` when an
/// earlier deletion already ends sooner.
fn mark_graceful(object: &Value, grace: i64, now: time::OffsetDateTime) -> Option<Value> {
    let deadline = objects::timestamp(now + time::Duration::seconds(grace));
    let earlier = object
        .pointer("/metadata/deletionTimestamp")
        .and_then(Value::as_str);
    if earlier.is_some_and(|earlier| earlier <= deadline.as_str()) {
        return None;
    }
    let mut marked = object.clone();
    let metadata = objects::metadata_mut(&mut marked);
    metadata.insert("deletionTimestamp".into(), json!(deadline));
    metadata.insert("deletionGracePeriodSeconds".into(), json!(grace));
    Some(marked)
}

/// What a write through a subresource may change: `status` changes only the status,
/// `approval` only the conditions, `finalize` only a namespace's spec finalizers; the main
/// resource keeps the stored status when the kind has a `status` subresource.
fn merge_subresource(kind: &Kind, subresource: &str, current: &Value, mut next: Value) -> Value {
    match subresource {
        "status" => {
            let mut merged = current.clone();
            merged["status"] = next.get("status").cloned().unwrap_or(json!({}));
            merged["metadata"] = next.get("metadata").cloned().unwrap_or(json!({}));
            merged
        }
        "finalize" => {
            let mut merged = current.clone();
            merged["spec"]["finalizers"] = next
                .pointer("/spec/finalizers")
                .cloned()
                .unwrap_or(json!([]));
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
        _ if !kind.subresources.contains(&"status") => next,
        _ => {
            if let Some(status) = current.get("status") {
                next["status"] = status.clone();
            }
            next
        }
    }
}

#[cfg(test)]
mod tests;
