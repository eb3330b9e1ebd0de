//! The OpenAPI documents of the built-in kinds, as kube-apiserver publishes them: every kind's
//! schema from its k8s-openapi type (definitions named as Kubernetes names them,
//! `io.k8s.api.core.v1.Pod`), with `x-kubernetes-group-version-kind`; OpenAPI v2's
//! `definitions` (a `$ref` with its description beside it) and, per group version, an OpenAPI
//! v3 document whose `components.schemas` hold that group version's kinds and every schema they
//! refer to (`allOf: [{$ref}]` with the description beside it). Custom kinds' schemas are
//! published as kube-apiserver publishes a CustomResourceDefinition's. Pure: no I/O.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::schemars::SchemaGenerator;
use k8s_openapi::schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::registry::kinds::{Kind, Serving};

/// Where OpenAPI v2 keeps its schemas.
const V2_DEFINITIONS: &str = "/definitions";
/// Where OpenAPI v3 keeps its schemas.
const V3_SCHEMAS: &str = "/components/schemas";
/// The name of `ObjectMeta`'s schema.
const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
/// The descriptions kube-apiserver gives the fields every custom object has.
const API_VERSION_DESCRIPTION: &str = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";
const KIND_DESCRIPTION: &str = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";
const METADATA_DESCRIPTION: &str = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/// The path of a group version in the v3 index: `api/v1` or `apis/<group>/<version>`.
pub fn group_version_path(def: &Kind) -> String {
    if def.group.is_empty() {
        format!("api/{}", def.version)
    } else {
        format!("apis/{}/{}", def.group, def.version)
    }
}

/// The `x-kubernetes-group-version-kind` of a kind.
fn gvk(def: &Kind) -> Value {
    json!([{"group": def.group, "kind": def.kind, "version": def.version}])
}

/// Every schema the kinds' types need, under `definitions_path` (`$ref`s point there); the
/// name of each kind's own schema beside it. Kinds without a published type are left out.
fn generate<'k>(
    kinds: &[&'k Kind],
    mut settings: SchemaSettings,
    definitions_path: &'static str,
) -> (Map<String, Value>, Vec<(&'k Kind, String)>) {
    settings.definitions_path = definitions_path.into();
    let mut generator = SchemaGenerator::new(settings);
    let mut named = Vec::new();
    for def in kinds {
        let Some(schema) = def.schema else { continue };
        let reference = (schema.openapi)(&mut generator);
        let name = reference
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.rsplit('/').next())
            .map(str::to_string);
        if let Some(name) = name {
            named.push((*def, name));
        }
    }
    let mut definitions = generator.take_definitions(true);
    for (def, name) in &named {
        if let Some(schema) = definitions.get_mut(name).and_then(Value::as_object_mut) {
            mark_kind(schema, def);
        }
    }
    (definitions, named)
}

/// A kind's own schema: its group, version and kind (a type served in several versions or
/// groups lists each), and `metadata` not required (k8s-openapi requires it; Kubernetes'
/// schemas do not).
fn mark_kind(schema: &mut Map<String, Value>, def: &Kind) {
    let entry = schema
        .entry("x-kubernetes-group-version-kind")
        .or_insert_with(|| json!([]));
    if let Some(list) = entry.as_array_mut() {
        let this = gvk(def)[0].clone();
        if !list.contains(&this) {
            list.push(this);
        }
    }
    if let Some(required) = schema.get_mut("required").and_then(Value::as_array_mut) {
        required.retain(|r| r != "metadata");
        if required.is_empty() {
            schema.remove("required");
        }
    }
}

/// OpenAPI v2's `definitions` of the kinds.
pub fn v2_definitions(kinds: &[&Kind]) -> Map<String, Value> {
    let mut settings = SchemaSettings::draft07();
    settings.transforms.clear();
    generate(kinds, settings, V2_DEFINITIONS).0
}

/// The names of the schemas `value` refers to (`$ref`s under `prefix`).
fn references(value: &Value, prefix: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child) {
                    ("$ref", Value::String(r)) => {
                        if let Some(name) = r.strip_prefix(prefix) {
                            found.push(name.to_string());
                        }
                    }
                    _ => references(child, prefix, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| references(i, prefix, found)),
        _ => {}
    }
}

/// The schemas named in `roots` and every one they refer to, transitively.
fn closure(all: &Map<String, Value>, roots: &[String]) -> Map<String, Value> {
    let prefix = format!("#{V3_SCHEMAS}/");
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = roots.to_vec();
    let mut out = Map::new();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = all.get(&name) {
            references(schema, &prefix, &mut todo);
            out.insert(name, schema.clone());
        }
    }
    out
}

