//! The ClusterRole aggregation controller: every ClusterRole with an `aggregationRule` gets the
//! rules of the ClusterRoles its selectors match written into its `rules`, as
//! kube-controller-manager does (the RBAC index already authorizes with them).

use std::sync::atomic::{AtomicBool, Ordering};

use kubeward_store::{ObjectKey, StoreError, StoreExt as _, WatchEvent};
use serde_json::{Value, json};

use super::controller::{Controller, is};
use crate::registry::kinds::Kind;
use crate::registry::kinds::rbac::{self, GROUP};
use crate::registry::{field_manager, generic, objects};
use crate::state::State;

/// The aggregation controller.
#[derive(Default)]
pub struct Aggregation {
    /// Between `reset` and `synced`: every ClusterRole comes by, aggregate once at the end.
    listing: AtomicBool,
}

impl Controller for Aggregation {
    fn name(&self) -> &'static str {
        "clusterrole-aggregation"
    }

    fn watches(&self, key: &ObjectKey) -> bool {
        is(key, GROUP, "clusterroles")
    }

    fn reset(&self, _state: &State) {
        self.listing.store(true, Ordering::Relaxed);
    }

    fn handle(&self, state: &State, _event: &WatchEvent) {
        if !self.listing.load(Ordering::Relaxed) {
            aggregate(state);
        }
    }

    fn synced(&self, state: &State) {
        self.listing.store(false, Ordering::Relaxed);
        aggregate(state);
    }
}

/// Why an aggregated ClusterRole was not rewritten.
enum Unchanged {
    /// Its stored rules are already the aggregate.
    Already,
    /// The store refused.
    Store(StoreError),
}

impl From<StoreError> for Unchanged {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

/// Writes every aggregated ClusterRole whose stored rules differ from the aggregate.
fn aggregate(state: &State) {
    let targets: Vec<(String, Value)> = {
        let policy = state.policy();
        policy
            .roles()
            .filter(|role| role.namespace.is_none() && role.aggregation_rule.is_some())
            .map(|role| {
                let rules = policy.effective_rules(None, &role.name).unwrap_or_default();
                (role.name.clone(), rules_json(rules))
            })
            .collect()
    };
    for (name, rules) in targets {
        let kind = rbac::cluster_roles();
        let key = kind.key("", &name);
        let written = state.store.modify(&key, |current| {
            if current.get("rules") == Some(&rules) {
                return Err(Unchanged::Already);
            }
            Ok(apply_rules(kind, &current, &name, &rules))
        });
        match written {
            Ok(_) | Err(Unchanged::Already | Unchanged::Store(StoreError::NotFound)) => {}
            Err(Unchanged::Store(error)) => {
                tracing::warn!(%error, role = %name, "aggregated ClusterRole not updated");
            }
        }
    }
}

/// kube's aggregation controller's write: a forced server-side apply of the rules by
/// `clusterrole-aggregation-controller`.
fn apply_rules(kind: &Kind, current: &Value, name: &str, rules: &Value) -> Value {
    let config = json!({
        "apiVersion": kind.api_version(),
        "kind": kind.kind,
        "metadata": {"name": name},
        "rules": rules,
    });
    let api_version = kind.api_version();
    let now = objects::timestamp(crate::clock::now());
    let writer = generic::field_writer(kind, &api_version, "", AGGREGATION_MANAGER, &now);
    match field_manager::apply(&writer, Some(current), &config, true) {
        Ok(applied) => applied.object,
        Err(_) => {
            // A forced apply of a list of rules has no refusal left; keep the write plain.
            let mut next = current.clone();
            next["rules"] = rules.clone();
            next
        }
    }
}

/// The field manager of kube's ClusterRole aggregation controller.
const AGGREGATION_MANAGER: &str = "clusterrole-aggregation-controller";

/// Rules as the API writes them (empty lists left out).
pub fn rules_json(rules: &[kubeward_rbac::PolicyRule]) -> Value {
    let rules: Vec<Value> = rules
        .iter()
        .map(|rule| {
            let mut map = serde_json::Map::new();
            for (field, values) in [
                ("verbs", &rule.verbs),
                ("apiGroups", &rule.api_groups),
                ("resources", &rule.resources),
                ("resourceNames", &rule.resource_names),
                ("nonResourceURLs", &rule.non_resource_urls),
            ] {
                if !values.is_empty() {
                    map.insert(field.to_string(), json!(values));
                }
            }
            Value::Object(map)
        })
        .collect();
    Value::Array(rules)
}
