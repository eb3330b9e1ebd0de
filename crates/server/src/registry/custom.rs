//! Custom resources: the kinds the stored CustomResourceDefinitions define, served next to the
//! built-in ones (`kinds`). A definition that is established becomes one [`Kind`] per served
//! version — routing, RBAC, discovery, OpenAPI and the controllers find it here — with a
//! strategy (`strategy`) that defaults, prunes and validates objects by the version's
//! structural schema (`schema`) and prints the version's `additionalPrinterColumns`.
//!
//! The kinds are process-wide (one process serves one store), kept in step with the stored
//! definitions by the `crds` controller of every replica, which the write of a definition waits
//! for: discovery changes when the write answers. A kind is built once per change of its
//! definition's spec and lives as long as the process (kinds are `&'static`, as built-in ones
//! are); a definition changed many times costs a few hundred bytes per change.

use std::collections::BTreeMap;
use std::sync::{LazyLock, RwLock};

use kubeward_core::validation::NameRule;
use serde_json::{Value, json};

use super::kinds::{self, Kind, Serving};
use super::objects;
use strategy::{CustomStrategy, PrinterColumn};

pub mod cel_decl;
pub mod cel_functions;
pub mod cel_source;
pub mod cel_types;
pub mod conversion;
pub mod converter;
pub mod cost;
pub mod estimate;
pub mod expr_check;
pub mod field_versions;
pub mod ratchet;
pub mod rule_checks;
pub mod rules;
pub mod schema;
pub mod strategy;

/// The served custom kinds, by definition name.
static SERVED: LazyLock<RwLock<BTreeMap<String, Definition>>> =
    LazyLock::new(|| RwLock::new(BTreeMap::new()));

/// What one established definition serves.
struct Definition {
    /// The spec it was built from.
    spec: Value,
    /// One kind per served version, in the definition's order.
    kinds: Vec<&'static Kind>,
    /// The conversion webhook (`None`: `strategy: None`).
    webhook: Option<conversion::Webhook>,
    /// The storage version's `apiVersion`.
    storage: String,
}

fn read() -> std::sync::RwLockReadGuard<'static, BTreeMap<String, Definition>> {
    SERVED.read().unwrap_or_else(|e| e.into_inner())
}

fn write() -> std::sync::RwLockWriteGuard<'static, BTreeMap<String, Definition>> {
    SERVED.write().unwrap_or_else(|e| e.into_inner())
}

/// Whether the definition's `Established` condition is true.
pub fn established(crd: &Value) -> bool {
    crd.pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Established" && c["status"] == "True")
}

/// Serves what a stored definition defines (or stops serving it when no longer established).
pub fn observe(crd: &Value) {
    let name = objects::name(crd).to_string();
    if !established(crd) {
        write().remove(&name);
        return;
    }
    let spec = crd.get("spec").cloned().unwrap_or(Value::Null);
    if read().get(&name).is_some_and(|d| d.spec == spec) {
        return;
    }
    let kinds = build(&spec);
    let webhook = conversion::Webhook::of(&spec);
    let storage = storage_api_version(&spec);
    write().insert(
        name,
        Definition {
            spec,
            kinds,
            webhook,
            storage,
        },
    );
}

/// Stops serving a deleted definition's kinds.
pub fn forget(name: &str) {
    write().remove(name);
}

/// Forgets every definition (before the store is listed again).
pub fn clear() {
    write().clear();
}

/// The custom kind at `group/version/resource`.
pub fn find(group: &str, version: &str, resource: &str) -> Option<&'static Kind> {
    read()
        .values()
        .flat_map(|d| d.kinds.iter().copied())
        .find(|k| k.group == group && k.version == version && k.resource == resource)
}

/// Whether some custom kind is served in `group/version`.
pub fn serves_group_version(group: &str, version: &str) -> bool {
    read()
        .values()
        .flat_map(|d| d.kinds.iter())
        .any(|k| k.group == group && k.version == version)
}

/// Every served custom kind.
pub fn all() -> Vec<&'static Kind> {
    read()
        .values()
        .flat_map(|d| d.kinds.iter().copied())
        .collect()
}

/// Every served kind, built-in then custom.
pub fn every_kind() -> impl Iterator<Item = &'static Kind> {
    kinds::all().chain(all())
}

/// The built-in or custom kind at `group/version/resource`.
pub fn find_any(group: &str, version: &str, resource: &str) -> Option<&'static Kind> {
    kinds::find(group, version, resource).or_else(|| find(group, version, resource))
}

