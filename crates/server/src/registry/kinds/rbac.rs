//! The RBAC kinds (`rbac.authorization.k8s.io/v1`): Role, ClusterRole, RoleBinding,
//! ClusterRoleBinding, with their validation (`pkg/apis/rbac/validation`) and kube-apiserver's
//! escalation prevention (`pkg/registry/rbac/*/policybased`).

use k8s_openapi::api::rbac::v1 as wire;
use kubeward_core::attributes::Attributes;
use kubeward_core::status::{self, FieldError, Status};
use kubeward_core::validation::NameRule;
use kubeward_rbac::escalation::{self, EscalationError};
use kubeward_rbac::{PolicyRule, RoleRef, from_k8s};
use serde_json::Value;
use time::OffsetDateTime;

use super::{Admission, Kind, Serving, Strategy, schema_of};
use crate::registry::objects;
use crate::registry::printing::{self, AGE, Column, NAME, column, text};
use crate::state::State;

/// The API group of RBAC.
pub const GROUP: &str = "rbac.authorization.k8s.io";

const ROLE_COLUMNS: &[Column] = &[NAME, column("Created At", "date", 0)];

const BINDING_COLUMNS: &[Column] = &[
    NAME,
    column("Role", "string", 0),
    AGE,
    column("Users", "string", 1),
    column("Groups", "string", 1),
    column("ServiceAccounts", "string", 1),
];

/// The four RBAC kinds.
pub const KINDS: &[Kind] = &[
    Kind {
        group: GROUP,
        version: "v1",
        resource: "roles",
        kind: "Role",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &[],
        name_rule: NameRule::PathSegment,
        columns: ROLE_COLUMNS,
        cells: super::default_cells,
        schema: Some(schema_of::<wire::Role>()),
        field_labels: None,
        strategy: &RoleStrategy,
    },
    Kind {
        group: GROUP,
        version: "v1",
        resource: "rolebindings",
        kind: "RoleBinding",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &[],
        name_rule: NameRule::PathSegment,
        columns: BINDING_COLUMNS,
        cells: binding_cells,
        schema: Some(schema_of::<wire::RoleBinding>()),
        field_labels: None,
        strategy: &BindingStrategy { namespaced: true },
    },
    Kind {
        group: GROUP,
        version: "v1",
        resource: "clusterroles",
        kind: "ClusterRole",
        namespaced: false,
        serving: Serving::Stored,
        subresources: &[],
        name_rule: NameRule::PathSegment,
        columns: ROLE_COLUMNS,
        cells: super::default_cells,
        schema: Some(schema_of::<wire::ClusterRole>()),
        field_labels: None,
        strategy: &RoleStrategy,
    },
    Kind {
        group: GROUP,
        version: "v1",
        resource: "clusterrolebindings",
        kind: "ClusterRoleBinding",
        namespaced: false,
        serving: Serving::Stored,
        subresources: &[],
        name_rule: NameRule::PathSegment,
        columns: BINDING_COLUMNS,
        cells: binding_cells,
        schema: Some(schema_of::<wire::ClusterRoleBinding>()),
        field_labels: None,
        strategy: &BindingStrategy { namespaced: false },
    },
];

/// Roles.
pub fn roles() -> &'static Kind {
    &KINDS[0]
}

/// RoleBindings.
pub fn role_bindings() -> &'static Kind {
    &KINDS[1]
}

/// ClusterRoles.
pub fn cluster_roles() -> &'static Kind {
    &KINDS[2]
}

/// ClusterRoleBindings.
pub fn cluster_role_bindings() -> &'static Kind {
    &KINDS[3]
}

/// Roles and ClusterRoles: rules validated; a write that grants what the writer does not hold
/// (or sets an aggregation rule without `escalate`) is forbidden.
struct RoleStrategy;

impl Strategy for RoleStrategy {
    fn authorize_create(&self, request: &Admission<'_>, object: &Value) -> Result<(), Status> {
        check_role_write(request, None, object)
    }

    fn authorize_update(
        &self,
        request: &Admission<'_>,
        current: &Value,
        next: &Value,
    ) -> Result<(), Status> {
        if only_gc_fields_changed(current, next) {
            // The garbage collector's updates (owner references, finalizers) are not escalations.
            return Ok(());
        }
        check_role_write(request, Some(current), next)
    }

