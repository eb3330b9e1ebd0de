//! The `autoscaling` group: HorizontalPodAutoscalers, stored as `autoscaling/v2` and served in
//! `autoscaling/v1` too (the [`conversion`] kube-apiserver does), with
//! `SetDefaults_HorizontalPodAutoscaler` and kubectl's columns. Nothing scales here: no metrics
//! are collected.

mod conversion;

use k8s_openapi::api::autoscaling::{v1 as types_v1, v2 as types};
use kubeward_core::status::FieldError;
use kubeward_core::validation::NameRule;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::workloads::{object_at, set_default};
use super::{Admission, Kind, Serving, Strategy, schema_of};
use crate::registry::printing::{self, AGE, Column, NAME, column, int, text};

/// `printHorizontalPodAutoscaler`'s columns.
const AUTOSCALER_COLUMNS: &[Column] = &[
    NAME,
    column("Reference", "string", 0),
    column("Targets", "string", 0),
    column("MinPods", "string", 0),
    column("MaxPods", "string", 0),
    column("Replicas", "string", 0),
    AGE,
];

/// The kinds of the autoscaling group.
pub const KINDS: &[Kind] = &[
    Kind {
        group: "autoscaling",
        version: "v2",
        resource: "horizontalpodautoscalers",
        kind: "HorizontalPodAutoscaler",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &["status"],
        name_rule: NameRule::Dns1123Subdomain,
        columns: AUTOSCALER_COLUMNS,
        cells: autoscaler_cells,
        schema: Some(schema_of::<types::HorizontalPodAutoscaler>()),
        field_labels: None,
        strategy: &AutoscalerStrategy,
    },
    Kind {
        group: "autoscaling",
        version: "v1",
        resource: "horizontalpodautoscalers",
        kind: "HorizontalPodAutoscaler",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &["status"],
        name_rule: NameRule::Dns1123Subdomain,
        columns: AUTOSCALER_COLUMNS,
        cells: autoscaler_v1_cells,
        schema: Some(schema_of::<types_v1::HorizontalPodAutoscaler>()),
        field_labels: None,
        strategy: &AutoscalerV1Strategy,
    },
];

/// HorizontalPodAutoscalers: one replica at least, CPU at 80% without metrics, the default
/// scaling behavior; `maxReplicas` at least `minReplicas`.
struct AutoscalerStrategy;

impl AutoscalerStrategy {
    fn defaults(object: &mut Value) {
        let spec = object_at(object, &["spec"]);
        set_default(spec, "minReplicas", json!(1));
        if spec
            .get("metrics")
            .and_then(Value::as_array)
            .is_none_or(|m| m.is_empty())
        {
            spec.insert(
                "metrics".into(),
                json!([{"type": "Resource", "resource": {"name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 80}}}]),
            );
        }
        if object
            .pointer("/spec/behavior")
            .is_some_and(Value::is_object)
        {
            let behavior = object_at(object, &["spec", "behavior"]);
            default_rules(
                object_at_key(behavior, "scaleUp"),
                Some(0),
                json!([{"type": "Pods", "value": 4, "periodSeconds": 15},
                    {"type": "Percent", "value": 100, "periodSeconds": 15}]),
            );
            default_rules(
                object_at_key(behavior, "scaleDown"),
                None,
                json!([{"type": "Percent", "value": 100, "periodSeconds": 15}]),
            );
        }
    }
}

/// The scaling rules at `key` of a behavior, made an object if they are not one.
fn object_at_key<'m>(
    behavior: &'m mut Map<String, Value>,
    key: &str,
) -> &'m mut Map<String, Value> {
    let slot = behavior.entry(key.to_string()).or_insert_with(|| json!({}));
    if !slot.is_object() {
        *slot = json!({});
    }
    slot.as_object_mut().expect("made an object above")
}

/// `GenerateHPAScaleUpRules`/`GenerateHPAScaleDownRules`: the defaults where `rules` leaves a
/// field unset (scaling down has no default stabilization window: the controller's flag is).
fn default_rules(rules: &mut Map<String, Value>, window: Option<i64>, policies: Value) {
    if let Some(window) = window {
        set_default(rules, "stabilizationWindowSeconds", json!(window));
    }
    set_default(rules, "selectPolicy", json!("Max"));
    set_default(rules, "policies", policies);
}

impl Strategy for AutoscalerStrategy {
    fn prepare_for_create(&self, _request: &Admission<'_>, object: &mut Value) {
        Self::defaults(object);
        object["status"] = json!({"currentMetrics": null, "desiredReplicas": 0});
    }

    fn prepare_for_update(&self, request: &Admission<'_>, _current: &Value, next: &mut Value) {
        if request.subresource != "status" {
            Self::defaults(next);
        }
    }

    fn validate(&self, object: &Value) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let min = int(object, "/spec/minReplicas");
        let max = int(object, "/spec/maxReplicas");
        if min < 1 {
            errors.push(FieldError::invalid(
                "spec.minReplicas",
                min,
                "must be greater than or equal to 1",
            ));
        }
        if max < min {
            errors.push(FieldError::invalid(
                "spec.maxReplicas",
                max,
                "must be greater than or equal to `minReplicas`",
            ));
        }
        for field in ["kind", "name"] {
            if text(object, &format!("/spec/scaleTargetRef/{field}")).is_empty() {
                errors.push(FieldError::required(
                    &format!("spec.scaleTargetRef.{field}"),
                    "",
                ));
            }
        }
        errors
    }
}

/// `autoscaling/v1`: converted to and from the stored `autoscaling/v2`, which then gets the
/// same defaults and checks.
struct AutoscalerV1Strategy;

impl Strategy for AutoscalerV1Strategy {
    fn storage_version(&self) -> Option<&'static str> {
        Some("v2")
    }

