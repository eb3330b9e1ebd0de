//! OpenAPI v2 and v3, as kubectl reads them (`kubectl explain`, client-side validation, the
//! server-side field validation it detects from v3's `fieldValidation` parameter): every kind's
//! schema under Kubernetes' definition names, with `x-kubernetes-group-version-kind`.
//!
//! The built-in kinds' documents are built once, on the first request for one (never on the
//! way of other requests, nor at start-up), and served from memory as bytes, with an `ETag`
//! (the SHA-512 of the document, as kube-apiserver's) that the v3 index repeats in each group
//! version's URL (`?hash=`); a request with the current hash may cache the answer for good.
//! Custom kinds' documents are built per request from their definitions (they change).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use bytes::Bytes;
use http::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH};
use http::{HeaderValue, Response};
use serde_json::{Map, Value, json};

use super::context::Context;
use crate::codec::respond::{self, Body};
use crate::registry::custom;
use crate::registry::kinds::{self, Kind};

pub mod documents;
pub mod gnostic;

use documents::group_version_path;

/// The media type of OpenAPI v2 in protobuf (gnostic), which kubectl asks for.
const V2_PROTOBUF: &str = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
/// The title and version every document carries.
const TITLE: &str = "Kubernetes";
const VERSION: &str = "v1.33.0";

/// A document ready to send, and its hash.
struct Published {
    body: Bytes,
    hash: String,
}

impl Published {
    fn new(body: Vec<u8>) -> Self {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA512, &body);
        let hash = digest.as_ref().iter().map(|b| format!("{b:02X}")).collect();
        Self {
            body: Bytes::from(body),
            hash,
        }
    }

    fn json(value: &Value) -> Self {
        Self::new(serde_json::to_vec(value).unwrap_or_default())
    }
}

/// The built-in kinds' documents.
struct BuiltIn {
    v2_json: Published,
    v2_protobuf: Published,
    v3: BTreeMap<String, Published>,
}

static BUILT_IN: LazyLock<BuiltIn> = LazyLock::new(|| {
    let kinds: Vec<&Kind> = kinds::all().collect();
    let definitions = documents::v2_definitions(&kinds);
    let v2_protobuf = Published::new(gnostic::document(TITLE, VERSION, &definitions));
    let v2_json = Published::json(&v2_document(definitions));
    let v3 = documents::v3_documents(&kinds)
        .into_iter()
        .map(|(path, document)| (path, Published::json(&document)))
        .collect();
    BuiltIn {
        v2_json,
        v2_protobuf,
        v3,
    }
});

fn v2_document(definitions: Map<String, Value>) -> Value {
    json!({
        "swagger": "2.0",
        "info": {"title": TITLE, "version": VERSION},
        "paths": {},
        "definitions": definitions,
    })
}

/// The custom kinds' schemas, by the names kube-apiserver gives them.
fn custom_definitions() -> Map<String, Value> {
    custom::all()
        .into_iter()
        .filter_map(|def| {
            let schema = custom::schema_of(def)?;
            Some((
                documents::custom_schema_name(def),
                documents::published_schema(def, schema),
            ))
        })
        .collect()
}

/// The v3 documents of the custom kinds, by group version path.
fn custom_v3() -> BTreeMap<String, Published> {
    let mut by_path: BTreeMap<String, Vec<(&Kind, Option<Value>)>> = BTreeMap::new();
    for def in custom::all() {
        by_path
            .entry(group_version_path(def))
            .or_default()
            .push((def, custom::schema_of(def)));
    }
    by_path
        .into_iter()
        .map(|(path, defs)| (path, Published::json(&documents::custom_v3_document(&defs))))
        .collect()
}

/// Sends a document with its `ETag`; 304 when the client has it. `immutable`: the request
/// named the document's hash, so the answer never changes.
fn send(context: &Context<'_>, content_type: &str, document: &Published, immutable: bool) -> Response<Body> {
    let etag = format!("\"{}\"", document.hash);
    let cached = context
        .parts
        .headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let mut response = if cached {
        respond::with(304, content_type, respond::full(Bytes::new()))
    } else {
        respond::with(200, content_type, respond::full(document.body.clone()))
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(ETAG, value);
    }
    if immutable {
        headers.insert(
            CACHE_CONTROL,
            HeaderValue::from_static("public, immutable, max-age=31536000"),
        );
    }
    response
}

/// `/openapi/v2`: protobuf when asked for (kubectl), JSON otherwise.
pub fn v2(context: &Context<'_>) -> Response<Body> {
    let built = &*BUILT_IN;
    let custom = custom_definitions();
    if context.accept().contains(V2_PROTOBUF) {
        // Answered, as kube-apiserver does, with `.` where the request has `@` (Go's media type
        // parser refuses `@`).
        let content_type = V2_PROTOBUF.replace('@', ".");
        if custom.is_empty() {
            return send(context, &content_type, &built.v2_protobuf, false);
        }
        let mut body = built.v2_protobuf.body.to_vec();
        body.extend(gnostic::more_definitions(&custom));
        return send(context, &content_type, &Published::new(body), false);
    }
    if custom.is_empty() {
        return send(context, "application/json", &built.v2_json, false);
    }
    let mut document: Value = serde_json::from_slice(&built.v2_json.body).unwrap_or_default();
    if let Some(definitions) = document["definitions"].as_object_mut() {
        definitions.extend(custom);
    }
    send(context, "application/json", &Published::json(&document), false)
}

/// `/openapi/v3`: each group version served, with its document's hash.
pub fn index(context: &Context<'_>) -> Response<Body> {
    let built = &*BUILT_IN;
    let custom = custom_v3();
    let mut paths = Map::new();
    for (path, document) in built.v3.iter().chain(custom.iter()) {
        paths.insert(
            path.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{path}?hash={}", document.hash)}),
        );
    }
    respond::ok(&json!({"paths": paths}), context.pretty)
}

/// `/openapi/v3/<group version path>`, if served.
pub fn group_version(context: &Context<'_>, path: &str) -> Option<Response<Body>> {
    let built = &*BUILT_IN;
    let custom;
    let document = match built.v3.get(path) {
        Some(document) => document,
        None => {
            custom = custom_v3();
            custom.get(path)?
        }
    };
    let immutable = context.query("hash").as_deref() == Some(document.hash.as_str());
    Some(send(context, "application/json", document, immutable))
}

#[cfg(test)]
mod tests;
