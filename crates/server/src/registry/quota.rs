//! ResourceQuota's arithmetic, as kube's `pkg/quota/v1` and its core evaluators do it: what an
//! object uses of the resources a quota may limit, sums of quantities printed in Kubernetes'
//! canonical form, the quota admission's verdict on a new object, and which objects a quota
//! with scopes tracks ([`scopes`]). Pure: the store is read
//! and written by `quota_admission` and the `resource_quotas` controller.

pub mod scopes;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::registry::kinds::core::pods::qos::millis;

/// An amount of a resource: thousandths of its unit, and whether it prints in binary units
/// (`Mi`) — the format of the first non-zero quantity added, as `resource.Quantity.Add` keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Amount {
    /// Thousandths of the unit.
    pub millis: i128,
    /// Printed with binary suffixes.
    pub binary: bool,
}

impl Amount {
    /// A count of objects.
    pub fn count(n: i128) -> Self {
        Self {
            millis: n * 1000,
            binary: false,
        }
    }

    /// A quantity as written (`500m`, `1Gi`), `None` when it does not parse.
    pub fn parse(quantity: &str) -> Option<Self> {
        Some(Self {
            millis: millis(quantity)?,
            binary: quantity.trim_end().ends_with('i'),
        })
    }

    /// The sum, in the format of the first non-zero term.
    pub fn add(self, other: Self) -> Self {
        Self {
            millis: self.millis + other.millis,
            binary: if self.millis == 0 {
                other.binary
            } else {
                self.binary
            },
        }
    }

    /// Kubernetes' canonical text (`Quantity.String()`): `1536Mi`, `1500m`, `2`, `1k`.
    pub fn canonical(self) -> String {
        let millis = self.millis;
        if millis == 0 {
            return "0".into();
        }
        let whole = millis % 1000 == 0;
        if self.binary && whole && (millis / 1000).abs() >= 1024 {
            let mut amount = millis / 1000;
            let mut unit = 0;
            while amount % 1024 == 0 && unit < 6 {
                amount /= 1024;
                unit += 1;
            }
            return format!("{amount}{}", ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][unit]);
        }
        let (mut mantissa, mut exponent) = (millis, 0usize);
        while mantissa % 1000 == 0 && exponent < 7 {
            mantissa /= 1000;
            exponent += 1;
        }
        format!(
            "{mantissa}{}",
            ["m", "", "k", "M", "G", "T", "P", "E"][exponent]
        )
    }
}

/// Resource name → amount.
pub type Usage = BTreeMap<String, Amount>;

/// The resources whose quota makes every container of a pod state them (kube's
/// `validationSet`: a quota on cpu or memory requires an explicit request or limit).
const CONTAINER_CONSTRAINED: [&str; 6] = [
    "cpu",
    "memory",
    "requests.cpu",
    "requests.memory",
    "limits.cpu",
    "limits.memory",
];

/// The legacy names kube's core evaluators count besides `count/<resource>`.
const LEGACY_COUNTED: [&str; 7] = [
    "pods",
    "services",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
];

/// The `count/…` name of a kind: `count/pods`, `count/deployments.apps`.
pub fn count_name(group: &str, resource: &str) -> String {
    if group.is_empty() {
        format!("count/{resource}")
    } else {
        format!("count/{resource}.{group}")
    }
}

/// The kind (`group`, `resource`) whose objects a quota's resource name counts.
pub fn counted_kind(name: &str) -> Option<(&str, &str)> {
    if let Some(counted) = name.strip_prefix("count/") {
        return Some(match counted.split_once('.') {
            Some((resource, group)) => (group, resource),
            None => ("", counted),
        });
    }
    if LEGACY_COUNTED.contains(&name) {
        return Some(("", name));
    }
    match name {
        "services.nodeports" | "services.loadbalancers" => Some(("", "services")),
        _ if compute(name) => Some(("", "pods")),
        _ => None,
    }
}

/// Whether `name` is a pod's compute resource (`cpu`, `requests.memory`, `limits.cpu`, …).
fn compute(name: &str) -> bool {
    let bare = name
        .strip_prefix("requests.")
        .or_else(|| name.strip_prefix("limits."))
        .unwrap_or(name);
    matches!(bare, "cpu" | "memory" | "ephemeral-storage")
}

/// What `object` of `group`/`resource` uses. A pod that has finished (`Succeeded`, `Failed`)
/// uses nothing, as kube's pod evaluator counts it.
pub fn usage(group: &str, resource: &str, object: &Value) -> Usage {
    let mut usage = Usage::new();
    if group.is_empty() && resource == "pods" {
        let phase = object.pointer("/status/phase").and_then(Value::as_str);
        if matches!(phase, Some("Succeeded" | "Failed")) {
            return usage;
        }
        usage.extend(pod_compute(object));
    }
    usage.insert(count_name(group, resource), Amount::count(1));
    if group.is_empty() && LEGACY_COUNTED.contains(&resource) {
        usage.insert(resource.to_string(), Amount::count(1));
    }
    if group.is_empty() && resource == "services" {
        let kind = object
            .pointer("/spec/type")
            .and_then(Value::as_str)
            .unwrap_or("ClusterIP");
        if kind == "LoadBalancer" {
            usage.insert("services.loadbalancers".into(), Amount::count(1));
        }
        let node_ports = object
            .pointer("/spec/ports")
            .and_then(Value::as_array)
            .map_or(0, |ports| {
                ports.iter().filter(|p| p.get("nodePort").is_some()).count()
            });
        if matches!(kind, "NodePort" | "LoadBalancer") && node_ports > 0 {
            usage.insert(
                "services.nodeports".into(),
                Amount::count(node_ports as i128),
            );
        }
    }
    usage
}