    fn validate(&self, object: &Value) -> Vec<FieldError> {
        let namespaced = !objects::namespace(object).is_empty();
        match rules_of(object) {
            Some(rules) => validate_rules(&rules, namespaced),
            None => Vec::new(),
        }
    }
}

/// RoleBindings and ClusterRoleBindings: roleRef and subjects validated, roleRef immutable;
/// binding a role whose permissions the writer does not hold needs `bind`.
struct BindingStrategy {
    namespaced: bool,
}

impl Strategy for BindingStrategy {
    fn authorize_create(&self, request: &Admission<'_>, object: &Value) -> Result<(), Status> {
        check_binding_write(request, object)
    }

    fn authorize_update(
        &self,
        request: &Admission<'_>,
        current: &Value,
        next: &Value,
    ) -> Result<(), Status> {
        if only_gc_fields_changed(current, next) {
            return Ok(());
        }
        check_binding_write(request, next)
    }

    fn validate(&self, object: &Value) -> Vec<FieldError> {
        validate_binding(self.namespaced, object, None)
    }

    fn validate_update(&self, next: &Value, current: &Value) -> Vec<FieldError> {
        validate_binding(self.namespaced, next, Some(current))
    }
}

fn decode<T: serde::de::DeserializeOwned>(object: &Value) -> Result<T, Status> {
    serde_json::from_value(object.clone())
        .map_err(|e| status::bad_request(&format!("unable to decode the object: {e}")))
}

/// The rules of a Role or ClusterRole as the RBAC model reads them (`None`: not decodable).
fn rules_of(object: &Value) -> Option<Vec<PolicyRule>> {
    let rules = object
        .get("rules")
        .cloned()
        .unwrap_or(Value::Array(Vec::new()));
    let rules: Vec<wire::PolicyRule> = serde_json::from_value(rules).ok()?;
    Some(rules.iter().map(from_k8s::policy_rule).collect())
}

/// Whether the writer may do something (what escalation prevention asks the authorizer).
fn may(state: &State) -> impl Fn(&Attributes) -> bool + '_ {
    move |attributes| crate::authorizer::allowed_blocking(state, attributes)
}

/// The rules a user holds in a namespace, with the errors of resolving them.
type RulesHeld = (Vec<PolicyRule>, Vec<String>);

/// Which rules the writer holds (what escalation prevention compares a role with).
fn rules_held(state: &State) -> impl Fn(&kubeward_core::UserInfo, &str) -> RulesHeld + '_ {
    move |user, namespace| {
        let review = state.policy().rules_for(user, namespace);
        (review.rules, review.errors)
    }
}

/// `EscalationAllowed`: members of `system:masters` skip the escalation checks.
fn escalation_allowed(request: &Admission<'_>) -> bool {
    request
        .user
        .groups
        .iter()
        .any(|g| g == kubeward_core::user::SYSTEM_PRIVILEGED_GROUP)
}

/// The escalation checks of a Role or ClusterRole write.
fn check_role_write(
    request: &Admission<'_>,
    current: Option<&Value>,
    object: &Value,
) -> Result<(), Status> {
    let kind = if objects::namespace(object).is_empty() {
        cluster_roles()
    } else {
        roles()
    };
    let name = objects::name(object).to_string();
    let namespace = kind
        .namespaced
        .then(|| objects::namespace(object).to_string());
    if escalation_allowed(request) {
        return Ok(());
    }
    let role = if kind.namespaced {
        from_k8s::role(&decode::<wire::Role>(object)?)
    } else {
        from_k8s::cluster_role(&decode::<wire::ClusterRole>(object)?)
    };
    // A role that does not convert is invalid: validation refuses it in its words.
    let Ok(role) = role else {
        return Ok(());
    };
    let (authorize, rules_for) = (may(request.state), rules_held(request.state));
    let result = if role.aggregation_rule.is_some() {
        let unchanged =
            current.is_some_and(|c| c.get("aggregationRule") == object.get("aggregationRule"));
        if unchanged {
            return Ok(());
        }
        escalation::check_aggregation_rule_write(request.user, &name, authorize, rules_for)
    } else {
        escalation::check_role_write(
            request.user,
            namespace.as_deref(),
            &name,
            &role.rules,
            authorize,
            rules_for,
        )
    };
    result.map_err(|e| escalation_status(kind, &name, e))
}

