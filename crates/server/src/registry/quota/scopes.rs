//! A ResourceQuota's scopes (`spec.scopes` and `spec.scopeSelector`), as kube's quota
//! evaluators match them: a quota with scopes tracks only the pods in every scope
//! (`podMatchesScopeFunc`), and no other kind (the object-count evaluators' `MatchesNoScopeFunc`);
//! and `validateResourceQuotaScopes`/`validateScopeSelector`'s checks of a quota's spec. Pure.

use kubeward_core::status::{BadValue, FieldError};
use serde::Serialize;
use serde_json::Value;

use crate::registry::kinds::core::pods::qos;

/// One requirement of a quota's scopes: `scopes` entries are `Exists` requirements
/// (`getScopeSelectorsFromQuota`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Requirement {
    /// `Terminating`, `BestEffort`, `PriorityClass`, ….
    pub scope_name: String,
    /// `In`, `NotIn`, `Exists`, `DoesNotExist`.
    pub operator: String,
    /// The values of `In`/`NotIn`.
    pub values: Option<Vec<String>>,
}

/// The scopes kube knows (`IsStandardResourceQuotaScope`).
const STANDARD: [&str; 7] = [
    "Terminating",
    "NotTerminating",
    "BestEffort",
    "NotBestEffort",
    "PriorityClass",
    "VolumeAttributesClass",
    "CrossNamespacePodAffinity",
];

/// The resources of a pod count (`podObjectCountQuotaResources`).
const POD_COUNT: [&str; 1] = ["pods"];
/// The pod compute resources a scoped quota may limit (`podComputeQuotaResources`).
const POD_COMPUTE: [&str; 6] = [
    "cpu",
    "memory",
    "limits.cpu",
    "limits.memory",
    "requests.cpu",
    "requests.memory",
];

/// The requirements of `quota`: its `spec.scopes`, then its `spec.scopeSelector`'s.
pub fn requirements(quota: &Value) -> Vec<Requirement> {
    let scopes = quota
        .pointer("/spec/scopes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|scope| Requirement {
            scope_name: scope.to_string(),
            operator: "Exists".into(),
            values: None,
        });
    let selected = quota
        .pointer("/spec/scopeSelector/matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(requirement_of);
    scopes.chain(selected).collect()
}

