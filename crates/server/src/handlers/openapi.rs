//! OpenAPI v2 and v3, as kubectl reads them (`kubectl explain`, client-side validation, the
//! server-side field validation it detects from v3's `fieldValidation` parameter): every kind's
//! schema under Kubernetes' definition names, with `x-kubernetes-group-version-kind`.
//!
//! The documents are built once (the built-in kinds' on the first request for one, never on the
//! way of other requests nor at start-up; again with the custom kinds' when the served
//! definitions change) and served from memory as bytes, as kube-openapi's handlers serve them:
//! the `ETag` is the SHA-512 of the JSON document (v2's protobuf shares it), `If-None-Match`
//! answers 304, the v3 index repeats each group version's hash in its URL (`?hash=`), and a
//! request with the current hash may cache the answer for good (`Cache-Control: public,
//! immutable`), one with an old hash is redirected to the current one (301).

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock, Mutex};

use bytes::Bytes;
use http::header::{
    CACHE_CONTROL, CONTENT_TYPE, ETAG, EXPIRES, IF_NONE_MATCH, LAST_MODIFIED, LOCATION, VARY,
};
use http::{HeaderValue, Response};
use serde_json::{Map, Value, json};

use super::context::Context;
use crate::clock;
use crate::codec::respond::{self, Body};
use crate::registry::custom;
use crate::registry::kinds::{self, Kind};

pub mod documents;
pub mod gnostic;
pub mod negotiate;

use documents::group_version_path;
use negotiate::{JSON, Media, V2_PROTOBUF, V2_PROTOBUF_DEPRECATED};

/// The title and version every document carries.
const TITLE: &str = "Kubernetes";
const VERSION: &str = "v1.33.0";

/// A document ready to send, and its hash (the `ETag`, unquoted).
#[derive(Clone)]
struct Published {
    body: Bytes,
    hash: String,
}

impl Published {
    fn new(body: Vec<u8>) -> Self {
        let hash = hash(&body);
        Self {
            body: Bytes::from(body),
            hash,
        }
    }

    fn json(value: &Value) -> Self {
        Self::new(serde_json::to_vec(value).unwrap_or_default())
    }
}

/// The SHA-512 of a document in upper-case hex, as kube-openapi's `computeETag`.
fn hash(body: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA512, body);
    digest.as_ref().iter().map(|b| format!("{b:02X}")).collect()
}

/// Every document served at one time.
struct Documents {
    /// v2 in JSON; its hash is v2's `ETag` in either media type.
    v2_json: Published,
    /// v2 in gnostic protobuf.
    v2_protobuf: Bytes,
    /// v3, by group version path.
    v3: BTreeMap<String, Published>,
    /// The v3 index.
    index: Published,
    /// When they were built (`Last-Modified`).
    built: String,
}

impl Documents {
    fn new(v2_json: Published, v2_protobuf: Vec<u8>, v3: BTreeMap<String, Published>) -> Self {
        let paths: Map<String, Value> = v3
            .iter()
            .map(|(path, document)| {
                let url = format!("/openapi/v3/{path}?hash={}", document.hash);
                (path.clone(), json!({"serverRelativeURL": url}))
            })
            .collect();
        let index = Published::json(&json!({"paths": paths}));
        Self {
            v2_json,
            v2_protobuf: Bytes::from(v2_protobuf),
            v3,
            index,
            built: negotiate::http_date(clock::now()),
        }
    }
}

/// The built-in kinds' documents, and what the custom kinds' documents take from them.
struct BuiltIn {
    documents: Arc<Documents>,
    /// `ObjectMeta` and the schemas it refers to, as v3 names them (a custom kind's `metadata`).
    object_meta_v3: Map<String, Value>,
}

static BUILT_IN: LazyLock<BuiltIn> = LazyLock::new(|| {
    let kinds: Vec<&Kind> = kinds::all().collect();
    let definitions = documents::v2_definitions(&kinds);
    let v2_protobuf = gnostic::document(TITLE, VERSION, &definitions);
    let v2_json = Published::json(&v2_document(definitions));
    let v3_documents = documents::v3_documents(&kinds);
    let object_meta_v3 = v3_documents
        .get("api/v1")
        .and_then(|core| core.pointer("/components/schemas"))
        .and_then(Value::as_object)
        .map(documents::object_meta_closure)
        .unwrap_or_default();
    let v3 = v3_documents
        .into_iter()
        .map(|(path, document)| (path, Published::json(&document)))
        .collect();
    BuiltIn {
        documents: Arc::new(Documents::new(v2_json, v2_protobuf, v3)),
        object_meta_v3,
    }
});

/// The documents with the custom kinds served now, and which kinds those were (a changed
/// definition is served by new kinds, so their addresses tell a change).
static WITH_CUSTOM: Mutex<Option<(Vec<usize>, Arc<Documents>)>> = Mutex::new(None);

fn v2_document(definitions: Map<String, Value>) -> Value {
    json!({
        "swagger": "2.0",
        "info": {"title": TITLE, "version": VERSION},
        "paths": {},
        "definitions": definitions,
    })
}

/// The documents to serve now: the built-in ones, with the custom kinds' when there are some
/// (built again only when those change).
fn current() -> Arc<Documents> {
    let built_in = &*BUILT_IN;
    let custom = custom::all();
    if custom.is_empty() {
        return built_in.documents.clone();
    }
    let served: Vec<usize> = custom
        .iter()
        .map(|k| std::ptr::from_ref(*k).addr())
        .collect();
    let mut cache = WITH_CUSTOM.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((kinds, documents)) = cache.as_ref()
        && *kinds == served
    {
        return documents.clone();
    }
    let documents = Arc::new(with_custom(built_in, &custom));
    *cache = Some((served, documents.clone()));
    documents
}

