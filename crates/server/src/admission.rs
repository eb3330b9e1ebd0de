//! What kube-apiserver's registry strategies and admission do before a write: defaults,
//! validation with Kubernetes' field errors, and RBAC escalation prevention.

use k8s_openapi::api::rbac::v1 as wire;
use kubeward_core::status::{self, FieldError, Status};
use kubeward_core::validation::{NameRule, kinds, names, object_meta};
use kubeward_rbac::escalation::{self, EscalationError};
use kubeward_rbac::{PolicyRule, RoleRef, from_k8s};
use serde_json::{Value, json};

use crate::meta;
use crate::pipeline::{self, Context};
use crate::registry::{RBAC_GROUP, ResourceDef};

/// Defaults and checks for a new object (metadata already prepared).
pub fn on_create(
    context: &Context<'_>,
    def: &ResourceDef,
    object: &mut Value,
) -> Result<(), Status> {
    match (def.group, def.resource) {
        ("", "namespaces") => {
            object["spec"] = json!({"finalizers": ["kubernetes"]});
            object["status"] = json!({"phase": "Active"});
        }
        ("apps", "deployments") => {
            meta::metadata_mut(object).insert("generation".into(), json!(1));
        }
        ("certificates.k8s.io", "certificatesigningrequests") => {
            crate::csr::admit_create(context, object)?;
        }
        (RBAC_GROUP, _) => check_rbac(context, def, None, object)?,
        _ => {}
    }
    Ok(())
}

/// Checks and completes an update of `current` into `next`; returns the object to store.
pub fn on_update(
    context: &Context<'_>,
    def: &ResourceDef,
    current: &Value,
    mut next: Value,
) -> Result<Value, Status> {
    meta::preserve_on_update(&mut next, current);
    match (def.group, def.resource) {
        ("apps", "deployments") => {
            let generation = current
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            let bumped = if current.get("spec") == next.get("spec") {
                generation
            } else {
                generation + 1
            };
            meta::metadata_mut(&mut next).insert("generation".into(), json!(bumped));
        }
        ("certificates.k8s.io", "certificatesigningrequests") => {
            crate::csr::admit_update(context, current, &mut next)?;
        }
        (RBAC_GROUP, _) => check_rbac(context, def, Some(current), &next)?,
        _ => {}
    }
    Ok(next)
}

/// The kind's validation of a written object, as its registry strategy runs it (`Validate` on
/// create, `ValidateUpdate` against `current` on update): the metadata by the kind's name rule,
/// then what the kind checks itself; on create, the generic path-segment name check that
/// kube-apiserver runs for every kind after the kind's own.
pub fn validate(def: &ResourceDef, object: &Value, current: Option<&Value>) -> Result<(), Status> {
    let mut errors = match current {
        None => object_meta::validate_create(object, def.namespaced, def.name_rule),
        Some(current) => object_meta::validate_update(object, current),
    };
    errors.extend(kind_errors(def, object));
    let name = meta::name(object);
    if errors.is_empty() && current.is_none() && def.name_rule == NameRule::Any {
        errors = names::path_segment(name, false)
            .into_iter()
            .map(|message| FieldError::invalid("metadata.name", name, &message))
            .collect();
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(status::invalid(def.group, def.kind, name, errors))
    }
}

/// What each kind checks beyond its metadata.
fn kind_errors(def: &ResourceDef, object: &Value) -> Vec<FieldError> {
    match (def.group, def.resource) {
        ("", "configmaps") => kinds::config_map(object),
        ("", "secrets") => kinds::secret(object),
        ("", "pods") => kinds::pod_spec(object.get("spec"), "spec"),
        ("apps", "deployments") => {
            kinds::pod_spec(object.pointer("/spec/template/spec"), "spec.template.spec")
        }
        _ => Vec::new(),
    }
}

fn decode<T: serde::de::DeserializeOwned>(object: &Value) -> Result<T, Status> {
    serde_json::from_value(object.clone())
        .map_err(|e| status::bad_request(&format!("unable to decode the object: {e}")))
}

