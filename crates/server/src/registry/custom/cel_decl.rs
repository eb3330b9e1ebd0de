//! A structural schema as CEL declares it for validation rules (apiserver's `SchemaDeclType`):
//! each node's CEL type, the most elements it can hold (`MaxElements`: the characters of a
//! string, the items of a list, the entries of a map — from `maxLength` (×4, bytes per code
//! point), `maxItems`, `maxProperties`, the longest `enum` value, else what fits in kube's 3 MiB
//! request) and the smallest size it takes in JSON (`MinSerializedSize`), the inputs of kube's
//! cost estimate. Pure.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

/// kube's largest request (`celconfig.MaxRequestSizeBytes`).
pub const MAX_REQUEST_SIZE: i64 = 3 * 1024 * 1024;

/// The CEL type of a declared node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclKind {
    /// `boolean`.
    Bool,
    /// `integer`.
    Int,
    /// `number`.
    Double,
    /// `string`.
    String,
    /// `string` with `format: byte`.
    Bytes,
    /// `string` with `format: duration`.
    Duration,
    /// `string` with `format: date` or `date-time`.
    Timestamp,
    /// An array.
    List,
    /// An object of `additionalProperties`.
    Map,
    /// An object of `properties`.
    Object,
    /// `x-kubernetes-int-or-string`.
    Dyn,
}

/// One declared node.
#[derive(Debug)]
pub struct Decl {
    /// Its CEL type.
    pub kind: DeclKind,
    /// The most elements it holds (0 for scalars and objects, as kube declares them).
    pub max_elements: u64,
    /// The fewest bytes it takes in JSON.
    pub min_size: i64,
    /// An object's fields, by their CEL (escaped) names.
    pub fields: BTreeMap<String, Arc<Decl>>,
    /// A list's items or a map's values.
    pub elem: Option<Arc<Decl>>,
}

impl Decl {
    fn simple(kind: DeclKind, min_size: i64) -> Self {
        Self {
            kind,
            max_elements: 0,
            min_size,
            fields: BTreeMap::new(),
            elem: None,
        }
    }

    /// A map's keys: strings of no declared length, as kube declares them.
    pub fn key() -> Arc<Decl> {
        Arc::new(Self::simple(DeclKind::String, 2))
    }
}

fn number(schema: &Value, field: &str) -> Option<i64> {
    schema.get(field).and_then(Value::as_i64)
}

fn flag(schema: &Value, field: &str) -> bool {
    schema.get(field).and_then(Value::as_bool) == Some(true)
}

fn text<'v>(schema: &'v Value, field: &str) -> &'v str {
    schema
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// The declaration of `schema`, or `None` where CEL does not see it (an array without items, a
/// node of no type). `resource_root`: the root of a resource (or an embedded one), where
/// `apiVersion`, `kind` and `metadata.name`/`generateName` are always declared.
pub fn declare(schema: &Value, resource_root: bool) -> Option<Arc<Decl>> {
    if flag(schema, "x-kubernetes-int-or-string") {
        let mut dyn_type = Decl::simple(DeclKind::Dyn, 1);
        dyn_type.max_elements = match number(schema, "maxLength") {
            Some(length) => count(length).saturating_mul(4),
            None => count(MAX_REQUEST_SIZE - 2),
        };
        return Some(Arc::new(dyn_type));
    }
    let declared = match text(schema, "type") {
        "array" => {
            let items = schema.get("items").filter(|i| i.is_object())?;
            let item = declare(items, flag(items, "x-kubernetes-embedded-resource"))?;
            let max = match number(schema, "maxItems") {
                Some(max) => count(max),
                None => count((MAX_REQUEST_SIZE - 2) / (item.min_size + 1)),
            };
            Decl {
                kind: DeclKind::List,
                max_elements: max,
                min_size: 2,
                fields: BTreeMap::new(),
                elem: Some(item),
            }
        }
        "object" => match schema.get("additionalProperties").filter(|a| a.is_object()) {
            Some(values) => {
                let value = declare(values, flag(values, "x-kubernetes-embedded-resource"))?;
                let max = match number(schema, "maxProperties") {
                    Some(max) => count(max),
                    None => count((MAX_REQUEST_SIZE - 2) / (value.min_size + 6)),
                };
                Decl {
                    kind: DeclKind::Map,
                    max_elements: max,
                    min_size: 2,
                    fields: BTreeMap::new(),
                    elem: Some(value),
                }
            }
            None => object(schema, resource_root),
        },
        "string" => string(schema),
        "boolean" => Decl::simple(DeclKind::Bool, 4),
        "number" => Decl::simple(DeclKind::Double, 1),
        "integer" => Decl::simple(DeclKind::Int, 1),
        _ => return None,
    };
    Some(Arc::new(declared))
}