/// The built-in documents with the custom kinds' schemas added: in v2's definitions, and one v3
/// document per custom group version.
fn with_custom(built_in: &BuiltIn, custom: &[&'static Kind]) -> Documents {
    let schemas: Vec<(&Kind, Option<Value>)> = custom
        .iter()
        .map(|def| (*def, custom::schema_of(def)))
        .collect();
    let v2_definitions: Map<String, Value> = schemas
        .iter()
        .filter_map(|(def, schema)| {
            let schema = schema.clone()?;
            Some((
                documents::custom_schema_name(def),
                documents::published_schema(def, schema, documents::Flavour::V2),
            ))
        })
        .collect();
    let base = &built_in.documents;
    let mut v2: Value = serde_json::from_slice(&base.v2_json.body).unwrap_or_default();
    if let Some(definitions) = v2["definitions"].as_object_mut() {
        definitions.extend(v2_definitions.clone());
    }
    let mut v2_protobuf = base.v2_protobuf.to_vec();
    v2_protobuf.extend(gnostic::more_definitions(&v2_definitions));

    let mut by_path: BTreeMap<String, Vec<(&Kind, Option<Value>)>> = BTreeMap::new();
    for (def, schema) in schemas {
        by_path
            .entry(group_version_path(def))
            .or_default()
            .push((def, schema));
    }
    let mut v3 = base.v3.clone();
    for (path, defs) in by_path {
        let document = documents::custom_v3_document(&defs, &built_in.object_meta_v3);
        v3.insert(path, Published::json(&document));
    }
    Documents::new(Published::json(&v2), v2_protobuf, v3)
}

/// Sends a document in `media` with its `ETag` (and kube-openapi's `Vary`); 304 when the
/// client has it.
fn send(
    context: &Context<'_>,
    media: Media,
    body: &Bytes,
    hash: &str,
    built: &str,
) -> Response<Body> {
    let etag = format!("\"{hash}\"");
    let cached = context
        .parts
        .headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| negotiate::not_modified(v, &etag));
    let mut response = if cached {
        let mut response = respond::with(304, media.content_type, respond::full(Bytes::new()));
        response.headers_mut().remove(CONTENT_TYPE);
        response
    } else {
        let mut response = respond::with(200, media.content_type, respond::full(body.clone()));
        if let Ok(value) = HeaderValue::from_str(built) {
            response.headers_mut().insert(LAST_MODIFIED, value);
        }
        response
    };
    let headers = response.headers_mut();
    headers.insert(VARY, HeaderValue::from_static("Accept"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(ETAG, value);
    }
    response
}

/// 406, as kube-openapi answers a media type it does not serve.
fn not_acceptable() -> Response<Body> {
    let mut response = respond::with(406, "text/plain", respond::full(Bytes::new()));
    response.headers_mut().remove(CONTENT_TYPE);
    response
        .headers_mut()
        .insert(VARY, HeaderValue::from_static("Accept"));
    response
}

/// `/openapi/v2`: JSON or gnostic protobuf, as the client accepts.
pub fn v2(context: &Context<'_>) -> Response<Body> {
    let Some(media) = negotiate::choose(
        context.accept(),
        &[JSON, V2_PROTOBUF_DEPRECATED, V2_PROTOBUF],
    ) else {
        return not_acceptable();
    };
    let documents = current();
    let body = if media == JSON {
        &documents.v2_json.body
    } else {
        &documents.v2_protobuf
    };
    send(
        context,
        media,
        body,
        &documents.v2_json.hash,
        &documents.built,
    )
}

/// `/openapi/v3`: each group version served, with its document's hash.
pub fn index(context: &Context<'_>) -> Response<Body> {
    let documents = current();
    let index = &documents.index;
    let mut response = send(context, JSON, &index.body, &index.hash, &documents.built);
    // kube-openapi's index varies with nothing.
    response.headers_mut().remove(VARY);
    response
}

/// `/openapi/v3/<group version path>`, if served: JSON (kube-apiserver's protobuf form of v3
/// is not served, no client of this server's asks for it).
pub fn group_version(context: &Context<'_>, path: &str) -> Option<Response<Body>> {
    let documents = current();
    let document = documents.v3.get(path)?;
    let Some(media) = negotiate::choose(context.accept(), &[JSON]) else {
        return Some(not_acceptable());
    };
    let wanted = context.query("hash").filter(|h| !h.is_empty());
    if let Some(wanted) = &wanted
        && *wanted != document.hash
    {
        return Some(moved(path, &document.hash));
    }
    let mut response = send(
        context,
        media,
        &document.body,
        &document.hash,
        &documents.built,
    );
    if wanted.is_some() {
        let headers = response.headers_mut();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("public, immutable"));
        if let Ok(value) = HeaderValue::from_str(&negotiate::a_year_after(clock::now())) {
            headers.insert(EXPIRES, value);
        }
    }
    Some(response)
}

/// 301 to a group version's current document, as Go's `http.Redirect` answers a GET.
fn moved(path: &str, hash: &str) -> Response<Body> {
    let url = format!("/openapi/v3/{path}?hash={hash}");
    let body = format!("<a href=\"{url}\">Moved Permanently</a>.\n\n");
    let mut response = respond::with(301, "text/html; charset=utf-8", respond::full(body));
    if let Ok(value) = HeaderValue::from_str(&url) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

#[cfg(test)]
mod tests;
