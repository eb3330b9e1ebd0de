//! Non-resource paths: discovery (aggregated `apidiscovery.k8s.io/v2` and `v2beta1`, and the
//! legacy documents) and `/version`; the health checks and the metrics are handed on.
//!
//! The aggregated documents are those of a real kube-apiserver (`kubeward_core::discovery`),
//! narrowed to what this server serves, so every field kubectl reads is exactly Kubernetes'.

use std::sync::LazyLock;

use http::Response;
use serde_json::{Value, json};

use super::context::Context;
use super::openapi;
use crate::codec::respond::{self, Body};
use crate::registry::{custom, kinds};

/// The version this server reports at `/version` (the Kubernetes API it implements).
pub const VERSION_JSON: &str = r#"{"major":"1","minor":"33","emulationMajor":"1","emulationMinor":"33","minCompatibilityMajor":"1","minCompatibilityMinor":"32","gitVersion":"v1.33.0-kubeward","gitCommit":"","gitTreeState":"clean","buildDate":"","goVersion":"","compiler":"rustc","platform":"linux/amd64"}"#;

static AGGREGATED_API: LazyLock<Value> =
    LazyLock::new(|| narrow(kubeward_core::discovery::AGGREGATED_API_JSON, true));
static AGGREGATED_APIS: LazyLock<Value> =
    LazyLock::new(|| narrow(kubeward_core::discovery::AGGREGATED_APIS_JSON, false));

/// Answers a non-resource request.
pub fn non_resource(context: &Context<'_>) -> Response<Body> {
    let path = context.info.path.trim_end_matches('/');
    let pretty = context.pretty;
    let method_is_get = context.parts.method == http::Method::GET;
    if !method_is_get {
        return respond::page_not_found();
    }
    match path {
        "/version" => match serde_json::from_str::<Value>(VERSION_JSON) {
            Ok(version) => respond::ok(&version, true),
            Err(_) => respond::page_not_found(),
        },
        "/metrics" => super::metrics::serve(context),
        _ if super::health::is_health(path) => super::health::serve(context),
        "/api" => discovery_document(context, &AGGREGATED_API, || api_versions(context)),
        "/apis" => discovery_document(context, &aggregated_apis(), legacy_group_list),
        "/api/v1" => respond::ok(&resource_list("", "v1"), pretty),
        "/openapi/v3" => openapi::index(context),
        "/openapi/v2" => openapi::v2(context),
        _ => {
            if let Some(group_version) = path.strip_prefix("/openapi/v3/") {
                return openapi::group_version(context, group_version)
                    .unwrap_or_else(respond::page_not_found);
            }
            let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
            match parts.as_slice() {
                ["apis", group] => match legacy_group(group) {
                    Some(document) => respond::ok(&document, pretty),
                    None => respond::page_not_found(),
                },
                ["apis", group, version] if has_version(group, version) => {
                    respond::ok(&resource_list(group, version), pretty)
                }
                _ => respond::page_not_found(),
            }
        }
    }
}

/// The aggregated document when the client accepts it (v2, or v2beta1 for older kubectl),
/// else the legacy one.
fn discovery_document(
    context: &Context<'_>,
    aggregated: &Value,
    legacy: impl FnOnce() -> Value,
) -> Response<Body> {
    let accept = context.accept();
    for version in ["v2", "v2beta1"] {
        let wanted = format!("g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList");
        if accept
            .split(',')
            .any(|media| media.trim().contains(&wanted))
        {
            let mut document = aggregated.clone();
            document["apiVersion"] = json!(format!("apidiscovery.k8s.io/{version}"));
            let mut response = respond::ok(&document, context.pretty);
            let content_type = format!("application/json;{wanted}");
            if let Ok(value) = http::HeaderValue::from_str(&content_type) {
                response
                    .headers_mut()
                    .insert(http::header::CONTENT_TYPE, value);
            }
            response
                .headers_mut()
                .insert(http::header::VARY, http::HeaderValue::from_static("Accept"));
            return response;
        }
    }
    respond::ok(&legacy(), context.pretty)
}

