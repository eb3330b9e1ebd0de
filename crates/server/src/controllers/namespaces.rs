//! The namespace controller: a namespace marked for deletion (Terminating) is emptied — every
//! namespaced object of every stored kind deleted, those held by finalizers marked for deletion
//! and waited for — then its `kubernetes` finalizer removed; it goes once no finalizer is left,
//! as kube-controller-manager's namespace controller and kube-apiserver's finalization do it:
//! its status conditions and its `finalize` write recorded as kube-controller-manager's
//! Updates of subresources `status` and `finalize`.

use kubeward_store::{EventType, ObjectKey, StoreError, StoreExt as _, WatchEvent};
use serde_json::{Value, json};

use super::controller::{Controller, is};
use super::writer;
use crate::registry::kinds::Kind;
use crate::registry::kinds::core::KUBERNETES_FINALIZER;
use crate::registry::{custom, generic, kinds, objects};
use crate::state::State;
use conditions::Remaining;

pub mod conditions;

/// The namespace lifecycle controller.
pub struct NamespaceLifecycle;

impl Controller for NamespaceLifecycle {
    fn name(&self) -> &'static str {
        "namespace"
    }

    fn watches(&self, key: &ObjectKey) -> bool {
        // Namespaces, and the namespaced objects whose going may let one finish.
        is(key, "", "namespaces") || key.namespace.as_deref().is_some_and(|n| !n.is_empty())
    }

    fn handle(&self, state: &State, event: &WatchEvent) {
        if !is(&event.key, "", "namespaces") {
            // An object held by finalizers in a terminating namespace is gone at last: the
            // namespace may be done.
            if event.kind == EventType::Deleted && objects::is_terminating(&event.object) {
                let namespace = objects::namespace(&event.object);
                let key = kinds::core::namespaces().key("", namespace);
                if let Ok(Some(found)) = state.store.get(&key) {
                    finalize_if_ours(state, &found);
                }
            }
            return;
        }
        if event.kind != EventType::Deleted {
            finalize_if_ours(state, &event.object);
        }
    }
}

/// Empties `namespace` if it is terminating and still holds the controller's finalizer.
fn finalize_if_ours(state: &State, namespace: &Value) {
    let holds_ours = objects::strings(namespace.pointer("/spec/finalizers"))
        .iter()
        .any(|f| f == KUBERNETES_FINALIZER);
    if !objects::is_terminating(namespace) || !holds_ours {
        return;
    }
    let name = objects::name(namespace);
    if let Err(error) = finalize(state, name) {
        tracing::warn!(%error, namespace = name, "namespace not finalized");
    }
}

/// Deletes the contents of `namespace` (an object with finalizers is marked for deletion and
/// stays until they are removed; pods first, as kube's `OrderedNamespaceDeletion` does), keeps
/// the namespace's status conditions on what is left (an Update of subresource `status` by
/// kube-controller-manager), then — once nothing is left — removes the controller's finalizer
/// through subresource `finalize`; the namespace goes once no finalizer is left.
fn finalize(state: &State, namespace: &str) -> Result<(), StoreError> {
    let custom = custom::one_per_resource();
    let mut namespaced: Vec<&Kind> = kinds::stored()
        .chain(custom)
        .filter(|kind| kind.namespaced)
        .collect();
    namespaced.sort_by_key(|kind| !is_pods(kind));
    let mut remaining = Remaining::default();
    for kind in namespaced {
        delete_content(state, kind, namespace, &mut remaining)?;
        if is_pods(kind) && !remaining.is_empty() {
            // Pods still going: the rest waits for them.
            break;
        }
    }
    write_conditions(state, namespace, &remaining)?;
    if !remaining.is_empty() {
        // Terminating until the objects' own controllers remove their finalizers.
        return Ok(());
    }
    finalize_namespace(state, namespace)
}

fn is_pods(kind: &Kind) -> bool {
    kind.group.is_empty() && kind.resource == "pods"
}