/// The escalation check of a RoleBinding or ClusterRoleBinding write.
fn check_binding_write(request: &Admission<'_>, object: &Value) -> Result<(), Status> {
    let namespaced = !objects::namespace(object).is_empty();
    let kind = if namespaced {
        role_bindings()
    } else {
        cluster_role_bindings()
    };
    let name = objects::name(object).to_string();
    let namespace = namespaced.then(|| objects::namespace(object).to_string());
    if escalation_allowed(request) {
        return Ok(());
    }
    let binding = if namespaced {
        from_k8s::role_binding(&decode::<wire::RoleBinding>(object)?)
    } else {
        from_k8s::cluster_role_binding(&decode::<wire::ClusterRoleBinding>(object)?)
    };
    let Ok(binding) = binding else {
        return Ok(());
    };
    let role_rules = role_rules(request.state, namespace.as_deref(), &binding.role_ref);
    let (authorize, rules_for) = (may(request.state), rules_held(request.state));
    escalation::check_binding_write_with_lookup(
        request.user,
        namespace.as_deref(),
        &binding.role_ref,
        role_rules.as_deref(),
        authorize,
        rules_for,
    )
    .map_err(|e| escalation_status(kind, &name, e))
}

/// The cells of a RoleBinding or ClusterRoleBinding row.
fn binding_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let subjects = object
        .get("subjects")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let of_kind = |kind: &str| -> String {
        subjects
            .iter()
            .filter(|s| s.get("kind").and_then(Value::as_str) == Some(kind))
            .map(|s| {
                let name = s.get("name").and_then(Value::as_str).unwrap_or("");
                if kind == "ServiceAccount" {
                    let ns = s.get("namespace").and_then(Value::as_str).unwrap_or("");
                    format!("{ns}/{name}")
                } else {
                    name.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    vec![
        printing::name(object),
        Value::String(format!(
            "{}/{}",
            text(object, "/roleRef/kind"),
            text(object, "/roleRef/name")
        )),
        printing::age(object, now),
        Value::String(of_kind("User")),
        Value::String(of_kind("Group")),
        Value::String(of_kind("ServiceAccount")),
    ]
}

/// `IsOnlyMutatingGCFields` of Kubernetes' RBAC registry: `next` is `current` with only
/// `metadata.ownerReferences` and `metadata.finalizers` changed (resource versions aside).
fn only_gc_fields_changed(current: &Value, next: &Value) -> bool {
    let mut expected = current.clone();
    let mut next = next.clone();
    for object in [&mut expected, &mut next] {
        objects::metadata_mut(object).remove("resourceVersion");
    }
    let next_metadata = next.get("metadata").cloned().unwrap_or(Value::Null);
    let metadata = objects::metadata_mut(&mut expected);
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
    state: &State,
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

fn escalation_status(kind: &Kind, name: &str, error: EscalationError) -> Status {
    match error {
        EscalationError::RoleRefNotFound { kind, name } => {
            let resource = match kind {
                kubeward_rbac::RoleRefKind::Role => "roles",
                kubeward_rbac::RoleRefKind::ClusterRole => "clusterroles",
            };
            status::not_found(GROUP, resource, &name)
        }
        other => {
            status::forbidden_with_message(kind.group, kind.resource, name, &other.to_string())
        }
    }
}

/// `ValidatePolicyRule` of Kubernetes' RBAC validation.
fn validate_rules(rules: &[PolicyRule], namespaced: bool) -> Vec<FieldError> {
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
    errors
}

/// `ValidateRoleBinding`/`ValidateClusterRoleBinding`: the roleRef and the subjects.
fn validate_binding(namespaced: bool, object: &Value, current: Option<&Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let role_ref = object.get("roleRef").cloned().unwrap_or(Value::Null);
    let text = |v: &Value, field: &str| {
        v.get(field)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let api_group = text(&role_ref, "apiGroup");
    if api_group != GROUP {
        errors.push(FieldError::not_supported(
            "roleRef.apiGroup",
            api_group.as_str(),
            &[GROUP],
        ));
    }
    let kind = text(&role_ref, "kind");
    let supported: &[&str] = if namespaced {
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
                if !namespaced && text(subject, "namespace").is_empty() {
                    errors.push(FieldError::required(&path("namespace"), ""));
                }
            }
            "User" | "Group" => {
                let group = text(subject, "apiGroup");
                if group != GROUP {
                    errors.push(FieldError::not_supported(
                        &path("apiGroup"),
                        group.as_str(),
                        &[GROUP],
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
    errors
}

#[cfg(test)]
mod tests;
