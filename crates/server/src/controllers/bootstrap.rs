//! What kube-apiserver puts in place at start, before the controllers run: the system
//! namespaces and the bootstrap RBAC policy, reconciled as
//! kube-apiserver's RBAC post-start hook does: missing objects are created; existing ones get the
//! missing labels, annotations, rules (or aggregation selectors) and subjects added, and a
//! binding whose roleRef changed is replaced — unless annotated
//! `rbac.authorization.kubernetes.io/autoupdate: "false"`.

use kubeward_core::validation::object_meta;
use kubeward_store::{StoreError, StoreExt as _};
use serde::Serialize;
use serde_json::{Value, json};

use super::aggregation::rules_json;
use crate::registry::kinds::{self, Kind, rbac};
use crate::registry::objects;
use crate::state::State;

/// The namespaces every cluster has.
pub const SYSTEM_NAMESPACES: [&str; 4] =
    ["default", "kube-system", "kube-public", "kube-node-lease"];

/// Creates whatever of the bootstrap objects is missing.
pub fn reconcile(state: &State) -> Result<(), StoreError> {
    let namespaces = kinds::core::namespaces();
    for name in SYSTEM_NAMESPACES {
        let object = json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        });
        create_missing(state, namespaces, object)?;
    }
    create_all(
        state,
        rbac::cluster_roles(),
        &kubeward_rbac::bootstrap::cluster_roles(),
    )?;
    create_all(
        state,
        rbac::cluster_role_bindings(),
        &kubeward_rbac::bootstrap::cluster_role_bindings(),
    )?;
    create_all(state, rbac::roles(), &kubeward_rbac::bootstrap::roles())?;
    create_all(
        state,
        rbac::role_bindings(),
        &kubeward_rbac::bootstrap::role_bindings(),
    )?;
    Ok(())
}

/// Logs every stored object whose metadata today's validation refuses (written by an earlier
/// version that did not check): reported, never dropped. Returns how many there are.
pub fn report_invalid_objects(state: &State) -> Result<usize, StoreError> {
    let mut invalid = 0;
    for kind in kinds::stored() {
        for object in state.store.list_all(&kind.scope(""))?.items {
            let mut errors = object_meta::validate_create(&object, kind.namespaced, kind.name_rule);
            errors.extend(kind.strategy.validate(&object));
            if errors.is_empty() {
                continue;
            }
            invalid += 1;
            let problems: Vec<String> = errors.iter().map(ToString::to_string).collect();
            tracing::warn!(
                resource = kind.resource,
                namespace = objects::namespace(&object),
                name = objects::name(&object),
                problems = %problems.join("; "),
                "a stored object does not pass validation (written by an earlier version); it is kept as it is"
            );
        }
    }
    Ok(invalid)
}

fn create_all<T: Serialize>(state: &State, def: &Kind, objects: &[T]) -> Result<(), StoreError> {
    for object in objects {
        let Ok(mut value) = serde_json::to_value(object) else {
            continue;
        };
        value["apiVersion"] = json!(def.api_version());
        value["kind"] = json!(def.kind);
        create_missing(state, def, value)?;
    }
    Ok(())
}

/// The annotation that stops reconciliation of a bootstrap object.
const AUTOUPDATE: &str = "rbac.authorization.kubernetes.io/autoupdate";

fn create_missing(state: &State, def: &Kind, mut object: Value) -> Result<(), StoreError> {
    let name = objects::name(&object).to_string();
    let namespace = objects::namespace(&object).to_string();
    let key = def.key(&namespace, &name);
    if let Some(existing) = state.store.get(&key)? {
        let opted_out = existing
            .pointer(&format!(
                "/metadata/annotations/{}",
                AUTOUPDATE.replace('/', "~1")
            ))
            .and_then(Value::as_str)
            == Some("false");
        if def.group == rbac::GROUP
            && !opted_out
            && let Some(next) = reconciled(def, &existing, &object)
        {
            match state.store.update(&key, next) {
                // Another replica starting at the same moment changed it: look again.
                Err(StoreError::Conflict) => return create_missing(state, def, object),
                written => {
                    written?;
                }
            }
        }
        return Ok(());
    }
    objects::prepare_create(
        &mut object,
        def.namespaced.then_some(namespace.as_str()),
        crate::clock::now(),
    );
    match state.store.create(&key, object) {
        Ok(_) | Err(StoreError::AlreadyExists) => Ok(()),
        Err(error) => Err(error),
    }
}

/// `existing` with what `expected` adds, or `None` when nothing is missing.
fn reconciled(def: &Kind, existing: &Value, expected: &Value) -> Option<Value> {
    let mut next = existing.clone();
    for field in ["labels", "annotations"] {
        if let Some(wanted) = expected
            .pointer(&format!("/metadata/{field}"))
            .and_then(Value::as_object)
        {
            let metadata = objects::metadata_mut(&mut next);
            let slot = metadata
                .entry(field)
                .or_insert_with(|| Value::Object(serde_json::Map::new()));
            if let Value::Object(present) = slot {
                for (key, value) in wanted {
                    present.entry(key.clone()).or_insert_with(|| value.clone());
                }
            }
        }
    }
    match def.resource {
        "roles" | "clusterroles" => {
            if let Some(selectors) = expected
                .pointer("/aggregationRule/clusterRoleSelectors")
                .and_then(Value::as_array)
            {
                let present = next
                    .pointer("/aggregationRule/clusterRoleSelectors")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let mut all = present.clone();
                all.extend(selectors.iter().filter(|s| !present.contains(s)).cloned());
                next["aggregationRule"] = json!({"clusterRoleSelectors": all});
            } else {
                let rules = |object: &Value| -> Vec<kubeward_rbac::PolicyRule> {
                    object
                        .get("rules")
                        .cloned()
                        .and_then(|r| {
                            serde_json::from_value::<Vec<k8s_openapi::api::rbac::v1::PolicyRule>>(r)
                                .ok()
                        })
                        .unwrap_or_default()
                        .iter()
                        .map(kubeward_rbac::from_k8s::policy_rule)
                        .collect()
                };
                let (covered, missing) =
                    kubeward_rbac::escalation::covers(&rules(existing), &rules(expected));
                if !covered {
                    let mut all = existing
                        .get("rules")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    if let Value::Array(added) = rules_json(&missing) {
                        all.extend(added);
                    }
                    next["rules"] = Value::Array(all);
                }
            }
        }
        _ => {
            if existing.get("roleRef") != expected.get("roleRef") {
                let mut replaced = expected.clone();
                objects::preserve_on_update(&mut replaced, existing);
                return Some(replaced);
            }
            let present = existing
                .get("subjects")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mut all = present.clone();
            for subject in expected
                .get("subjects")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if !present.contains(subject) {
                    all.push(subject.clone());
                }
            }
            next["subjects"] = Value::Array(all);
        }
    }
    (next != *existing).then_some(next)
}

#[cfg(test)]
mod tests;
