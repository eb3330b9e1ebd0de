//! HorizontalPodAutoscalers between `autoscaling/v2` (how they are stored) and `autoscaling/v1`,
//! as kube-apiserver converts them (`pkg/apis/autoscaling/v1/conversion.go`): v1 holds one CPU
//! utilization target; the other metrics, the current metrics, the scaling behavior and the
//! conditions travel in the `autoscaling.alpha.kubernetes.io/*` annotations, written with Go's
//! field order (the behavior as the Go field names of kube's internal type, as kube writes it)
//! so that a v1 client's read-modify-write keeps them. Pure: no I/O.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// The v1 annotation holding the metrics other than the CPU utilization target.
pub const METRIC_SPECS: &str = "autoscaling.alpha.kubernetes.io/metrics";
/// The v1 annotation holding the current metrics.
pub const METRIC_STATUSES: &str = "autoscaling.alpha.kubernetes.io/current-metrics";
/// The v1 annotation holding the conditions.
pub const CONDITIONS: &str = "autoscaling.alpha.kubernetes.io/conditions";
/// The v1 annotation holding the scaling behavior.
pub const BEHAVIOR: &str = "autoscaling.alpha.kubernetes.io/behavior";
/// The annotations a conversion to v1 writes and a conversion from v1 reads and drops
/// (`DropRoundTripHorizontalPodAutoscalerAnnotations`), the tolerance ones included.
const ROUND_TRIP: [&str; 6] = [
    METRIC_SPECS,
    BEHAVIOR,
    "autoscaling.alpha.kubernetes.io/scale-down-tolerance",
    "autoscaling.alpha.kubernetes.io/scale-up-tolerance",
    METRIC_STATUSES,
    CONDITIONS,
];
/// The CPU utilization a v1 object without a target gets (`DefaultCPUUtilization`).
const DEFAULT_CPU_UTILIZATION: i64 = 80;

/// A stored `autoscaling/v2` object as `autoscaling/v1` serves it.
pub fn to_v1(v2: &Value) -> Value {
    let mut out = Map::new();
    out.insert("apiVersion".into(), json!("autoscaling/v1"));
    out.insert("kind".into(), json!("HorizontalPodAutoscaler"));
    let mut metadata = v2.get("metadata").cloned().unwrap_or_else(|| json!({}));
    let mut annotations = without_round_trip_annotations(&metadata);

    let spec = v2.get("spec").cloned().unwrap_or_default();
    let metrics = array(&spec, "metrics");
    let mut v1_spec = Map::new();
    copy(&spec, &mut v1_spec, &["scaleTargetRef", "minReplicas"]);
    v1_spec.insert("maxReplicas".into(), int_or_zero(&spec, "maxReplicas"));
    if let Some(target) = metrics.iter().find_map(cpu_target_utilization) {
        v1_spec.insert("targetCPUUtilizationPercentage".into(), target.clone());
    }
    let others: Vec<MetricSpecV1> = metrics
        .iter()
        .filter(|m| cpu_target_utilization(m).is_none())
        .map(MetricSpecV1::from_v2)
        .collect();
    if !others.is_empty() {
        annotations.insert(METRIC_SPECS.into(), json!(go_json(&others)));
    }
    if let Some(behavior) = spec.get("behavior").filter(|b| b.is_object()) {
        annotations.insert(
            BEHAVIOR.into(),
            json!(go_json(&BehaviorInternal::from_v2(behavior))),
        );
    }

    let status = v2.get("status").cloned().unwrap_or_default();
    let current = array(&status, "currentMetrics");
    let mut v1_status = Map::new();
    copy(
        &status,
        &mut v1_status,
        &["observedGeneration", "lastScaleTime"],
    );
    v1_status.insert(
        "currentReplicas".into(),
        int_or_zero(&status, "currentReplicas"),
    );
    v1_status.insert(
        "desiredReplicas".into(),
        int_or_zero(&status, "desiredReplicas"),
    );
    if let Some(utilization) = current
        .iter()
        .filter_map(|metric| cpu_utilization(metric, "current"))
        .next_back()
    {
        v1_status.insert(
            "currentCPUUtilizationPercentage".into(),
            utilization.clone(),
        );
    }
    if !current.is_empty() {
        let statuses: Vec<MetricStatusV1> = current.iter().map(MetricStatusV1::from_v2).collect();
        annotations.insert(METRIC_STATUSES.into(), json!(go_json(&statuses)));
    }
    let conditions = array(&status, "conditions");
    if !conditions.is_empty() {
        let conditions: Vec<ConditionV1> = conditions.iter().map(ConditionV1::from_v2).collect();
        annotations.insert(CONDITIONS.into(), json!(go_json(&conditions)));
    }

    set_annotations(&mut metadata, annotations);
    out.insert("metadata".into(), metadata);
    out.insert("spec".into(), Value::Object(v1_spec));
    out.insert("status".into(), Value::Object(v1_status));
    Value::Object(out)
}