/// One kind per custom resource (the first served version of each definition): what the
/// store holds, whatever the version.
pub fn one_per_resource() -> Vec<&'static Kind> {
    read()
        .values()
        .filter_map(|d| d.kinds.first().copied())
        .collect()
}

/// The `apiVersion` of a definition's storage version.
fn storage_api_version(spec: &Value) -> String {
    let group = spec.get("group").and_then(Value::as_str).unwrap_or("");
    let version = spec
        .get("versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
        .and_then(|v| v.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    format!("{group}/{version}")
}

/// The conversion webhook of a custom kind whose definition converts by webhook, with the
/// `apiVersion` its objects are stored in.
pub fn webhook_of(kind: &Kind) -> Option<(conversion::Webhook, String)> {
    let name = format!("{}.{}", kind.resource, kind.group);
    let served = read();
    let definition = served.get(&name).filter(|d| {
        // The kind itself, or the same version of a definition rebuilt since the request
        // found its kind (never a built-in kind of the same name).
        d.kinds.iter().any(|k| {
            std::ptr::eq(*k, kind)
                || (k.version == kind.version
                    && kinds::find(kind.group, kind.version, kind.resource).is_none())
        })
    })?;
    let webhook = definition.webhook.clone()?;
    Some((webhook, definition.storage.clone()))
}

/// The `openAPIV3Schema` of a custom kind, if it is one.
pub fn schema_of(kind: &Kind) -> Option<Value> {
    let name = format!("{}.{}", kind.resource, kind.group);
    let served = read();
    let definition = served.get(&name)?;
    definition
        .spec
        .get("versions")?
        .as_array()?
        .iter()
        .find(|v| v.get("name").and_then(Value::as_str) == Some(kind.version))?
        .pointer("/schema/openAPIV3Schema")
        .cloned()
}

/// Where a custom kind's `scale` subresource reads and writes, from the version's
/// `subresources.scale` (`specReplicasPath`, `statusReplicasPath`, `labelSelectorPath`), each a
/// dotted path such as `.spec.replicas` split into its fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalePaths {
    /// The desired replicas, under `.spec`.
    pub spec_replicas: Vec<String>,
    /// The observed replicas, under `.status`.
    pub status_replicas: Vec<String>,
    /// The label selector (a serialized selector string), when the definition names one.
    pub label_selector: Option<Vec<String>>,
}

impl ScalePaths {
    /// The paths of a `subresources.scale` object.
    pub fn of(scale: &Value) -> Self {
        let path = |field: &str| -> Option<Vec<String>> {
            let text = scale.get(field)?.as_str()?;
            Some(
                text.trim_start_matches('.')
                    .split('.')
                    .filter(|part| !part.is_empty())
                    .map(str::to_string)
                    .collect(),
            )
        };
        Self {
            spec_replicas: path("specReplicasPath").unwrap_or_default(),
            status_replicas: path("statusReplicasPath").unwrap_or_default(),
            label_selector: path("labelSelectorPath"),
        }
    }
}

/// The scale paths of a custom kind with a `scale` subresource.
pub fn scale_paths(kind: &Kind) -> Option<ScalePaths> {
    let name = format!("{}.{}", kind.resource, kind.group);
    let served = read();
    served
        .get(&name)?
        .spec
        .get("versions")?
        .as_array()?
        .iter()
        .find(|v| v.get("name").and_then(Value::as_str) == Some(kind.version))?
        .pointer("/subresources/scale")
        .map(ScalePaths::of)
}

fn leak(text: &str) -> &'static str {
    Box::leak(text.to_string().into_boxed_str())
}