/// A container's requests (a limit without a request counts as the request, as the defaults
/// make it) and limits, by kube's names.
fn container_compute(container: &Value) -> Usage {
    let of = |field: &str, name: &str| {
        container
            .pointer(&format!("/resources/{field}/{name}"))
            .and_then(Value::as_str)
            .and_then(Amount::parse)
    };
    let mut usage = Usage::new();
    for name in ["cpu", "memory", "ephemeral-storage"] {
        if let Some(request) = of("requests", name).or_else(|| of("limits", name)) {
            usage.insert(name.to_string(), request);
            usage.insert(format!("requests.{name}"), request);
        }
        if let Some(limit) = of("limits", name) {
            usage.insert(format!("limits.{name}"), limit);
        }
    }
    usage
}

/// A pod's compute usage: the sum over its containers, or the largest init container's where
/// that is more (kube's `PodRequests` and `PodLimits`).
fn pod_compute(pod: &Value) -> Usage {
    let containers = |field: &str| {
        pod.pointer(&format!("/spec/{field}"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let mut total = Usage::new();
    for container in containers("containers") {
        for (name, amount) in container_compute(&container) {
            let sum = total.get(&name).copied().unwrap_or_default().add(amount);
            total.insert(name, sum);
        }
    }
    for container in containers("initContainers") {
        for (name, amount) in container_compute(&container) {
            let current = total.entry(name).or_default();
            if amount.millis > current.millis {
                *current = amount;
            }
        }
    }
    total
}

/// kube's pod evaluator `Constraints`: with a quota on any of `hard`'s compute resources,
/// every container states each of them; the message of what is missing, by resource.
pub fn missing_in_containers(pod: &Value, hard: &BTreeSet<String>) -> Option<String> {
    let required: BTreeSet<&str> = CONTAINER_CONSTRAINED
        .into_iter()
        .filter(|name| hard.contains(*name))
        .collect();
    if required.is_empty() {
        return None;
    }
    let mut missing: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for field in ["containers", "initContainers"] {
        for container in pod
            .pointer(&format!("/spec/{field}"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let stated = container_compute(container);
            let name = container.get("name").and_then(Value::as_str).unwrap_or("");
            for resource in &required {
                if !stated.contains_key(*resource) {
                    missing
                        .entry(resource)
                        .or_default()
                        .insert(name.to_string());
                }
            }
        }
    }
    if missing.is_empty() {
        return None;
    }
    let parts: Vec<String> = missing
        .iter()
        .map(|(resource, names)| {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            format!("{resource} for: {}", names.join(","))
        })
        .collect();
    Some(format!("must specify {}", parts.join("; ")))
}

/// A quota's `status.hard`/`status.used`-shaped map read as amounts.
pub fn amounts(map: Option<&Map<String, Value>>) -> Usage {
    map.into_iter()
        .flatten()
        .filter_map(|(name, value)| Some((name.clone(), Amount::parse(value.as_str()?)?)))
        .collect()
}

/// Amounts written back as a quota's map of quantities.
pub fn to_map(usage: &Usage) -> Map<String, Value> {
    usage
        .iter()
        .map(|(name, amount)| (name.clone(), Value::String(amount.canonical())))
        .collect()
}

/// What the quota admission decides for one quota and one new object.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    /// The quota limits nothing the object uses.
    Untouched,
    /// It fits: the quota's usage with the object's added.
    Fits(Usage),
    /// kube's `exceeded quota: …` message.
    Exceeded(String),
}

/// kube's quota admission for one quota: the object's usage of what the quota limits, added to
/// what is used, must stay within `hard` for each of those resources.
pub fn evaluate(quota: &str, hard: &Usage, used: &Usage, requested: &Usage) -> Verdict {
    let delta: Usage = requested
        .iter()
        .filter(|(name, _)| hard.contains_key(*name))
        .map(|(name, amount)| (name.clone(), *amount))
        .collect();
    if delta.is_empty() {
        return Verdict::Untouched;
    }
    let mut next = used.clone();
    let mut exceeded = Vec::new();
    for (name, amount) in &delta {
        let sum = next.get(name).copied().unwrap_or_default().add(*amount);
        if sum.millis > hard[name].millis {
            exceeded.push(name.as_str());
        }
        next.insert(name.clone(), sum);
    }
    if exceeded.is_empty() {
        return Verdict::Fits(next);
    }
    let print = |usage: &Usage| {
        exceeded
            .iter()
            .map(|name| {
                let amount = usage.get(*name).copied().unwrap_or_default();
                format!("{name}={}", amount.canonical())
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    Verdict::Exceeded(format!(
        "exceeded quota: {quota}, requested: {}, used: {}, limited: {}",
        print(&delta),
        print(used),
        print(hard)
    ))
}

#[cfg(test)]
mod tests;