/// An `autoscaling/v1` object as `autoscaling/v2` stores it.
pub fn to_v2(v1: &Value) -> Value {
    let mut out = Map::new();
    out.insert("apiVersion".into(), json!("autoscaling/v2"));
    out.insert("kind".into(), json!("HorizontalPodAutoscaler"));
    let mut metadata = v1.get("metadata").cloned().unwrap_or_else(|| json!({}));
    let annotations = metadata
        .get("annotations")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let annotation = |name: &str| annotations.get(name).and_then(Value::as_str);

    let spec = v1.get("spec").cloned().unwrap_or_default();
    let mut v2_spec = Map::new();
    copy(&spec, &mut v2_spec, &["scaleTargetRef", "minReplicas"]);
    v2_spec.insert("maxReplicas".into(), int_or_zero(&spec, "maxReplicas"));
    let mut metrics: Vec<Value> = Vec::new();
    if let Some(others) = annotation(METRIC_SPECS)
        .and_then(|text| serde_json::from_str::<Vec<MetricSpecV1>>(text).ok())
    {
        metrics.extend(others.iter().map(MetricSpecV1::to_v2));
    }
    let cpu_target = spec
        .get("targetCPUUtilizationPercentage")
        .filter(|t| !t.is_null());
    if let Some(target) = cpu_target {
        metrics.push(cpu_utilization_target(target.clone()));
    }
    if metrics.is_empty() {
        metrics.push(cpu_utilization_target(json!(DEFAULT_CPU_UTILIZATION)));
    }
    v2_spec.insert("metrics".into(), Value::Array(metrics));
    if let Some(behavior) = annotation(BEHAVIOR)
        .and_then(|text| serde_json::from_str::<BehaviorInternal>(text).ok())
        .filter(|b| b.scale_up.is_some() || b.scale_down.is_some())
    {
        v2_spec.insert("behavior".into(), behavior.to_v2());
    }

    let status = v1.get("status").cloned().unwrap_or_default();
    let mut v2_status = Map::new();
    copy(
        &status,
        &mut v2_status,
        &["observedGeneration", "lastScaleTime"],
    );
    if let Some(replicas) = status
        .get("currentReplicas")
        .filter(|r| r.as_i64().unwrap_or(0) != 0)
    {
        v2_status.insert("currentReplicas".into(), replicas.clone());
    }
    v2_status.insert(
        "desiredReplicas".into(),
        int_or_zero(&status, "desiredReplicas"),
    );
    let mut current = match status
        .get("currentCPUUtilizationPercentage")
        .filter(|c| !c.is_null())
    {
        Some(utilization) => json!([{"type": "Resource",
            "resource": {"name": "cpu", "current": {"averageUtilization": utilization}}}]),
        None => Value::Null,
    };
    if let Some(statuses) = annotation(METRIC_STATUSES)
        .and_then(|text| serde_json::from_str::<Vec<MetricStatusV1>>(text).ok())
    {
        current = Value::Array(statuses.iter().map(MetricStatusV1::to_v2).collect());
    }
    v2_status.insert("currentMetrics".into(), current);
    if let Some(conditions) =
        annotation(CONDITIONS).and_then(|text| serde_json::from_str::<Vec<ConditionV1>>(text).ok())
    {
        let conditions: Vec<Value> = conditions.iter().map(ConditionV1::to_v2).collect();
        v2_status.insert("conditions".into(), Value::Array(conditions));
    }

    let kept = without_round_trip_annotations(&metadata);
    set_annotations(&mut metadata, kept);
    out.insert("metadata".into(), metadata);
    out.insert("spec".into(), Value::Object(v2_spec));
    out.insert("status".into(), Value::Object(v2_status));
    Value::Object(out)
}