/// The v3 `paths` of a group version's kinds: the write operations, with kube-apiserver's
/// `x-kubernetes-group-version-kind` and `fieldValidation` parameter (kubectl reads them to
/// know that the server validates fields).
fn v3_paths(kinds: &[&Kind]) -> Map<String, Value> {
    let mut paths = Map::new();
    for def in kinds {
        let operation = |action: &str| {
            json!({
                "operationId": format!("{action}{}", def.kind),
                "parameters": [
                    {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                    {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                    {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}}
                ],
                "x-kubernetes-action": action,
                "x-kubernetes-group-version-kind": gvk(def)[0],
            })
        };
        let prefix = format!("/{}", group_version_path(def));
        let collection = if def.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}", def.resource)
        } else {
            format!("{prefix}/{}", def.resource)
        };
        match def.serving {
            Serving::Stored => {
                paths.insert(
                    format!("{collection}/{{name}}"),
                    json!({"patch": operation("patch"), "put": operation("put")}),
                );
                paths.insert(collection, json!({"post": operation("post")}));
            }
            Serving::Review => {
                paths.insert(collection, json!({"post": operation("post")}));
            }
        }
    }
    paths
}

/// A v3 document.
fn v3_document(paths: Map<String, Value>, schemas: Map<String, Value>) -> Value {
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.33.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

/// The v3 document of each group version of the kinds, by its index path.
pub fn v3_documents(kinds: &[&Kind]) -> BTreeMap<String, Value> {
    let (all, named) = generate(kinds, SchemaSettings::openapi3(), V3_SCHEMAS);
    let mut by_path: BTreeMap<String, Vec<&Kind>> = BTreeMap::new();
    for def in kinds {
        by_path
            .entry(group_version_path(def))
            .or_default()
            .push(def);
    }
    by_path
        .into_iter()
        .map(|(path, defs)| {
            let roots: Vec<String> = named
                .iter()
                .filter(|(def, _)| group_version_path(def) == path)
                .map(|(_, name)| name.clone())
                .collect();
            let mut schemas = closure(&all, &roots);
            // A type served in other group versions too lists only this one's kinds here.
            for name in &roots {
                if let Some(list) = schemas
                    .get_mut(name)
                    .and_then(|s| s.get_mut("x-kubernetes-group-version-kind"))
                    .and_then(Value::as_array_mut)
                {
                    list.retain(|g| defs.iter().any(|d| gvk(d)[0] == *g));
                }
            }
            (path, v3_document(v3_paths(&defs), schemas))
        })
        .collect()
}

/// `ObjectMeta` and every schema it refers to, out of a v3 document's schemas.
pub fn object_meta_closure(schemas: &Map<String, Value>) -> Map<String, Value> {
    closure(schemas, &[OBJECT_META.to_string()])
}

/// The v3 document of custom kinds of one group version: their `openAPIV3Schema`s, and
/// `ObjectMeta` with what it refers to (`object_meta`, their `metadata`).
pub fn custom_v3_document(
    kinds: &[(&Kind, Option<Value>)],
    object_meta: &Map<String, Value>,
) -> Value {
    let defs: Vec<&Kind> = kinds.iter().map(|(d, _)| *d).collect();
    let mut schemas = object_meta.clone();
    for (def, schema) in kinds {
        if let Some(schema) = schema {
            schemas.insert(
                custom_schema_name(def),
                published_schema(def, schema.clone(), Flavour::V3),
            );
        }
    }
    v3_document(v3_paths(&defs), schemas)
}

/// The name kube-apiserver publishes a custom kind's schema under: the group reversed, the
/// version, the kind (`io.k8s.aws.vpcresources.v1alpha1.CNINode`).
pub fn custom_schema_name(def: &Kind) -> String {
    let reversed: Vec<&str> = def.group.split('.').rev().collect();
    format!("{}.{}.{}", reversed.join("."), def.version, def.kind)
}

/// Which OpenAPI a schema is published in: how it refers to another schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    /// `{"$ref": "#/definitions/…"}`, the description beside it.
    V2,
    /// `{"allOf": [{"$ref": "#/components/schemas/…"}]}`, the description beside it.
    V3,
}

/// A custom kind's `openAPIV3Schema` as kube-apiserver publishes it: with the
/// `x-kubernetes-group-version-kind` kubectl explain looks kinds up by, and the fields every
/// object has (`metadata` is `ObjectMeta`).
pub fn published_schema(def: &Kind, mut schema: Value, flavour: Flavour) -> Value {
    let metadata = match flavour {
        Flavour::V2 => json!({
            "$ref": format!("#{V2_DEFINITIONS}/{OBJECT_META}"),
            "description": METADATA_DESCRIPTION,
        }),
        Flavour::V3 => json!({
            "allOf": [{"$ref": format!("#{V3_SCHEMAS}/{OBJECT_META}")}],
            "description": METADATA_DESCRIPTION,
        }),
    };
    if let Some(map) = schema.as_object_mut() {
        let properties = map.entry("properties").or_insert_with(|| json!({}));
        if let Some(properties) = properties.as_object_mut() {
            for (name, description) in [
                ("apiVersion", API_VERSION_DESCRIPTION),
                ("kind", KIND_DESCRIPTION),
            ] {
                properties.insert(
                    name.to_string(),
                    json!({"description": description, "type": "string"}),
                );
            }
            properties.insert("metadata".to_string(), metadata);
        }
        map.insert("x-kubernetes-group-version-kind".into(), gvk(def));
    }
    schema
}
