//! A pod's quality-of-service class, as kube-apiserver's `GetPodQOS` computes it when the pod is
//! created: `BestEffort` without any CPU or memory request or limit, `Guaranteed` when every
//! container limits both and the requests equal the limits, `Burstable` otherwise. Pure.

use std::collections::BTreeMap;

use serde_json::Value;

/// The resources the class looks at.
const COMPUTE: [&str; 2] = ["cpu", "memory"];

/// A quantity in thousandths of its unit (`500m` → 500, `1Gi` → 1073741824000), or `None` when
/// it does not parse.
pub fn millis(quantity: &str) -> Option<i128> {
    let quantity = quantity.trim();
    let split = quantity
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(quantity.len());
    let (number, suffix) = quantity.split_at(split);
    let scale: i128 = match suffix {
        "" => 1_000,
        "m" => 1,
        "k" => 1_000_000,
        "M" => 1_000_000_000,
        "G" => 1_000_000_000_000,
        "T" => 1_000_000_000_000_000,
        "P" => 1_000_000_000_000_000_000,
        "E" => 1_000_000_000_000_000_000_000,
        "Ki" => 1_000 << 10,
        "Mi" => 1_000 << 20,
        "Gi" => 1_000 << 30,
        "Ti" => 1_000 << 40,
        "Pi" => 1_000 << 50,
        "Ei" => 1_000 << 60,
        exponent => {
            let power: u32 = exponent.strip_prefix(['e', 'E'])?.parse().ok()?;
            1_000 * 10i128.checked_pow(power)?
        }
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let whole: i128 = if whole.is_empty() || whole == "+" {
        0
    } else {
        whole.parse().ok()?
    };
    let mut value = whole.checked_mul(scale)?;
    let mut place = scale;
    for digit in fraction.chars() {
        place /= 10;
        value += i128::from(digit.to_digit(10)?) * place;
    }
    Some(value)
}

/// The class of the pod whose `spec` this is.
pub fn class(spec: Option<&Value>) -> &'static str {
    let containers = ["containers", "initContainers"]
        .iter()
        .filter_map(|field| spec?.get(field)?.as_array())
        .flatten();
    let mut requests: BTreeMap<&str, i128> = BTreeMap::new();
    let mut limits: BTreeMap<&str, i128> = BTreeMap::new();
    let mut guaranteed = true;
    for container in containers {
        let amount = |kind: &str, resource: &str| {
            container
                .pointer(&format!("/resources/{kind}/{resource}"))
                .and_then(Value::as_str)
                .and_then(millis)
                .filter(|m| *m != 0)
        };
        let mut limited = 0;
        for resource in COMPUTE {
            let limit = amount("limits", resource);
            // kube defaults a missing request to the limit.
            if let Some(request) = amount("requests", resource).or(limit) {
                *requests.entry(resource).or_default() += request;
            }
            if let Some(limit) = limit {
                *limits.entry(resource).or_default() += limit;
                limited += 1;
            }
        }
        if limited < COMPUTE.len() {
            guaranteed = false;
        }
    }
    if requests.is_empty() && limits.is_empty() {
        return "BestEffort";
    }
    if guaranteed && requests == limits {
        return "Guaranteed";
    }
    "Burstable"
}

#[cfg(test)]
mod tests;
