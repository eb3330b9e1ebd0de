//! What kube-apiserver and its controllers put in place at start: the system namespaces, a
//! `default` ServiceAccount in every namespace, and the bootstrap RBAC policy, reconciled as
//! kube-apiserver's RBAC post-start hook does: missing objects are created; existing ones get the
//! missing labels, annotations, rules (or aggregation selectors) and subjects added, and a
//! binding whose roleRef changed is replaced — unless annotated
//! `rbac.authorization.kubernetes.io/autoupdate: "false"`.

use kubeward_store::{StoreError, StoreExt as _};
use serde::Serialize;
use serde_json::{Value, json};

use crate::meta;
use crate::registry::{self, ResourceDef};
use crate::rest::{key, now, scope};
use crate::side_effects::ensure_namespace_defaults;
use crate::state::State;

/// The namespaces every cluster has.
pub const SYSTEM_NAMESPACES: [&str; 4] =
    ["default", "kube-system", "kube-public", "kube-node-lease"];

/// Creates whatever of the bootstrap objects is missing.
pub fn reconcile(state: &State) -> Result<(), StoreError> {
    let namespaces = def("", "namespaces");
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
    for namespace in state.store.list_all(&scope(namespaces, ""))?.items {
        ensure_namespace_defaults(state, meta::name(&namespace));
    }
    let rbac = kubeward_rbac::bootstrap::cluster_roles();
    create_all(state, def(registry::RBAC_GROUP, "clusterroles"), &rbac)?;
    let rbac = kubeward_rbac::bootstrap::cluster_role_bindings();
    create_all(
        state,
        def(registry::RBAC_GROUP, "clusterrolebindings"),
        &rbac,
    )?;
    let rbac = kubeward_rbac::bootstrap::roles();
    create_all(state, def(registry::RBAC_GROUP, "roles"), &rbac)?;
    let rbac = kubeward_rbac::bootstrap::role_bindings();
    create_all(state, def(registry::RBAC_GROUP, "rolebindings"), &rbac)?;
    Ok(())
}

fn def(group: &str, resource: &str) -> &'static ResourceDef {
    registry::RESOURCES
        .iter()
        .find(|d| d.group == group && d.resource == resource && d.version == "v1")
        .expect("bootstrap resources are in the registry")
}

fn create_all<T: Serialize>(
    state: &State,
    def: &ResourceDef,
    objects: &[T],
) -> Result<(), StoreError> {
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

fn create_missing(state: &State, def: &ResourceDef, mut object: Value) -> Result<(), StoreError> {
    let name = meta::name(&object).to_string();
    let namespace = meta::namespace(&object).to_string();
    let key = key(def, &namespace, &name);
    if let Some(existing) = state.store.get(&key)? {
        let opted_out = existing
            .pointer(&format!(
                "/metadata/annotations/{}",
                AUTOUPDATE.replace('/', "~1")
            ))
            .and_then(Value::as_str)
            == Some("false");
        if def.group == registry::RBAC_GROUP
            && !opted_out
            && let Some(next) = reconciled(def, &existing, &object)
        {
            state.store.update(&key, next)?;
        }
        return Ok(());
    }
    meta::prepare_create(
        &mut object,
        def.namespaced.then_some(namespace.as_str()),
        now(),
    );
    match state.store.create(&key, object) {
        Ok(_) | Err(StoreError::AlreadyExists) => Ok(()),
        Err(error) => Err(error),
    }
}

/// `existing` with what `expected` adds, or `None` when nothing is missing.
fn reconciled(def: &ResourceDef, existing: &Value, expected: &Value) -> Option<Value> {
    let mut next = existing.clone();
    for field in ["labels", "annotations"] {
        if let Some(wanted) = expected
            .pointer(&format!("/metadata/{field}"))
            .and_then(Value::as_object)
        {
            let metadata = meta::metadata_mut(&mut next);
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
                    if let Value::Array(added) = crate::side_effects::rules_json(&missing) {
                        all.extend(added);
                    }
                    next["rules"] = Value::Array(all);
                }
            }
        }
        _ => {
            if existing.get("roleRef") != expected.get("roleRef") {
                let mut replaced = expected.clone();
                meta::preserve_on_update(&mut replaced, existing);
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