fn object(schema: &Value, resource_root: bool) -> Decl {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut fields = BTreeMap::new();
    let mut min_size = 2;
    let properties = schema.get("properties").and_then(Value::as_object);
    for (name, property) in properties.into_iter().flatten() {
        let Some(declared) = declare(property, flag(property, "x-kubernetes-embedded-resource"))
        else {
            continue;
        };
        if required.contains(&name.as_str()) && property.get("default").is_none() {
            min_size += name.len() as i64 + declared.min_size + 4;
        }
        if let Some(escaped) = escape(name) {
            fields.insert(escaped, declared);
        }
    }
    if resource_root && !declares_type_and_object_meta(schema) {
        let string = || Arc::new(Decl::simple(DeclKind::String, 2));
        fields.insert("kind".into(), string());
        fields.insert("apiVersion".into(), string());
        let mut metadata = Decl::simple(DeclKind::Object, 2);
        metadata.fields.insert("name".into(), string());
        metadata.fields.insert("generateName".into(), string());
        fields.insert("metadata".into(), Arc::new(metadata));
    }
    Decl {
        kind: DeclKind::Object,
        max_elements: 0,
        min_size,
        fields,
        elem: None,
    }
}

/// Whether a resource root's schema declares `kind`, `apiVersion` and `metadata.name` and
/// `generateName` as strings itself (else kube declares them, `WithTypeAndObjectMeta`).
fn declares_type_and_object_meta(schema: &Value) -> bool {
    let typed = |pointer: &str, kind: &str| {
        schema
            .pointer(pointer)
            .and_then(|s| s.get("type"))
            .and_then(Value::as_str)
            == Some(kind)
    };
    typed("/properties/kind", "string")
        && typed("/properties/apiVersion", "string")
        && typed("/properties/metadata", "object")
        && typed("/properties/metadata/properties/name", "string")
        && typed("/properties/metadata/properties/generateName", "string")
}

fn string(schema: &Value) -> Decl {
    let max_length = number(schema, "maxLength");
    let (kind, min_size, max) = match text(schema, "format") {
        "byte" => (
            DeclKind::Bytes,
            2,
            max_length.map_or(count(MAX_REQUEST_SIZE - 2), count),
        ),
        "duration" => (DeclKind::Duration, 3, 32),
        "date" => (DeclKind::Timestamp, 12, 12),
        "date-time" => (DeclKind::Timestamp, 21, 32),
        _ => {
            let values = schema
                .get("enum")
                .and_then(Value::as_array)
                .filter(|values| !values.is_empty());
            let max = match (max_length, values) {
                (Some(length), _) => count(length).saturating_mul(4),
                (None, Some(values)) => values
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|v| v.len() as u64)
                    .max()
                    .unwrap_or(0),
                (None, None) => count(MAX_REQUEST_SIZE - 2),
            };
            (DeclKind::String, 2, max)
        }
    };
    let mut declared = Decl::simple(kind, min_size);
    declared.max_elements = max;
    declared
}

/// The CEL name of a property (apiserver's `Escape`), `None` when it has none.
pub fn escape(name: &str) -> Option<String> {
    const RESERVED: [&str; 21] = [
        "true",
        "false",
        "null",
        "in",
        "as",
        "break",
        "const",
        "continue",
        "else",
        "for",
        "function",
        "if",
        "import",
        "let",
        "loop",
        "package",
        "namespace",
        "return",
        "var",
        "void",
        "while",
    ];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if RESERVED.contains(&name) {
        return Some(format!("__{name}__"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/'))
    {
        return None;
    }
    let mut out = String::new();
    let mut rest = name;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("__") {
            out.push_str("__underscores__");
            rest = &rest[2..];
            continue;
        }
        match c {
            '.' => out.push_str("__dot__"),
            '-' => out.push_str("__dash__"),
            '/' => out.push_str("__slash__"),
            other => out.push(other),
        }
        rest = &rest[c.len_utf8()..];
    }
    Some(out)
}

#[cfg(test)]
mod tests;