/// Keeps only the served resources (and their served subresources) of a real server's
/// aggregated document; drops versions and groups left empty.
fn narrow(document: &str, core: bool) -> Value {
    let mut document: Value = serde_json::from_str(document).unwrap_or_else(|_| json!({}));
    let Some(items) = document.get_mut("items").and_then(Value::as_array_mut) else {
        return document;
    };
    for item in items.iter_mut() {
        let group = if core {
            String::new()
        } else {
            item.pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let Some(versions) = item.get_mut("versions").and_then(Value::as_array_mut) else {
            continue;
        };
        for version in versions.iter_mut() {
            let version_name = version
                .get("version")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let Some(resources) = version.get_mut("resources").and_then(Value::as_array_mut) else {
                continue;
            };
            resources.retain_mut(|resource| {
                let name = resource
                    .get("resource")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let Some(kind) = kinds::find(&group, &version_name, name) else {
                    return false;
                };
                if let Some(subresources) = resource
                    .get_mut("subresources")
                    .and_then(Value::as_array_mut)
                {
                    subresources.retain(|s| {
                        s.get("subresource")
                            .and_then(Value::as_str)
                            .is_some_and(|s| kind.subresources.contains(&s))
                    });
                }
                true
            });
        }
        versions.retain(|v| {
            v.get("resources")
                .and_then(Value::as_array)
                .is_some_and(|r| !r.is_empty())
        });
    }
    items.retain(|item| {
        item.get("versions")
            .and_then(Value::as_array)
            .is_some_and(|v| !v.is_empty())
    });
    document
}

/// The aggregated `/apis` document: the built-in groups, then those of the established
/// CustomResourceDefinitions.
fn aggregated_apis() -> Value {
    let mut document = AGGREGATED_APIS.clone();
    if let Some(items) = document.get_mut("items").and_then(Value::as_array_mut) {
        items.extend(custom::discovery_groups());
    }
    document
}

/// The aggregated entries of `group` (core when empty).
fn group_entry(group: &str) -> Option<Value> {
    if group.is_empty() {
        return AGGREGATED_API.get("items")?.as_array()?.first().cloned();
    }
    AGGREGATED_APIS
        .get("items")?
        .as_array()?
        .iter()
        .find(|item| item.pointer("/metadata/name").and_then(Value::as_str) == Some(group))
        .cloned()
        .or_else(|| {
            custom::discovery_groups()
                .into_iter()
                .find(|item| item.pointer("/metadata/name").and_then(Value::as_str) == Some(group))
        })
}

fn versions_of(group: &str) -> Vec<String> {
    group_entry(group)
        .and_then(|entry| entry.get("versions")?.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.get("version")?.as_str().map(str::to_string))
        .collect()
}

fn has_version(group: &str, version: &str) -> bool {
    versions_of(group).iter().any(|v| v == version)
}

fn api_versions(context: &Context<'_>) -> Value {
    let host = context
        .parts
        .headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| context.parts.uri.authority().map(|a| a.as_str()))
        .unwrap_or("")
        .to_string();
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}],
    })
}

fn legacy_group(group: &str) -> Option<Value> {
    let versions = versions_of(group);
    let preferred = versions.first()?;
    Some(json!({
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": group,
        "versions": versions
            .iter()
            .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
            .collect::<Vec<_>>(),
        "preferredVersion": {"groupVersion": format!("{group}/{preferred}"), "version": preferred},
    }))
}

fn legacy_group_list() -> Value {
    let document = aggregated_apis();
    let groups: Vec<Value> = document
        .get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| item.pointer("/metadata/name").and_then(Value::as_str))
        .filter_map(legacy_group)
        .map(|mut group| {
            if let Some(map) = group.as_object_mut() {
                map.remove("kind");
                map.remove("apiVersion");
            }
            group
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// The legacy `APIResourceList` of one group version.
fn resource_list(group: &str, version: &str) -> Value {
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let entry = group_entry(group);
    let resources: Vec<Value> = entry
        .as_ref()
        .and_then(|entry| entry.get("versions")?.as_array())
        .into_iter()
        .flatten()
        .filter(|v| v.get("version").and_then(Value::as_str) == Some(version))
        .filter_map(|v| v.get("resources")?.as_array())
        .flatten()
        .flat_map(legacy_resources)
        .collect();
    json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    })
}

fn legacy_resources(resource: &Value) -> Vec<Value> {
    let name = resource
        .get("resource")
        .and_then(Value::as_str)
        .unwrap_or("");
    let namespaced = resource.get("scope").and_then(Value::as_str) == Some("Namespaced");
    let kind = resource
        .pointer("/responseKind/kind")
        .cloned()
        .unwrap_or(Value::Null);
    let mut main = json!({
        "name": name,
        "singularName": resource.get("singularResource").cloned().unwrap_or(json!("")),
        "namespaced": namespaced,
        "kind": kind,
        "verbs": resource.get("verbs").cloned().unwrap_or(json!([])),
    });
    for field in ["shortNames", "categories"] {
        if let Some(value) = resource.get(field) {
            main[field] = value.clone();
        }
    }
    let mut out = vec![main];
    for sub in resource
        .get("subresources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let subresource = sub.get("subresource").and_then(Value::as_str).unwrap_or("");
        let mut entry = serde_json::Map::new();
        entry.insert("name".into(), json!(format!("{name}/{subresource}")));
        entry.insert("singularName".into(), json!(""));
        entry.insert("namespaced".into(), json!(namespaced));
        // A subresource answered in another group's kind (`autoscaling/v1` Scale) names it.
        let group = sub.pointer("/responseKind/group");
        if let (Some(group), Some(version)) = (group, sub.pointer("/responseKind/version"))
            && group
                != resource
                    .pointer("/responseKind/group")
                    .unwrap_or(&Value::Null)
        {
            entry.insert("group".into(), group.clone());
            entry.insert("version".into(), version.clone());
        }
        let kind = sub.pointer("/responseKind/kind").cloned();
        entry.insert("kind".into(), kind.unwrap_or(Value::Null));
        let verbs = sub.get("verbs").cloned();
        entry.insert("verbs".into(), verbs.unwrap_or(json!([])));
        out.push(Value::Object(entry));
    }
    out
}

#[cfg(test)]
mod tests;
