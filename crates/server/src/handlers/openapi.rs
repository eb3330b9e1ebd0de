//! OpenAPI v3 documents, as far as kubectl needs them: the index (`/openapi/v3`) and, per group
//! version, the PATCH operations of each kind with kube-apiserver's
//! `x-kubernetes-group-version-kind` extension and `fieldValidation` parameter. kubectl reads
//! them to know that the server validates fields itself (`kubectl apply`/`create -f` otherwise
//! try to download OpenAPI v2 for client-side validation). Schemas are not published.

use http::Response;
use serde_json::{Map, Value, json};

use crate::codec::respond::{self, Body};
use crate::registry::custom;
use crate::registry::kinds::{Kind, Serving};

/// The media type of OpenAPI v2 in protobuf (gnostic), which kubectl before 1.28 asks for.
const V2_PROTOBUF: &str = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

/// `/openapi/v2`: a document without definitions, so that kubectl's client-side validation
/// (which skips kinds it has no schema for) and apply work; protobuf when asked for (an empty
/// message is a valid empty document), JSON otherwise.
pub fn v2(accept: &str) -> Response<Body> {
    if accept.contains(V2_PROTOBUF) {
        // Answered, as kube-apiserver does, with `.` where the request has `@` (Go's media type
        // parser refuses `@`).
        return respond::with(
            200,
            &V2_PROTOBUF.replace('@', "."),
            respond::full(Vec::new()),
        );
    }
    let document = json!({
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": "v1.33.0"},
        "paths": {},
        "definitions": {},
    });
    respond::ok(&document, false)
}

/// The path of a group version in the index: `api/v1` or `apis/<group>/<version>`.
fn group_version_path(def: &Kind) -> String {
    if def.group.is_empty() {
        format!("api/{}", def.version)
    } else {
        format!("apis/{}/{}", def.group, def.version)
    }
}

/// `/openapi/v3`: the group versions this server serves.
pub fn index() -> Value {
    let mut paths = Map::new();
    for def in custom::every_kind() {
        let path = group_version_path(def);
        paths.insert(
            path.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{path}?hash=kubeward")}),
        );
    }
    json!({"paths": paths})
}

/// `/openapi/v3/<group version path>`, if served.
pub fn group_version(path: &str) -> Option<Value> {
    let defs: Vec<&Kind> = custom::every_kind()
        .filter(|d| group_version_path(d) == path)
        .collect();
    if defs.is_empty() {
        return None;
    }
    let mut paths = Map::new();
    let mut schemas = Map::new();
    for def in defs {
        if let Some(schema) = custom::schema_of(def) {
            schemas.insert(custom_schema_name(def), published_schema(def, schema));
        }
        let gvk = json!([{"group": def.group, "version": def.version, "kind": def.kind}]);
        let operation = |action: &str| {
            json!({
                "operationId": format!("{action}{}", def.kind),
                "parameters": [
                    {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                    {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                    {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}}
                ],
                "x-kubernetes-action": action,
                "x-kubernetes-group-version-kind": gvk[0],
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
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.33.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }))
}

/// The name kube-apiserver publishes a custom kind's schema under: the group reversed, the
/// version, the kind (`io.k8s.aws.vpcresources.v1alpha1.CNINode`).
fn custom_schema_name(def: &Kind) -> String {
    let reversed: Vec<&str> = def.group.split('.').rev().collect();
    format!("{}.{}.{}", reversed.join("."), def.version, def.kind)
}

/// A custom kind's `openAPIV3Schema` as kube-apiserver publishes it: with the
/// `x-kubernetes-group-version-kind` kubectl explain looks kinds up by, and the fields every
/// object has.
fn published_schema(def: &Kind, mut schema: Value) -> Value {
    let standard = [
        (
            "apiVersion",
            "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
            "string",
        ),
        (
            "kind",
            "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
            "string",
        ),
        (
            "metadata",
            "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
            "object",
        ),
    ];
    if let Some(map) = schema.as_object_mut() {
        let properties = map.entry("properties").or_insert_with(|| json!({}));
        if let Some(properties) = properties.as_object_mut() {
            for (name, description, kind) in standard {
                properties.insert(
                    name.to_string(),
                    json!({"description": description, "type": kind}),
                );
            }
        }
        map.insert(
            "x-kubernetes-group-version-kind".into(),
            json!([{"group": def.group, "version": def.version, "kind": def.kind}]),
        );
    }
    schema
}
