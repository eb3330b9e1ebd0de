//! OpenAPI v2 in protobuf, as kubectl asks for it (`application/com.github.proto-openapi.spec.v2`):
//! gnostic's `openapi.v2.Document` with the `definitions` (kubectl reads only those), encoded
//! by hand from the JSON schemas — the fields a Kubernetes schema uses: `$ref`, `format`,
//! `description`, `required`, `additionalProperties`, `type`, `items`, `allOf`, `properties`
//! and the `x-` extensions (as gnostic keeps them: YAML text; JSON is YAML). Pure: no I/O.

use serde_json::{Map, Value};

// Field numbers of gnostic's OpenAPIv2.proto.
const DOCUMENT_SWAGGER: u32 = 1;
const DOCUMENT_INFO: u32 = 2;
const DOCUMENT_PATHS: u32 = 8;
const DOCUMENT_DEFINITIONS: u32 = 9;
const INFO_TITLE: u32 = 1;
const INFO_VERSION: u32 = 2;
const NAMED_NAME: u32 = 1;
const NAMED_VALUE: u32 = 2;
const ANY_YAML: u32 = 2;
const SCHEMA_REF: u32 = 1;
const SCHEMA_FORMAT: u32 = 2;
const SCHEMA_TITLE: u32 = 3;
const SCHEMA_DESCRIPTION: u32 = 4;
const SCHEMA_REQUIRED: u32 = 19;
const SCHEMA_ADDITIONAL_PROPERTIES: u32 = 21;
const SCHEMA_TYPE: u32 = 22;
const SCHEMA_ITEMS: u32 = 23;
const SCHEMA_ALL_OF: u32 = 24;
const SCHEMA_PROPERTIES: u32 = 25;
const SCHEMA_VENDOR_EXTENSION: u32 = 31;
/// `AdditionalPropertiesItem`: a schema, or a boolean.
const ADDITIONAL_SCHEMA: u32 = 1;
const ADDITIONAL_BOOLEAN: u32 = 2;
/// `TypeItem.value`, `ItemsItem.schema`, `Properties.additional_properties`,
/// `Definitions.additional_properties`: each message's field 1.
const FIRST: u32 = 1;

fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn key(out: &mut Vec<u8>, field: u32, wire: u8) {
    varint(out, (u64::from(field) << 3) | u64::from(wire));
}

/// A length-delimited field: bytes, a string or a message.
fn bytes(out: &mut Vec<u8>, field: u32, value: &[u8]) {
    key(out, field, 2);
    varint(out, value.len() as u64);
    out.extend_from_slice(value);
}

/// A string field; proto3 leaves an empty one out.
fn string(out: &mut Vec<u8>, field: u32, value: &str) {
    if !value.is_empty() {
        bytes(out, field, value.as_bytes());
    }
}

fn boolean(out: &mut Vec<u8>, field: u32, value: bool) {
    key(out, field, 0);
    varint(out, u64::from(value));
}

/// A `NamedX` message: a name and a value message.
fn named(name: &str, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    string(&mut out, NAMED_NAME, name);
    bytes(&mut out, NAMED_VALUE, value);
    out
}

/// An `Any` holding `value` as YAML (JSON text).
fn any(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    string(&mut out, ANY_YAML, &value.to_string());
    out
}

/// gnostic's `Schema` of a JSON schema.
pub fn schema(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    let Some(map) = value.as_object() else {
        return out;
    };
    let text = |name: &str| map.get(name).and_then(Value::as_str).unwrap_or("");
    string(&mut out, SCHEMA_REF, text("$ref"));
    string(&mut out, SCHEMA_FORMAT, text("format"));
    string(&mut out, SCHEMA_TITLE, text("title"));
    string(&mut out, SCHEMA_DESCRIPTION, text("description"));
    for required in map
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        string(&mut out, SCHEMA_REQUIRED, required.as_str().unwrap_or(""));
    }
    match map.get("additionalProperties") {
        Some(Value::Bool(allowed)) => {
            let mut item = Vec::new();
            boolean(&mut item, ADDITIONAL_BOOLEAN, *allowed);
            bytes(&mut out, SCHEMA_ADDITIONAL_PROPERTIES, &item);
        }
        Some(nested @ Value::Object(_)) => {
            let mut item = Vec::new();
            bytes(&mut item, ADDITIONAL_SCHEMA, &schema(nested));
            bytes(&mut out, SCHEMA_ADDITIONAL_PROPERTIES, &item);
        }
        _ => {}
    }
    let types: Vec<&str> = match map.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() {
        let mut item = Vec::new();
        for t in types {
            string(&mut item, FIRST, t);
        }
        bytes(&mut out, SCHEMA_TYPE, &item);
    }
    if let Some(items) = map.get("items").filter(|i| i.is_object()) {
        let mut item = Vec::new();
        bytes(&mut item, FIRST, &schema(items));
        bytes(&mut out, SCHEMA_ITEMS, &item);
    }
    for part in map
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        bytes(&mut out, SCHEMA_ALL_OF, &schema(part));
    }
    if let Some(properties) = map.get("properties").and_then(Value::as_object) {
        bytes(&mut out, SCHEMA_PROPERTIES, &named_schemas(properties));
    }
    for (name, extension) in map.iter().filter(|(k, _)| k.starts_with("x-")) {
        bytes(
            &mut out,
            SCHEMA_VENDOR_EXTENSION,
            &named(name, &any(extension)),
        );
    }
    out
}

/// A message whose field 1 repeats `NamedSchema` (gnostic's `Properties` and `Definitions`).
fn named_schemas(schemas: &Map<String, Value>) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in schemas {
        bytes(&mut out, FIRST, &named(name, &schema(value)));
    }
    out
}

/// gnostic's `Document` with `definitions`.
pub fn document(title: &str, version: &str, definitions: &Map<String, Value>) -> Vec<u8> {
    let mut out = Vec::new();
    string(&mut out, DOCUMENT_SWAGGER, "2.0");
    let mut info = Vec::new();
    string(&mut info, INFO_TITLE, title);
    string(&mut info, INFO_VERSION, version);
    bytes(&mut out, DOCUMENT_INFO, &info);
    bytes(&mut out, DOCUMENT_PATHS, &[]);
    out.extend(more_definitions(definitions));
    out
}

/// More `definitions` for an encoded [`document`]: appended to it, protobuf merges them into
/// the document's (the custom kinds' schemas on top of the built-in ones).
pub fn more_definitions(definitions: &Map<String, Value>) -> Vec<u8> {
    let mut out = Vec::new();
    bytes(&mut out, DOCUMENT_DEFINITIONS, &named_schemas(definitions));
    out
}
