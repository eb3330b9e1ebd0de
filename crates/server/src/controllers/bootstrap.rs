//! What kube-apiserver puts in place at start, before the controllers run: the system
//! namespaces, the `kubernetes` Service with its Endpoints and EndpointSlice (its bootstrap
//! controller), the system PriorityClasses, the APIServices of the built-in groups, API Priority and Fairness's bootstrap configuration, and the bootstrap RBAC policy, reconciled as
//! kube-apiserver's RBAC post-start hook does: missing objects are created; existing ones get the
//! missing labels, annotations, rules (or aggregation selectors) and subjects added, and a
//! binding whose roleRef changed is replaced — unless annotated
//! `rbac.authorization.kubernetes.io/autoupdate: "false"`.

use kubeward_core::validation::object_meta;
use kubeward_store::{ObjectKey, StoreError, StoreExt as _};
use serde::Serialize;
use serde_json::{Value, json};

pub mod flow_control;

use super::aggregation::rules_json;
use super::writer::{API_SERVER, record};
use crate::registry::kinds::{self, Kind, rbac};
use crate::registry::objects;
use crate::state::State;

/// The namespaces every cluster has.
pub const SYSTEM_NAMESPACES: [&str; 4] =
    ["default", "kube-system", "kube-public", "kube-node-lease"];

/// Creates whatever of the bootstrap objects is missing.
pub fn reconcile(state: &State) -> Result<(), StoreError> {
    let mut missing = Missing::default();
    let namespaces = kinds::core::namespaces();
    for name in SYSTEM_NAMESPACES {
        let object = json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
        });
        missing.add(state, namespaces, object)?;
    }
    for class in system_priority_classes() {
        missing.add(state, kinds::scheduling::priority_classes(), class)?;
    }
    for service in super::api_services::built_in() {
        missing.add(state, kinds::apiregistration::api_services(), service)?;
    }
    for level in flow_control::priority_levels() {
        missing.add(state, kinds::flowcontrol::priority_levels(), level)?;
    }
    let now = objects::timestamp(crate::clock::now());
    for schema in flow_control::flow_schemas(&now) {
        missing.add(state, kinds::flowcontrol::flow_schemas(), schema)?;
    }
    missing.add_all(
        state,
        rbac::cluster_roles(),
        &kubeward_rbac::bootstrap::cluster_roles(),
    )?;
    missing.add_all(
        state,
        rbac::cluster_role_bindings(),
        &kubeward_rbac::bootstrap::cluster_role_bindings(),
    )?;
    missing.add_all(state, rbac::roles(), &kubeward_rbac::bootstrap::roles())?;
    missing.add_all(
        state,
        rbac::role_bindings(),
        &kubeward_rbac::bootstrap::role_bindings(),
    )?;
    missing.create(state)
}

/// kube-apiserver's `SystemPriorityClasses`: the only classes above a billion, and the only
/// ones named `system-`.
fn system_priority_classes() -> [Value; 2] {
    let class = |name: &str, value: i64, description: &str| {
        json!({
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": {"name": name},
            "value": value,
            "description": description,
            "preemptionPolicy": "PreemptLowerPriority",
        })
    };
    [
        class(
            "system-node-critical",
            2_000_001_000,
            "Used for system critical pods that must not be moved from their current node.",
        ),
        class(
            "system-cluster-critical",
            2_000_000_000,
            "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
        ),
    ]
}