/// The kinds of a definition's served versions.
fn build(spec: &Value) -> Vec<&'static Kind> {
    let text = |pointer: &str| spec.pointer(pointer).and_then(Value::as_str).unwrap_or("");
    let group = leak(text("/group"));
    let resource = leak(text("/names/plural"));
    let kind_name = leak(text("/names/kind"));
    let namespaced = text("/scope") == "Namespaced";
    spec.get("versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|v| v.get("served").and_then(Value::as_bool) != Some(false))
        .map(|version| {
            let status = version.pointer("/subresources/status").is_some();
            let scale = version.pointer("/subresources/scale").is_some();
            let subresources: &'static [&'static str] = match (status, scale) {
                (true, true) => &["status", "scale"],
                (true, false) => &["status"],
                (false, true) => &["scale"],
                (false, false) => &[],
            };
            let strategy = CustomStrategy::new(
                version.pointer("/schema/openAPIV3Schema").cloned(),
                status,
                PrinterColumn::of_version(version),
            );
            let kind: &'static Kind = Box::leak(Box::new(Kind {
                group,
                version: leak(version.get("name").and_then(Value::as_str).unwrap_or("")),
                resource,
                kind: kind_name,
                namespaced,
                serving: Serving::Stored,
                subresources,
                name_rule: NameRule::Dns1123Subdomain,
                columns: kinds::DEFAULT_COLUMNS,
                cells: kinds::default_cells,
                schema: None,
                field_labels: None,
                strategy: Box::leak(Box::new(strategy)),
            }));
            kind
        })
        .collect()
}

/// The verbs of a custom resource, in the order kube-apiserver lists them.
const VERBS: [&str; 8] = [
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "create",
    "update",
    "watch",
];

/// The aggregated discovery entries (`APIGroupDiscovery`) of the custom groups, by group name;
/// versions in Kubernetes' version order.
pub fn discovery_groups() -> Vec<Value> {
    let served = read();
    let mut groups: BTreeMap<String, BTreeMap<String, Vec<Value>>> = BTreeMap::new();
    for definition in served.values() {
        let spec = &definition.spec;
        for kind in &definition.kinds {
            groups
                .entry(kind.group.to_string())
                .or_default()
                .entry(kind.version.to_string())
                .or_default()
                .push(discovery_resource(spec, kind));
        }
    }
    groups
        .into_iter()
        .map(|(group, versions)| {
            let mut versions: Vec<(String, Vec<Value>)> = versions.into_iter().collect();
            versions.sort_by(|a, b| compare_versions(&a.0, &b.0));
            json!({
                "metadata": {"name": group, "creationTimestamp": null},
                "versions": versions
                    .into_iter()
                    .map(|(version, mut resources)| {
                        resources.sort_by(|a, b| a["resource"].as_str().cmp(&b["resource"].as_str()));
                        json!({"version": version, "resources": resources, "freshness": "Current"})
                    })
                    .collect::<Vec<_>>(),
            })
        })
        .collect()
}

fn discovery_resource(spec: &Value, kind: &Kind) -> Value {
    let response_kind = json!({"group": kind.group, "version": kind.version, "kind": kind.kind});
    let mut resource = json!({
        "resource": kind.resource,
        "responseKind": response_kind,
        "scope": if kind.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": spec.pointer("/names/singular").cloned().unwrap_or(json!("")),
        "verbs": VERBS,
    });
    for (field, pointer) in [
        ("shortNames", "/names/shortNames"),
        ("categories", "/names/categories"),
    ] {
        if let Some(values) = spec
            .pointer(pointer)
            .filter(|v| v.as_array().is_some_and(|a| !a.is_empty()))
        {
            resource[field] = values.clone();
        }
    }
    let subresources: Vec<Value> = kind
        .subresources
        .iter()
        .map(|sub| {
            let response = if *sub == "scale" {
                json!({"group": "autoscaling", "version": "v1", "kind": "Scale"})
            } else {
                response_kind.clone()
            };
            json!({"subresource": sub, "responseKind": response, "verbs": ["get", "patch", "update"]})
        })
        .collect();
    if !subresources.is_empty() {
        resource["subresources"] = json!(subresources);
    }
    resource
}

/// Kubernetes' order of versions (`version.CompareKubeAwareVersionStrings`): GA before beta
/// before alpha, higher first; other names after, alphabetically.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    fn rank(v: &str) -> (u8, i64, i64, String) {
        let parsed = v.strip_prefix('v').and_then(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let major: i64 = digits.parse().ok()?;
            let tail = &rest[digits.len()..];
            if tail.is_empty() {
                return Some((0, -major, 0));
            }
            for (level, prefix) in [(1, "beta"), (2, "alpha")] {
                if let Some(minor) = tail.strip_prefix(prefix) {
                    let minor: i64 = minor.parse().ok()?;
                    return Some((level, -major, -minor));
                }
            }
            None
        });
        match parsed {
            Some((level, major, minor)) => (level, major, minor, String::new()),
            None => (3, 0, 0, v.to_string()),
        }
    }
    rank(a).cmp(&rank(b))
}

#[cfg(test)]
mod tests;