/// The object's annotations without the round-trip ones.
fn without_round_trip_annotations(metadata: &Value) -> Map<String, Value> {
    let mut annotations = metadata
        .get("annotations")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for name in ROUND_TRIP {
        annotations.remove(name);
    }
    annotations
}

/// Sets `annotations` on `metadata`; an empty map is left out, as Go's `omitempty` leaves it.
fn set_annotations(metadata: &mut Value, annotations: Map<String, Value>) {
    let Some(metadata) = metadata.as_object_mut() else {
        return;
    };
    if annotations.is_empty() {
        metadata.remove("annotations");
    } else {
        metadata.insert("annotations".into(), Value::Object(annotations));
    }
}

fn array<'v>(value: &'v Value, field: &str) -> &'v [Value] {
    value
        .get(field)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Copies the `fields` of `from` that are set (not null).
fn copy(from: &Value, to: &mut Map<String, Value>, fields: &[&str]) {
    for field in fields {
        if let Some(value) = from.get(*field).filter(|v| !v.is_null()) {
            to.insert((*field).to_string(), value.clone());
        }
    }
}

/// An int32 field that Go writes even when zero.
fn int_or_zero(value: &Value, field: &str) -> Value {
    json!(value.get(field).and_then(Value::as_i64).unwrap_or(0))
}

/// The CPU utilization a v2 metric holds at `part` (`target` of a spec's metric, `current` of a
/// status's), when it is a CPU resource metric with one.
fn cpu_utilization<'m>(metric: &'m Value, part: &str) -> Option<&'m Value> {
    let resource = metric.get("resource")?;
    (metric.get("type")?.as_str() == Some("Resource")
        && resource.get("name")?.as_str() == Some("cpu"))
    .then(|| resource.get(part)?.get("averageUtilization"))
    .flatten()
    .filter(|u| !u.is_null())
}

/// A v2 metric's CPU utilization target, when it is one.
fn cpu_target_utilization(metric: &Value) -> Option<&Value> {
    cpu_utilization(metric, "target")
}

/// The v2 metric a v1 CPU utilization target stands for.
fn cpu_utilization_target(utilization: Value) -> Value {
    json!({"type": "Resource", "resource": {"name": "cpu",
        "target": {"type": "Utilization", "averageUtilization": utilization}}})
}

/// `value` as Go's `json.Marshal` writes it (the structs below keep Go's field order).
fn go_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn string_at(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn value_at(value: &Value, pointer: &str) -> Option<Value> {
    value.pointer(pointer).filter(|v| !v.is_null()).cloned()
}

/// A `resource.Quantity` that Go writes even when unset: `"0"`.
fn quantity_or_zero(value: &Value, pointer: &str) -> Value {
    value_at(value, pointer).unwrap_or_else(|| json!("0"))
}

/// Leaves out of a v2 object the fields that are `None`.
fn object_of(fields: &[(&str, Option<Value>)]) -> Value {
    Value::Object(
        fields
            .iter()
            .filter_map(|(name, value)| value.clone().map(|v| ((*name).to_string(), v)))
            .collect(),
    )
}

fn is_none<T>(value: &Option<T>) -> bool {
    value.is_none()
}

/// `autoscalingv1.CrossVersionObjectReference`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReferenceV1 {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    api_version: String,
}

impl ReferenceV1 {
    fn from_v2(reference: &Value) -> Self {
        Self {
            kind: string_at(reference, "/kind"),
            name: string_at(reference, "/name"),
            api_version: string_at(reference, "/apiVersion"),
        }
    }