/// `default/kubernetes`: the Service in-cluster clients find the API server by (the first
/// address of the service range, port 443), with its Endpoints and EndpointSlice pointing at
/// `address`, where this server listens (kube-apiserver's bootstrap controller).
pub fn kubernetes_service(state: &State, address: std::net::SocketAddr) -> Result<(), StoreError> {
    let ip = if address.ip().is_unspecified() {
        std::net::IpAddr::from([127, 0, 0, 1])
    } else {
        address.ip()
    };
    let port = address.port();
    let cluster_ip = kinds::core::services::KUBERNETES_SERVICE_IP.to_string();
    let service = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"component": "apiserver", "provider": "kubernetes"},
        },
        "spec": {
            "clusterIP": cluster_ip,
            "clusterIPs": [cluster_ip],
            "internalTrafficPolicy": "Cluster",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": port}],
            "sessionAffinity": "None",
            "type": "ClusterIP",
        },
        "status": {"loadBalancer": {}},
    });
    let mut missing = Missing::default();
    missing.add(state, kinds::core::services(), service)?;
    let endpoint_port = json!({"name": "https", "port": port, "protocol": "TCP"});
    if let Some(endpoints) = kinds::find("", "v1", "endpoints") {
        let object = json!({
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {
                "name": "kubernetes",
                "namespace": "default",
                "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"},
            },
            "subsets": [{"addresses": [{"ip": ip.to_string()}], "ports": [endpoint_port]}],
        });
        missing.add(state, endpoints, object)?;
    }
    if let Some(slices) = kinds::find("discovery.k8s.io", "v1", "endpointslices") {
        let object = json!({
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {
                "name": "kubernetes",
                "namespace": "default",
                "labels": {"kubernetes.io/service-name": "kubernetes"},
            },
            "addressType": if ip.is_ipv4() { "IPv4" } else { "IPv6" },
            "endpoints": [{"addresses": [ip.to_string()], "conditions": {"ready": true}}],
            "ports": [endpoint_port],
        });
        missing.add(state, slices, object)?;
    }
    missing.create(state)
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

/// The bootstrap objects found missing, created together by [`Missing::create`] in one durable
/// commit rather than one disk flush each.
#[derive(Default)]
struct Missing(Vec<(ObjectKey, Value)>);

impl Missing {
    /// Reconciles `object` if it exists, or keeps it to be created.
    fn add(&mut self, state: &State, def: &Kind, object: Value) -> Result<(), StoreError> {
        if let Some(item) = reconcile_existing(state, def, object)? {
            self.0.push(item);
        }
        Ok(())
    }

    fn add_all<T: Serialize>(
        &mut self,
        state: &State,
        def: &Kind,
        objects: &[T],
    ) -> Result<(), StoreError> {
        for object in objects {
            let Ok(mut value) = serde_json::to_value(object) else {
                continue;
            };
            value["apiVersion"] = json!(def.api_version());
            value["kind"] = json!(def.kind);
            self.add(state, def, value)?;
        }
        Ok(())
    }

    /// Creates them; one that another replica created meanwhile is left as it is.
    fn create(self, state: &State) -> Result<(), StoreError> {
        for created in state.store.create_many(self.0)? {
            match created {
                Ok(_) | Err(StoreError::AlreadyExists) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }
}

/// The annotation that stops reconciliation of a bootstrap object.
const AUTOUPDATE: &str = "rbac.authorization.kubernetes.io/autoupdate";

/// Brings an existing bootstrap object up to date (RBAC objects only, as kube-apiserver's post-start
/// hook does); for a missing one, its key and the object ready to be created.
fn reconcile_existing(
    state: &State,
    def: &Kind,
    mut object: Value,
) -> Result<Option<(ObjectKey, Value)>, StoreError> {
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
            && let Some(mut next) = reconciled(def, &existing, &object)
        {
            record(def, API_SERVER, "", Some(&existing), &mut next);
            match state.store.update(&key, next) {
                // Another replica starting at the same moment changed it: look again.
                Err(StoreError::Conflict) => return reconcile_existing(state, def, object),
                written => {
                    written?;
                }
            }
        }
        return Ok(None);
    }
    objects::prepare_create(
        &mut object,
        def.namespaced.then_some(namespace.as_str()),
        crate::clock::now(),
    );
    record(def, API_SERVER, "", None, &mut object);
    if def.kind == "Namespace" {
        // The namespace strategy's PrepareForCreate, after the field manager (so nobody owns
        // them, as in kube).
        object["spec"] = json!({"finalizers": ["kubernetes"]});
        object["status"] = json!({"phase": "Active"});
    }
    Ok(Some((key, object)))
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