    fn to_storage(&self, object: &mut Value) {
        *object = conversion::to_v2(object);
    }

    fn to_served(&self, object: &mut Value) {
        *object = conversion::to_v1(object);
    }

    fn prepare_for_create(&self, request: &Admission<'_>, object: &mut Value) {
        AutoscalerStrategy.prepare_for_create(request, object);
    }

    fn prepare_for_update(&self, request: &Admission<'_>, current: &Value, next: &mut Value) {
        AutoscalerStrategy.prepare_for_update(request, current, next);
    }

    fn validate(&self, object: &Value) -> Vec<FieldError> {
        AutoscalerStrategy.validate(object)
    }
}

/// `formatHPAMetrics`: `resource: current/target` of each metric, two at most.
fn targets(object: &Value) -> String {
    let specs = object
        .pointer("/spec/metrics")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    if specs.is_empty() {
        return "<none>".to_string();
    }
    let shown: Vec<String> = specs
        .iter()
        .take(2)
        .map(|metric| {
            let source = match text(metric, "/type").as_str() {
                "Resource" => "/resource",
                "ContainerResource" => "/containerResource",
                "Pods" => "/pods",
                "Object" => "/object",
                _ => "/external",
            };
            let target = metric
                .pointer(&format!("{source}/target"))
                .cloned()
                .unwrap_or(json!({}));
            let wanted = match target.get("averageUtilization").and_then(Value::as_i64) {
                Some(percent) => format!("{percent}%"),
                None => {
                    let value = text(&target, "/averageValue");
                    if value.is_empty() {
                        text(&target, "/value")
                    } else {
                        value
                    }
                }
            };
            let name = text(metric, &format!("{source}/name"));
            if name.is_empty() {
                format!("<unknown>/{wanted}")
            } else {
                format!("{name}: <unknown>/{wanted}")
            }
        })
        .collect();
    let mut out = shown.join(", ");
    if specs.len() > 2 {
        out = format!("{out} + {} more...", specs.len() - 2);
    }
    out
}

/// `printHorizontalPodAutoscaler`.
fn autoscaler_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let min = object
        .pointer("/spec/minReplicas")
        .and_then(Value::as_i64)
        .map_or_else(|| "<unset>".to_string(), |m| m.to_string());
    vec![
        printing::name(object),
        json!(format!(
            "{}/{}",
            text(object, "/spec/scaleTargetRef/kind"),
            text(object, "/spec/scaleTargetRef/name")
        )),
        json!(targets(object)),
        json!(min),
        json!(int(object, "/spec/maxReplicas")),
        json!(int(object, "/status/currentReplicas")),
        printing::age(object, now),
    ]
}

/// The cells of a v1 object: those of what it stands for in v2, as kube prints its internal
/// object whatever the version asked for.
fn autoscaler_v1_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    autoscaler_cells(&conversion::to_v2(object), now)
}

#[cfg(test)]
mod tests;