    fn to_v2(&self) -> Value {
        let mut out = json!({"kind": self.kind, "name": self.name});
        if !self.api_version.is_empty() {
            out["apiVersion"] = json!(self.api_version);
        }
        out
    }
}

/// `autoscalingv1.MetricSpec`: one source, by `type`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetricSpecV1 {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default, skip_serializing_if = "is_none")]
    object: Option<ObjectSourceV1>,
    #[serde(default, skip_serializing_if = "is_none")]
    pods: Option<PodsSourceV1>,
    #[serde(default, skip_serializing_if = "is_none")]
    resource: Option<ResourceSourceV1>,
    #[serde(default, skip_serializing_if = "is_none")]
    container_resource: Option<ContainerResourceSourceV1>,
    #[serde(default, skip_serializing_if = "is_none")]
    external: Option<ExternalSourceV1>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ObjectSourceV1 {
    target: ReferenceV1,
    #[serde(default)]
    metric_name: String,
    #[serde(default = "zero")]
    target_value: Value,
    #[serde(default, skip_serializing_if = "is_none")]
    selector: Option<Value>,
    #[serde(default, skip_serializing_if = "is_none")]
    average_value: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PodsSourceV1 {
    #[serde(default)]
    metric_name: String,
    #[serde(default = "zero")]
    target_average_value: Value,
    #[serde(default, skip_serializing_if = "is_none")]
    selector: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceSourceV1 {
    #[serde(default)]
    name: String,
    #[serde(default, skip_serializing_if = "is_none")]
    target_average_utilization: Option<Value>,
    #[serde(default, skip_serializing_if = "is_none")]
    target_average_value: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContainerResourceSourceV1 {
    #[serde(default)]
    name: String,
    #[serde(default, skip_serializing_if = "is_none")]
    target_average_utilization: Option<Value>,
    #[serde(default, skip_serializing_if = "is_none")]
    target_average_value: Option<Value>,
    #[serde(default)]
    container: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExternalSourceV1 {
    #[serde(default)]
    metric_name: String,
    #[serde(default, skip_serializing_if = "is_none")]
    metric_selector: Option<Value>,
    #[serde(default, skip_serializing_if = "is_none")]
    target_value: Option<Value>,
    #[serde(default, skip_serializing_if = "is_none")]
    target_average_value: Option<Value>,
}

fn zero() -> Value {
    json!("0")
}

/// A v2 `target` of the type its values imply: utilization when one is given, else
/// average value (or value when `value_first` and a value is given).
fn target_v2(
    kind: &str,
    value: Option<Value>,
    average: Option<Value>,
    util: Option<Value>,
) -> Value {
    object_of(&[
        ("type", Some(json!(kind))),
        ("value", value),
        ("averageValue", average),
        ("averageUtilization", util),
    ])
}

fn metric_identifier(name: &str, selector: Option<Value>) -> Value {
    object_of(&[("name", Some(json!(name))), ("selector", selector)])
}

impl MetricSpecV1 {
    fn from_v2(metric: &Value) -> Self {
        let source = |name: &str| metric.get(name).filter(|s| s.is_object());
        Self {
            kind: string_at(metric, "/type"),
            object: source("object").map(|s| ObjectSourceV1 {
                target: ReferenceV1::from_v2(s.get("describedObject").unwrap_or(&Value::Null)),
                metric_name: string_at(s, "/metric/name"),
                target_value: quantity_or_zero(s, "/target/value"),
                selector: value_at(s, "/metric/selector"),
                average_value: value_at(s, "/target/averageValue"),
            }),
            pods: source("pods").map(|s| PodsSourceV1 {
                metric_name: string_at(s, "/metric/name"),
                target_average_value: quantity_or_zero(s, "/target/averageValue"),
                selector: value_at(s, "/metric/selector"),
            }),
            resource: source("resource").map(|s| ResourceSourceV1 {
                name: string_at(s, "/name"),
                target_average_utilization: value_at(s, "/target/averageUtilization"),
                target_average_value: value_at(s, "/target/averageValue"),
            }),
            container_resource: source("containerResource").map(|s| ContainerResourceSourceV1 {
                name: string_at(s, "/name"),
                target_average_utilization: value_at(s, "/target/averageUtilization"),
                target_average_value: value_at(s, "/target/averageValue"),
                container: string_at(s, "/container"),
            }),
            external: source("external").map(|s| ExternalSourceV1 {
                metric_name: string_at(s, "/metric/name"),
                metric_selector: value_at(s, "/metric/selector"),
                target_value: value_at(s, "/target/value"),
                target_average_value: value_at(s, "/target/averageValue"),
            }),
        }
    }

    fn to_v2(&self) -> Value {
        let mut out = json!({"type": self.kind});
        if let Some(s) = &self.object {
            let (kind, value) = match &s.average_value {
                None => ("Value", Some(s.target_value.clone())),
                // kube keeps a v1 `targetValue` beside an average value only when it is not zero.
                Some(_) => (
                    "AverageValue",
                    Some(s.target_value.clone()).filter(|v| !is_zero(v)),
                ),
            };
            out["object"] = json!({
                "describedObject": s.target.to_v2(),
                "target": target_v2(kind, value, s.average_value.clone(), None),
                "metric": metric_identifier(&s.metric_name, s.selector.clone()),
            });
        }
        if let Some(s) = &self.pods {
            out["pods"] = json!({
                "metric": metric_identifier(&s.metric_name, s.selector.clone()),
                "target": target_v2("AverageValue", None, Some(s.target_average_value.clone()), None),
            });
        }
        if let Some(s) = &self.resource {
            out["resource"] = json!({"name": s.name, "target": utilization_or_average(
                s.target_average_utilization.clone(), s.target_average_value.clone())});
        }
        if let Some(s) = &self.container_resource {
            out["containerResource"] = json!({"name": s.name, "container": s.container,
                "target": utilization_or_average(
                    s.target_average_utilization.clone(), s.target_average_value.clone())});
        }
        if let Some(s) = &self.external {
            let kind = if s.target_value.is_some() {
                "Value"
            } else {
                "AverageValue"
            };
            out["external"] = json!({
                "metric": metric_identifier(&s.metric_name, s.metric_selector.clone()),
                "target": target_v2(kind, s.target_value.clone(), s.target_average_value.clone(), None),
            });
        }
        out
    }
}

/// A v1 resource target: utilization when given, else average value.
fn utilization_or_average(utilization: Option<Value>, average: Option<Value>) -> Value {
    let kind = if utilization.is_some() {
        "Utilization"
    } else {
        "AverageValue"
    };
    target_v2(kind, None, average, utilization)
}

/// Whether a quantity is zero (`"0"`, `"0m"`, `"0.0"`, …).
fn is_zero(quantity: &Value) -> bool {
    quantity.as_str().is_some_and(|q| {
        let digits = q.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        !digits.is_empty() && digits.chars().all(|c| c == '0' || c == '.')
    })
}

/// `autoscalingv1.MetricStatus`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetricStatusV1 {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default, skip_serializing_if = "is_none")]
    object: Option<ObjectStatusV1>,
    #[serde(default, skip_serializing_if = "is_none")]
    pods: Option<PodsStatusV1>,
    #[serde(default, skip_serializing_if = "is_none")]
    resource: Option<ResourceStatusV1>,
    #[serde(default, skip_serializing_if = "is_none")]
    container_resource: Option<ContainerResourceStatusV1>,
    #[serde(default, skip_serializing_if = "is_none")]
    external: Option<ExternalStatusV1>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ObjectStatusV1 {
    target: ReferenceV1,
    #[serde(default)]
    metric_name: String,
    #[serde(default = "zero")]
    current_value: Value,
    #[serde(default, skip_serializing_if = "is_none")]
    selector: Option<Value>,
    #[serde(default, skip_serializing_if = "is_none")]
    average_value: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PodsStatusV1 {
    #[serde(default)]
    metric_name: String,
    #[serde(default = "zero")]
    current_average_value: Value,
    #[serde(default, skip_serializing_if = "is_none")]
    selector: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceStatusV1 {
    #[serde(default)]
    name: String,
    #[serde(default, skip_serializing_if = "is_none")]
    current_average_utilization: Option<Value>,
    #[serde(default = "zero")]
    current_average_value: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContainerResourceStatusV1 {
    #[serde(default)]
    name: String,
    #[serde(default, skip_serializing_if = "is_none")]
    current_average_utilization: Option<Value>,
    #[serde(default = "zero")]
    current_average_value: Value,
    #[serde(default)]
    container: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExternalStatusV1 {
    #[serde(default)]
    metric_name: String,
    #[serde(default, skip_serializing_if = "is_none")]
    metric_selector: Option<Value>,
    #[serde(default = "zero")]
    current_value: Value,
    #[serde(default, skip_serializing_if = "is_none")]
    current_average_value: Option<Value>,
}

fn current_v2(value: Option<Value>, average: Option<Value>, util: Option<Value>) -> Value {
    object_of(&[
        ("value", value),
        ("averageValue", average),
        ("averageUtilization", util),
    ])
}

impl MetricStatusV1 {
    fn from_v2(metric: &Value) -> Self {
        let source = |name: &str| metric.get(name).filter(|s| s.is_object());
        Self {
            kind: string_at(metric, "/type"),
            object: source("object").map(|s| ObjectStatusV1 {
                target: ReferenceV1::from_v2(s.get("describedObject").unwrap_or(&Value::Null)),
                metric_name: string_at(s, "/metric/name"),
                current_value: quantity_or_zero(s, "/current/value"),
                selector: value_at(s, "/metric/selector"),
                average_value: value_at(s, "/current/averageValue"),
            }),
            pods: source("pods").map(|s| PodsStatusV1 {
                metric_name: string_at(s, "/metric/name"),
                current_average_value: quantity_or_zero(s, "/current/averageValue"),
                selector: value_at(s, "/metric/selector"),
            }),
            resource: source("resource").map(|s| ResourceStatusV1 {
                name: string_at(s, "/name"),
                current_average_utilization: value_at(s, "/current/averageUtilization"),
                current_average_value: quantity_or_zero(s, "/current/averageValue"),
            }),
            container_resource: source("containerResource").map(|s| ContainerResourceStatusV1 {
                name: string_at(s, "/name"),
                current_average_utilization: value_at(s, "/current/averageUtilization"),
                current_average_value: quantity_or_zero(s, "/current/averageValue"),
                container: string_at(s, "/container"),
            }),
            external: source("external").map(|s| ExternalStatusV1 {
                metric_name: string_at(s, "/metric/name"),
                metric_selector: value_at(s, "/metric/selector"),
                current_value: quantity_or_zero(s, "/current/value"),
                current_average_value: value_at(s, "/current/averageValue"),
            }),
        }
    }

    fn to_v2(&self) -> Value {
        let mut out = json!({"type": self.kind});
        if let Some(s) = &self.object {
            out["object"] = json!({
                "metric": metric_identifier(&s.metric_name, s.selector.clone()),
                "current": current_v2(Some(s.current_value.clone()), s.average_value.clone(), None),
                "describedObject": s.target.to_v2(),
            });
        }
        if let Some(s) = &self.pods {
            out["pods"] = json!({
                "metric": metric_identifier(&s.metric_name, s.selector.clone()),
                "current": current_v2(None, Some(s.current_average_value.clone()), None),
            });
        }
        if let Some(s) = &self.resource {
            out["resource"] = json!({"name": s.name, "current": current_v2(None,
                Some(s.current_average_value.clone()), s.current_average_utilization.clone())});
        }
        if let Some(s) = &self.container_resource {
            out["containerResource"] = json!({"name": s.name, "container": s.container,
                "current": current_v2(None, Some(s.current_average_value.clone()),
                    s.current_average_utilization.clone())});
        }
        if let Some(s) = &self.external {
            out["external"] = json!({
                "metric": metric_identifier(&s.metric_name, s.metric_selector.clone()),
                "current": current_v2(Some(s.current_value.clone()), s.current_average_value.clone(), None),
            });
        }
        out
    }
}

/// `autoscalingv1.HorizontalPodAutoscalerCondition`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConditionV1 {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    status: String,
    /// A `metav1.Time`: `null` when unset (Go's `omitempty` does not apply to a struct).
    #[serde(default)]
    last_transition_time: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    reason: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    message: String,
}

impl ConditionV1 {
    fn from_v2(condition: &Value) -> Self {
        Self {
            kind: string_at(condition, "/type"),
            status: string_at(condition, "/status"),
            last_transition_time: condition
                .get("lastTransitionTime")
                .and_then(Value::as_str)
                .map(str::to_string),
            reason: string_at(condition, "/reason"),
            message: string_at(condition, "/message"),
        }
    }

    fn to_v2(&self) -> Value {
        object_of(&[
            ("type", Some(json!(self.kind))),
            ("status", Some(json!(self.status))),
            (
                "lastTransitionTime",
                self.last_transition_time.clone().map(Value::String),
            ),
            (
                "reason",
                Some(json!(self.reason)).filter(|_| !self.reason.is_empty()),
            ),
            (
                "message",
                Some(json!(self.message)).filter(|_| !self.message.is_empty()),
            ),
        ])
    }
}

/// kube's internal `HorizontalPodAutoscalerBehavior`, which has no JSON tags: Go writes its
/// field names, and writes `null` for unset pointers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BehaviorInternal {
    #[serde(default)]
    scale_up: Option<RulesInternal>,
    #[serde(default)]
    scale_down: Option<RulesInternal>,
}

/// kube's internal `HPAScalingRules`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RulesInternal {
    #[serde(default)]
    stabilization_window_seconds: Option<i64>,
    #[serde(default)]
    select_policy: Option<String>,
    #[serde(default)]
    policies: Option<Vec<PolicyInternal>>,
    #[serde(default)]
    tolerance: Option<Value>,
}

/// kube's internal `HPAScalingPolicy`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyInternal {
    #[serde(rename = "Type", default)]
    kind: String,
    #[serde(default)]
    value: i64,
    #[serde(default)]
    period_seconds: i64,
}

impl BehaviorInternal {
    fn from_v2(behavior: &Value) -> Self {
        let rules = |name: &str| {
            behavior
                .get(name)
                .filter(|r| r.is_object())
                .map(|r| RulesInternal {
                    stabilization_window_seconds: r
                        .get("stabilizationWindowSeconds")
                        .and_then(Value::as_i64),
                    select_policy: r
                        .get("selectPolicy")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    policies: r.get("policies").and_then(Value::as_array).map(|list| {
                        list.iter()
                            .map(|p| PolicyInternal {
                                kind: string_at(p, "/type"),
                                value: p.get("value").and_then(Value::as_i64).unwrap_or(0),
                                period_seconds: p
                                    .get("periodSeconds")
                                    .and_then(Value::as_i64)
                                    .unwrap_or(0),
                            })
                            .collect()
                    }),
                    tolerance: value_at(r, "/tolerance"),
                })
        };
        Self {
            scale_up: rules("scaleUp"),
            scale_down: rules("scaleDown"),
        }
    }

    fn to_v2(&self) -> Value {
        let rules = |rules: &RulesInternal| {
            object_of(&[
                (
                    "stabilizationWindowSeconds",
                    rules.stabilization_window_seconds.map(|s| json!(s)),
                ),
                (
                    "selectPolicy",
                    rules.select_policy.clone().map(Value::String),
                ),
                (
                    "policies",
                    rules.policies.as_ref().map(|list| {
                        list.iter()
                            .map(|p| {
                                json!({"type": p.kind, "value": p.value,
                                    "periodSeconds": p.period_seconds})
                            })
                            .collect()
                    }),
                ),
                ("tolerance", rules.tolerance.clone()),
            ])
        };
        object_of(&[
            ("scaleUp", self.scale_up.as_ref().map(rules)),
            ("scaleDown", self.scale_down.as_ref().map(rules)),
        ])
    }
}

#[cfg(test)]
mod tests;