/// Deletes the objects of `kind` in `namespace`, counting those that stay in `remaining`.
fn delete_content(
    state: &State,
    kind: &Kind,
    namespace: &str,
    remaining: &mut Remaining,
) -> Result<(), StoreError> {
    let listing = state.store.list_all(&kind.scope(namespace))?;
    let resource = format!("{}.{}", kind.resource, kind.group);
    for object in &listing.items {
        let key = kind.key(namespace, objects::name(object));
        if has_finalizers(object) {
            remaining.count(
                &resource,
                &objects::strings(object.pointer("/metadata/finalizers")),
            );
            if !objects::is_terminating(object) {
                mark_for_deletion(state, &key)?;
            }
            continue;
        }
        match state.store.delete(&key, None) {
            Ok(_) | Err(StoreError::NotFound) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// Writes the conditions of `remaining` on the namespace's status when they change.
fn write_conditions(
    state: &State,
    namespace: &str,
    remaining: &Remaining,
) -> Result<(), StoreError> {
    let namespaces = kinds::core::namespaces();
    let key = namespaces.key("", namespace);
    let now = objects::timestamp(crate::clock::now());
    let Some(mut current) = state.store.get(&key)? else {
        return Ok(());
    };
    if !conditions::update(&mut current, remaining, &now) {
        return Ok(());
    }
    let written = writer::modify(state, namespaces, &key, "status", |mut current| {
        conditions::update(&mut current, remaining, &now);
        Ok::<_, StoreError>(current)
    });
    match written {
        Ok(_) | Err(StoreError::NotFound) => Ok(()),
        Err(error) => Err(error),
    }
}

/// The namespace controller's `finalize`: the namespace's spec finalizers without
/// `kubernetes` (the others sorted, none: no field), written through subresource `finalize`;
/// the namespace goes when nothing holds it any more.
fn finalize_namespace(state: &State, namespace: &str) -> Result<(), StoreError> {
    let key = kinds::core::namespaces().key("", namespace);
    let finalized = writer::modify(
        state,
        kinds::core::namespaces(),
        &key,
        "finalize",
        |mut current| {
            let mut rest: Vec<String> = objects::strings(current.pointer("/spec/finalizers"))
                .into_iter()
                .filter(|f| f != KUBERNETES_FINALIZER)
                .collect();
            rest.sort();
            rest.dedup();
            if let Some(spec) = current.get_mut("spec").and_then(Value::as_object_mut) {
                if rest.is_empty() {
                    spec.remove("finalizers");
                } else {
                    spec.insert("finalizers".into(), json!(rest));
                }
            }
            Ok::<_, StoreError>(current)
        },
    );
    match finalized {
        Ok(stored) if generic::finalized(&stored) => {
            let revision = objects::resource_version(&stored).parse().ok();
            match state.store.delete(&key, revision) {
                Ok(_) | Err(StoreError::NotFound | StoreError::Conflict) => Ok(()),
                Err(error) => Err(error),
            }
        }
        Ok(_) | Err(StoreError::NotFound) => Ok(()),
        Err(error) => Err(error),
    }
}

fn has_finalizers(object: &Value) -> bool {
    object
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|finalizers| !finalizers.is_empty())
}

/// Sets `deletionTimestamp` on the object at `key`, as a delete of an object with finalizers
/// does.
fn mark_for_deletion(state: &State, key: &ObjectKey) -> Result<(), StoreError> {
    let marked = state.store.modify(key, |mut current| {
        let metadata = objects::metadata_mut(&mut current);
        if !metadata.contains_key("deletionTimestamp") {
            metadata.insert(
                "deletionTimestamp".into(),
                json!(objects::timestamp(crate::clock::now())),
            );
            metadata.insert("deletionGracePeriodSeconds".into(), json!(0));
        }
        Ok::<_, StoreError>(current)
    });
    match marked {
        Ok(_) | Err(StoreError::NotFound) => Ok(()),
        Err(error) => Err(error),
    }
}