fn requirement_of(expression: &Value) -> Requirement {
    let text = |field: &str| {
        expression
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    Requirement {
        scope_name: text("scopeName"),
        operator: text("operator"),
        values: expression.get("values").and_then(Value::as_array).map(|v| {
            v.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        }),
    }
}

/// Whether a quota with `requirements` tracks `object` of `group`/`resource`: every object when
/// it has none; else only pods, in every scope.
pub fn matches(requirements: &[Requirement], group: &str, resource: &str, object: &Value) -> bool {
    if requirements.is_empty() {
        return true;
    }
    group.is_empty() && resource == "pods" && requirements.iter().all(|r| pod_in(r, object))
}

/// `podMatchesScopeFunc`.
fn pod_in(requirement: &Requirement, pod: &Value) -> bool {
    let spec = pod.get("spec");
    match requirement.scope_name.as_str() {
        "Terminating" => terminating(spec),
        "NotTerminating" => !terminating(spec),
        "BestEffort" => qos::class(spec) == "BestEffort",
        "NotBestEffort" => qos::class(spec) != "BestEffort",
        "PriorityClass" => {
            let class = spec
                .and_then(|s| s.get("priorityClassName"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            let values = requirement.values.as_deref().unwrap_or_default();
            // The pod's labels for the selector always hold the key, empty or not.
            match requirement.operator.as_str() {
                "Exists" => !class.is_empty(),
                "In" => values.iter().any(|v| v == class),
                "NotIn" => !values.iter().any(|v| v == class),
                _ => false,
            }
        }
        "CrossNamespacePodAffinity" => cross_namespace_affinity(spec),
        _ => false,
    }
}

/// `isTerminating`: an active deadline of zero seconds or more.
fn terminating(spec: Option<&Value>) -> bool {
    spec.and_then(|s| s.get("activeDeadlineSeconds"))
        .and_then(Value::as_i64)
        .is_some_and(|seconds| seconds >= 0)
}

/// `usesCrossNamespacePodAffinity`: an affinity or anti-affinity term with namespaces or a
/// namespace selector.
fn cross_namespace_affinity(spec: Option<&Value>) -> bool {
    let Some(affinity) = spec.and_then(|s| s.get("affinity")) else {
        return false;
    };
    ["podAffinity", "podAntiAffinity"].iter().any(|kind| {
        let Some(terms) = affinity.get(*kind) else {
            return false;
        };
        let required = terms
            .get("requiredDuringSchedulingIgnoredDuringExecution")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        let preferred = terms
            .get("preferredDuringSchedulingIgnoredDuringExecution")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|weighted| weighted.get("podAffinityTerm"));
        required.chain(preferred).any(|term| {
            term.get("namespaces")
                .and_then(Value::as_array)
                .is_some_and(|n| !n.is_empty())
                || term.get("namespaceSelector").is_some_and(|s| !s.is_null())
        })
    })
}

/// Whether a quota in `scope` may limit `resource` (`IsResourceQuotaScopeValidForResource`, for
/// the standard quota resource names).
fn valid_for(scope: &str, resource: &str) -> bool {
    match scope {
        "Terminating"
        | "NotTerminating"
        | "NotBestEffort"
        | "PriorityClass"
        | "CrossNamespacePodAffinity" => {
            POD_COUNT.contains(&resource) || POD_COMPUTE.contains(&resource)
        }
        "BestEffort" => POD_COUNT.contains(&resource),
        "VolumeAttributesClass" => {
            matches!(resource, "persistentvolumeclaims" | "requests.storage")
        }
        _ => true,
    }
}

/// The standard quota resource names the scope checks look at (`IsStandardQuotaResourceName`).
fn standard_quota_resource(name: &str) -> bool {
    matches!(
        name,
        "pods"
            | "services"
            | "replicationcontrollers"
            | "resourcequotas"
            | "secrets"
            | "configmaps"
            | "persistentvolumeclaims"
            | "services.nodeports"
            | "services.loadbalancers"
            | "cpu"
            | "memory"
            | "ephemeral-storage"
            | "requests.cpu"
            | "requests.memory"
            | "requests.storage"
            | "requests.ephemeral-storage"
            | "limits.cpu"
            | "limits.memory"
            | "limits.ephemeral-storage"
    ) || name.starts_with("requests.hugepages-")
}

/// The pairs of scopes no quota may hold together.
const CONFLICTING: [[&str; 2]; 2] = [
    ["BestEffort", "NotBestEffort"],
    ["Terminating", "NotTerminating"],
];

fn conflicting(names: &[&str]) -> usize {
    CONFLICTING
        .iter()
        .filter(|pair| pair.iter().all(|scope| names.contains(scope)))
        .count()
}

/// `validateResourceQuotaScopes` and `validateScopeSelector` of a quota's `spec`.
pub fn validate(spec: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let hard: Vec<&str> = spec
        .get("hard")
        .and_then(Value::as_object)
        .map(|hard| hard.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let limited = || hard.iter().filter(|name| standard_quota_resource(name));
    let scopes: Vec<&str> = spec
        .get("scopes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !scopes.is_empty() {
        let shown = || BadValue::json(&scopes);
        for scope in &scopes {
            if !STANDARD.contains(scope) {
                errors.push(FieldError::invalid(
                    "spec.scopes",
                    shown(),
                    "unsupported scope",
                ));
            }
            for _ in limited().filter(|resource| !valid_for(scope, resource)) {
                errors.push(FieldError::invalid(
                    "spec.scopes",
                    shown(),
                    "unsupported scope applied to resource",
                ));
            }
        }
        for _ in 0..conflicting(&scopes) {
            errors.push(FieldError::invalid(
                "spec.scopes",
                shown(),
                "conflicting scopes",
            ));
        }
    }
    if let Some(selector) = spec.get("scopeSelector").filter(|s| !s.is_null()) {
        errors.extend(validate_selector(selector, &hard, &scopes));
    }
    errors
}

/// kube's internal `ScopeSelector`, as `field.Invalid` shows it (its fields have no JSON tags).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SelectorShown {
    match_expressions: Vec<Requirement>,
}

fn validate_selector(selector: &Value, hard: &[&str], scopes: &[&str]) -> Vec<FieldError> {
    const AT: &str = "spec.scopeSelector.matchExpressions";
    let requirements: Vec<Requirement> = selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(requirement_of)
        .collect();
    let mut errors = Vec::new();
    let mut names = Vec::new();
    for requirement in &requirements {
        let scope = requirement.scope_name.as_str();
        if !STANDARD.contains(&scope) {
            errors.push(FieldError::invalid(
                &format!("{AT}.scopeName"),
                scope,
                "unsupported scope",
            ));
        }
        let unsupported = hard
            .iter()
            .filter(|name| standard_quota_resource(name) && !valid_for(scope, name))
            .count();
        for _ in 0..unsupported {
            errors.push(FieldError::invalid(
                AT,
                BadValue::json(&SelectorShown {
                    match_expressions: requirements.clone(),
                }),
                "unsupported scope applied to resource",
            ));
        }
        let operator = requirement.operator.as_str();
        if matches!(
            scope,
            "BestEffort"
                | "NotBestEffort"
                | "Terminating"
                | "NotTerminating"
                | "CrossNamespacePodAffinity"
        ) && operator != "Exists"
        {
            errors.push(FieldError::invalid(
                &format!("{AT}.operator"),
                operator,
                "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
            ));
        }
        let values = requirement.values.as_deref().unwrap_or_default();
        match operator {
            "In" | "NotIn" if values.is_empty() => errors.push(FieldError::required(
                &format!("{AT}.values"),
                "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
            )),
            "Exists" | "DoesNotExist" if !values.is_empty() => errors.push(FieldError::invalid(
                &format!("{AT}.values"),
                BadValue::json(&values),
                "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector",
            )),
            "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
            _ => errors.push(FieldError::invalid(
                &format!("{AT}.operator"),
                operator,
                "not a valid selector operator",
            )),
        }
        names.push(scope);
    }
    for _ in 0..conflicting(&names) {
        // kube shows the quota's `scopes` here, not the selector.
        let shown = if scopes.is_empty() {
            BadValue::Null
        } else {
            BadValue::json(&scopes)
        };
        errors.push(FieldError::invalid(AT, shown, "conflicting scopes"));
    }
    errors
}

#[cfg(test)]
mod tests;