/// Validation and escalation prevention for the four RBAC kinds.
fn check_rbac(
    context: &Context<'_>,
    def: &ResourceDef,
    current: Option<&Value>,
    object: &Value,
) -> Result<(), Status> {
    if current.is_some_and(|current| only_gc_fields_changed(current, object)) {
        // The garbage collector's updates (owner references, finalizers) are not escalations.
        return Ok(());
    }
    let name = meta::name(object).to_string();
    let namespace = def.namespaced.then(|| meta::namespace(object).to_string());
    let state = context.state;
    let user = &context.user;
    let authorize = |attrs: &kubeward_core::attributes::Attributes| pipeline::allowed(state, attrs);
    let rules_for = |u: &kubeward_core::UserInfo, ns: &str| {
        let review = state.policy().rules_for(u, ns);
        (review.rules, review.errors)
    };
    let result = match def.resource {
        "roles" | "clusterroles" => {
            let role = if def.resource == "roles" {
                from_k8s::role(&decode::<wire::Role>(object)?)
            } else {
                from_k8s::cluster_role(&decode::<wire::ClusterRole>(object)?)
            }
            .map_err(|e| status::bad_request(&e.to_string()))?;
            validate_rules(def, &name, &role.rules, def.namespaced)?;
            if role.aggregation_rule.is_some() {
                let unchanged = current
                    .is_some_and(|c| c.get("aggregationRule") == object.get("aggregationRule"));
                if !unchanged {
                    escalation::check_aggregation_rule_write(user, &name, authorize, rules_for)
                        .map_err(|e| escalation_status(def, &name, e))?;
                }
                return Ok(());
            }
            escalation::check_role_write(
                user,
                namespace.as_deref(),
                &name,
                &role.rules,
                authorize,
                rules_for,
            )
        }
        _ => {
            validate_binding(def, &name, object, current)?;
            let binding = if def.resource == "rolebindings" {
                from_k8s::role_binding(&decode::<wire::RoleBinding>(object)?)
            } else {
                from_k8s::cluster_role_binding(&decode::<wire::ClusterRoleBinding>(object)?)
            }
            .map_err(|e| status::bad_request(&e.to_string()))?;
            let role_rules = role_rules(state, namespace.as_deref(), &binding.role_ref);
            escalation::check_binding_write_with_lookup(
                user,
                namespace.as_deref(),
                &binding.role_ref,
                role_rules.as_deref(),
                authorize,
                rules_for,
            )
        }
    };
    result.map_err(|e| escalation_status(def, &name, e))
}

/// `IsOnlyMutatingGCFields` of Kubernetes' RBAC registry: `next` is `current` with only
/// `metadata.ownerReferences` and `metadata.finalizers` changed (resource versions aside).
fn only_gc_fields_changed(current: &Value, next: &Value) -> bool {
    let mut expected = current.clone();
    let mut next = next.clone();
    for object in [&mut expected, &mut next] {
        meta::metadata_mut(object).remove("resourceVersion");
    }
    let next_metadata = next.get("metadata").cloned().unwrap_or(Value::Null);
    let metadata = meta::metadata_mut(&mut expected);
    for field in ["ownerReferences", "finalizers"] {
        match next_metadata.get(field) {
            Some(value) => {
                metadata.insert(field.to_string(), value.clone());
            }
            None => {
                metadata.remove(field);
            }
        }
    }
    expected == next
}

fn role_rules(
    state: &crate::state::State,
    namespace: Option<&str>,
    role_ref: &RoleRef,
) -> Option<Vec<PolicyRule>> {
    let policy = state.policy();
    let role_namespace = match role_ref.kind {
        kubeward_rbac::RoleRefKind::Role => namespace,
        kubeward_rbac::RoleRefKind::ClusterRole => None,
    };
    policy
        .effective_rules(role_namespace, &role_ref.name)
        .map(<[PolicyRule]>::to_vec)
}

fn escalation_status(def: &ResourceDef, name: &str, error: EscalationError) -> Status {
    match error {
        EscalationError::RoleRefNotFound { kind, name } => {
            let resource = match kind {
                kubeward_rbac::RoleRefKind::Role => "roles",
                kubeward_rbac::RoleRefKind::ClusterRole => "clusterroles",
            };
            status::not_found(RBAC_GROUP, resource, &name)
        }
        other => status::forbidden_with_message(def.group, def.resource, name, &other.to_string()),
    }
}

