//! The ResourceQuota admission plugin on create, and the measurement of a namespace's usage
//! that it and the `resource_quotas` controller share. A new object is charged to every quota
//! of its namespace that limits what it uses, with compare-and-swap on the quota's status (two
//! creates cannot both take the last unit), or refused with kube's 403. A quota with `scopes`
//! or a `scopeSelector` tracks only the pods in its scopes.

use kubeward_core::status::{self, Status};
use kubeward_store::{ListScope, StoreError, StoreExt as _};
use serde_json::{Map, Value};

use crate::registry::kinds::{self, Kind};
use crate::registry::objects;
use crate::registry::quota::scopes::{self, Requirement};
use crate::registry::quota::{self, Usage, Verdict};
use crate::state::State;

/// The quotas of `namespace`.
pub fn quotas_in(state: &State, namespace: &str) -> Vec<Value> {
    let quotas = kinds::core::extended::resource_quotas();
    state
        .store
        .list_all(&quotas.scope(namespace))
        .map(|listing| listing.items)
        .unwrap_or_default()
}

/// What the objects of `namespace` that a quota with `scopes` tracks use of the resources
/// `hard` names, counted from the store.
pub fn measure(
    state: &State,
    namespace: &str,
    hard: &Map<String, Value>,
    scopes: &[Requirement],
) -> Usage {
    let mut used: Usage = hard
        .keys()
        .map(|name| (name.clone(), quota::Amount::default()))
        .collect();
    let mut kinds_counted: Vec<(&str, &str)> = hard
        .keys()
        .filter_map(|name| quota::counted_kind(name))
        .collect();
    kinds_counted.sort_unstable();
    kinds_counted.dedup();
    for (group, resource) in kinds_counted {
        let scope = ListScope {
            group: group.to_string(),
            resource: resource.to_string(),
            namespace: Some(namespace.to_string()),
        };
        let Ok(listing) = state.store.list_all(&scope) else {
            continue;
        };
        for object in &listing.items {
            if !scopes::matches(scopes, group, resource, object) {
                continue;
            }
            for (name, amount) in quota::usage(group, resource, object) {
                if let Some(total) = used.get_mut(&name) {
                    *total = total.add(amount);
                }
            }
        }
    }
    used
}

/// Charges `object` (new, of `kind`, in `namespace`) to the quotas of its namespace, or refuses
/// it as kube's quota admission does; with `dry_run`, checks only.
pub fn admit(
    state: &State,
    kind: &Kind,
    namespace: &str,
    object: &Value,
    dry_run: bool,
) -> Result<(), Status> {
    if !kind.namespaced {
        return Ok(());
    }
    let quotas = quotas_in(state, namespace);
    if quotas.is_empty() {
        return Ok(());
    }
    let requested = quota::usage(kind.group, kind.resource, object);
    let refuse = |message: &str| {
        status::forbidden_with_message(kind.group, kind.resource, objects::name(object), message)
    };
    for found in &quotas {
        let scopes = scopes::requirements(found);
        if !scopes::matches(&scopes, kind.group, kind.resource, object) {
            continue;
        }
        let quota_name = objects::name(found).to_string();
        let key = kinds::core::extended::resource_quotas().key(namespace, &quota_name);
        let charge = |mut current: Value| -> Result<Value, Charge> {
            let hard_map = current
                .pointer("/spec/hard")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let hard = quota::amounts(Some(&hard_map));
            if kind.group.is_empty() && kind.resource == "pods" {
                let names = hard.keys().cloned().collect();
                if let Some(missing) = quota::missing_in_containers(object, &names) {
                    return Err(Charge::Refused(format!(
                        "failed quota: {quota_name}: {missing}"
                    )));
                }
            }
            let used = match current.pointer("/status/used").and_then(Value::as_object) {
                Some(used) => quota::amounts(Some(used)),
                None => measure(state, namespace, &hard_map, &scopes),
            };
            match quota::evaluate(&quota_name, &hard, &used, &requested) {
                Verdict::Untouched => Err(Charge::Untouched),
                Verdict::Exceeded(message) => Err(Charge::Refused(message)),
                Verdict::Fits(next) if dry_run => {
                    let _ = next;
                    Err(Charge::Untouched)
                }
                Verdict::Fits(next) => {
                    current["status"]["hard"] = Value::Object(hard_map);
                    let mut written = quota::to_map(&used);
                    written.extend(quota::to_map(&next));
                    current["status"]["used"] = Value::Object(written);
                    Ok(current)
                }
            }
        };
        match state.store.modify(&key, charge) {
            Ok(_) | Err(Charge::Untouched) | Err(Charge::Store(StoreError::NotFound)) => {}
            Err(Charge::Refused(message)) => return Err(refuse(&message)),
            Err(Charge::Store(error)) => {
                return Err(status::internal_error(&format!(
                    "resource quota {quota_name}: {error}"
                )));
            }
        }
    }
    Ok(())
}

/// Why a quota was not charged.
enum Charge {
    /// It limits nothing the object uses (or the create is a dry run).
    Untouched,
    /// kube's refusal.
    Refused(String),
    /// The store failed.
    Store(StoreError),
}

impl From<StoreError> for Charge {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}