/// `ValidatePolicyRule` of Kubernetes' RBAC validation.
fn validate_rules(
    def: &ResourceDef,
    name: &str,
    rules: &[PolicyRule],
    namespaced: bool,
) -> Result<(), Status> {
    let mut errors = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        let path = |field: &str| format!("rules[{i}].{field}");
        if rule.verbs.is_empty() {
            errors.push(FieldError::required(
                &path("verbs"),
                "verbs must contain at least one value",
            ));
        }
        if !rule.non_resource_urls.is_empty() {
            if namespaced {
                errors.push(FieldError::invalid(
                    &path("nonResourceURLs"),
                    kubeward_core::status::BadValue::json(&rule.non_resource_urls),
                    "namespaced rules cannot apply to non-resource URLs",
                ));
            }
            if !rule.api_groups.is_empty()
                || !rule.resources.is_empty()
                || !rule.resource_names.is_empty()
            {
                errors.push(FieldError::invalid(
                    &path("nonResourceURLs"),
                    kubeward_core::status::BadValue::json(&rule.non_resource_urls),
                    "rules cannot apply to both regular resources and non-resource URLs",
                ));
            }
            continue;
        }
        if rule.api_groups.is_empty() {
            errors.push(FieldError::required(
                &path("apiGroups"),
                "resource rules must supply at least one api group",
            ));
        }
        if rule.resources.is_empty() {
            errors.push(FieldError::required(
                &path("resources"),
                "resource rules must supply at least one resource",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(status::invalid(def.group, def.kind, name, errors))
    }
}

/// `ValidateRoleBinding`/`ValidateClusterRoleBinding`: the roleRef and the subjects.
fn validate_binding(
    def: &ResourceDef,
    name: &str,
    object: &Value,
    current: Option<&Value>,
) -> Result<(), Status> {
    let mut errors = Vec::new();
    let role_ref = object.get("roleRef").cloned().unwrap_or(Value::Null);
    let text = |v: &Value, field: &str| {
        v.get(field)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let api_group = text(&role_ref, "apiGroup");
    if api_group != RBAC_GROUP {
        errors.push(FieldError::not_supported(
            "roleRef.apiGroup",
            api_group.as_str(),
            &[RBAC_GROUP],
        ));
    }
    let kind = text(&role_ref, "kind");
    let supported: &[&str] = if def.namespaced {
        &["Role", "ClusterRole"]
    } else {
        &["ClusterRole"]
    };
    if !supported.contains(&kind.as_str()) {
        errors.push(FieldError::not_supported(
            "roleRef.kind",
            kind.as_str(),
            supported,
        ));
    }
    if text(&role_ref, "name").is_empty() {
        errors.push(FieldError::required("roleRef.name", ""));
    }
    for (i, subject) in object
        .get("subjects")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let path = |field: &str| format!("subjects[{i}].{field}");
        if text(subject, "name").is_empty() {
            errors.push(FieldError::required(&path("name"), ""));
        }
        let kind = text(subject, "kind");
        match kind.as_str() {
            "ServiceAccount" => {
                let group = text(subject, "apiGroup");
                if !group.is_empty() {
                    errors.push(FieldError::not_supported(
                        &path("apiGroup"),
                        group.as_str(),
                        &[""],
                    ));
                }
                if !def.namespaced && text(subject, "namespace").is_empty() {
                    errors.push(FieldError::required(&path("namespace"), ""));
                }
            }
            "User" | "Group" => {
                let group = text(subject, "apiGroup");
                if group != RBAC_GROUP {
                    errors.push(FieldError::not_supported(
                        &path("apiGroup"),
                        group.as_str(),
                        &[RBAC_GROUP],
                    ));
                }
            }
            _ => errors.push(FieldError::not_supported(
                &path("kind"),
                kind.as_str(),
                &["ServiceAccount", "User", "Group"],
            )),
        }
    }
    if let Some(current) = current
        && current.get("roleRef") != object.get("roleRef")
    {
        errors.push(FieldError::invalid(
            "roleRef",
            kubeward_core::status::BadValue::json(&role_ref),
            "cannot change roleRef",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(status::invalid(def.group, def.kind, name, errors))
    }
}

#[cfg(test)]
mod tests;
