//! Kubernetes' protobuf encoding of request bodies, decoded into the JSON form of the object.
//!
//! kubectl's typed clients send `Content-Type: application/vnd.kubernetes.protobuf`: the magic
//! `k8s\0`, then a `runtime.Unknown` message whose `typeMeta` names the kind and whose `raw`
//! holds the object in the generated protobuf encoding of `k8s.io/api`. The schemas of the kinds
//! this project serves are in `schema`; fields they do not list are skipped, as an older server
//! skips fields it does not know. Empty strings and unset timestamps are left out, as the JSON
//! encoding (`omitempty`) leaves them out.

mod schema;
mod wire;

use serde_json::{Map, Value};

use schema::{Field, Kind};
use wire::{Reader, WireValue};

/// The prefix of every protobuf-encoded Kubernetes object.
pub const MAGIC: &[u8] = b"k8s\0";

/// The media type of Kubernetes' protobuf encoding.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// Why a protobuf body cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtobufError {
    /// The body does not start with `k8s\0`.
    #[error(
        "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"
    )]
    MissingMagic,
    /// The bytes are not valid protobuf.
    #[error("malformed protobuf: {0}")]
    Malformed(String),
    /// A kind this server has no protobuf schema for.
    #[error("no kind {kind:?} is registered for version {api_version:?}")]
    UnknownKind {
        /// `apiVersion` of the envelope.
        api_version: String,
        /// `kind` of the envelope.
        kind: String,
    },
}

/// Decodes a protobuf request body into the object's JSON form, with `apiVersion` and `kind`.
pub fn decode(body: &[u8]) -> Result<Value, ProtobufError> {
    let envelope = body
        .strip_prefix(MAGIC)
        .ok_or(ProtobufError::MissingMagic)?;
    let unknown = decode_message(envelope, schema::UNKNOWN)?;
    let text = |pointer: &str| {
        unknown
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let api_version = text("/typeMeta/apiVersion");
    let kind = text("/typeMeta/kind");
    let fields =
        schema::for_kind(&api_version, &kind).ok_or_else(|| ProtobufError::UnknownKind {
            api_version: api_version.clone(),
            kind: kind.clone(),
        })?;
    let raw = match unknown.get("raw").and_then(Value::as_str) {
        Some(encoded) => base64_decode(encoded)?,
        None => Vec::new(),
    };
    let mut object = decode_message(&raw, fields)?;
    if let Value::Object(map) = &mut object {
        let mut typed = Map::new();
        typed.insert("kind".to_string(), Value::String(kind));
        typed.insert("apiVersion".to_string(), Value::String(api_version));
        typed.append(map);
        object = Value::Object(typed);
    }
    Ok(object)
}

fn malformed(message: impl Into<String>) -> ProtobufError {
    ProtobufError::Malformed(message.into())
}

/// Decodes one message of `fields` into a JSON object.
fn decode_message(bytes: &[u8], fields: &[Field]) -> Result<Value, ProtobufError> {
    let mut out = Map::new();
    let mut reader = Reader::new(bytes);
    while let Some((number, value)) = reader.next_field()? {
        let Some(field) = fields.iter().find(|f| f.number == number) else {
            continue;
        };
        let decoded = decode_value(field, value)?;
        let Some(decoded) = decoded else { continue };
        match (&field.kind, field.repeated) {
            (Kind::MapString | Kind::MapBytes | Kind::MapQuantity | Kind::MapMessage(_), _) => {
                if let Value::Object(entry) = decoded {
                    let slot = out
                        .entry(field.json.to_string())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(map) = slot {
                        map.extend(entry);
                    }
                }
            }
            (Kind::Inline(_), _) => {
                if let Value::Object(entry) = decoded {
                    out.extend(entry);
                }
            }
            (_, true) => {
                let slot = out
                    .entry(field.json.to_string())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(items) = slot {
                    match decoded {
                        Value::Array(packed) if field.kind.is_scalar_number() => {
                            items.extend(packed)
                        }
                        other => items.push(other),
                    }
                }
            }
            (_, false) => {
                out.insert(field.json.to_string(), decoded);
            }
        }
    }
    Ok(Value::Object(out))
}

/// One field value as JSON; `None` when it is left out (empty string, unset time, zero of an
/// `omitempty` number).
fn decode_value(field: &Field, value: WireValue<'_>) -> Result<Option<Value>, ProtobufError> {
    let kind_error = || malformed(format!("field {} has the wrong wire type", field.json));
    Ok(match (&field.kind, value) {
        (Kind::String, WireValue::Bytes(b)) => {
            let text = std::str::from_utf8(b)
                .map_err(|_| malformed(format!("field {} is not UTF-8", field.json)))?;
            (!text.is_empty() || field.repeated).then(|| Value::String(text.to_string()))
        }
        (Kind::Bytes, WireValue::Bytes(b)) => Some(Value::String(base64_encode(b))),
        (Kind::Bool, WireValue::Varint(v)) => {
            (v != 0 || !field.omit_zero).then_some(Value::Bool(v != 0))
        }
        (Kind::Int32, WireValue::Varint(v)) => {
            let n = i64::from(v as i32);
            (n != 0 || !field.omit_zero).then(|| Value::from(n))
        }
        (Kind::Int64, WireValue::Varint(v)) => {
            let n = v as i64;
            (n != 0 || !field.omit_zero).then(|| Value::from(n))
        }
        (Kind::Int32 | Kind::Int64, WireValue::Bytes(b)) if field.repeated => {
            let mut packed = Reader::new(b);
            let mut items = Vec::new();
            while !packed.is_empty() {
                let v = packed.varint()?;
                items.push(if matches!(field.kind, Kind::Int32) {
                    Value::from(i64::from(v as i32))
                } else {
                    Value::from(v as i64)
                });
            }
            Some(Value::Array(items))
        }
        (Kind::Message(fields) | Kind::Inline(fields), WireValue::Bytes(b)) => {
            Some(decode_message(b, fields)?)
        }
        (Kind::Time, WireValue::Bytes(b)) => time_value(b)?,
        (Kind::Quantity, WireValue::Bytes(b)) => {
            decode_message(b, schema::QUANTITY)?.get("string").cloned()
        }
        (Kind::IntOrString, WireValue::Bytes(b)) => {
            let v = decode_message(b, schema::INT_OR_STRING)?;
            if v.get("type").and_then(Value::as_i64) == Some(1) {
                Some(
                    v.get("strVal")
                        .cloned()
                        .unwrap_or(Value::String(String::new())),
                )
            } else {
                Some(v.get("intVal").cloned().unwrap_or(Value::from(0)))
            }
        }
        (
            Kind::MapString | Kind::MapBytes | Kind::MapQuantity | Kind::MapMessage(_),
            WireValue::Bytes(b),
        ) => {
            let mut entry = Reader::new(b);
            let mut key = String::new();
            let mut value = Value::Null;
            while let Some((number, part)) = entry.next_field()? {
                match (number, part) {
                    (1, WireValue::Bytes(k)) => {
                        key = String::from_utf8(k.to_vec())
                            .map_err(|_| malformed("map key is not UTF-8"))?;
                    }
                    (2, WireValue::Bytes(v)) => {
                        value = match &field.kind {
                            Kind::MapString => Value::String(
                                String::from_utf8(v.to_vec())
                                    .map_err(|_| malformed("map value is not UTF-8"))?,
                            ),
                            Kind::MapBytes => Value::String(base64_encode(v)),
                            Kind::MapQuantity => decode_message(v, schema::QUANTITY)?
                                .get("string")
                                .cloned()
                                .unwrap_or(Value::String(String::new())),
                            Kind::MapMessage(fields) => {
                                let decoded = decode_message(v, fields)?;
                                // ExtraValue is a list of strings in JSON.
                                decoded
                                    .get("items")
                                    .cloned()
                                    .unwrap_or(Value::Array(Vec::new()))
                            }
                            _ => Value::Null,
                        };
                    }
                    _ => {}
                }
            }
            if value.is_null() {
                value = match &field.kind {
                    Kind::MapMessage(_) => Value::Array(Vec::new()),
                    _ => Value::String(String::new()),
                };
            }
            let mut map = Map::new();
            map.insert(key, value);
            Some(Value::Object(map))
        }
        _ => return Err(kind_error()),
    })
}

/// Go's zero `time.Time` (year 1), which the JSON encoding writes as `null` (left out here).
const ZERO_TIME_SECONDS: i64 = -62_135_596_800;

fn time_value(bytes: &[u8]) -> Result<Option<Value>, ProtobufError> {
    let mut reader = Reader::new(bytes);
    let mut seconds: i64 = 0;
    let mut present = false;
    while let Some((number, value)) = reader.next_field()? {
        if let (1, WireValue::Varint(v)) = (number, value) {
            seconds = v as i64;
            present = true;
        }
    }
    if !present || seconds == ZERO_TIME_SECONDS {
        return Ok(None);
    }
    Ok(Some(Value::String(rfc3339(seconds))))
}

/// `seconds` since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
fn rfc3339(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60
    )
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(BASE64[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Result<Vec<u8>, ProtobufError> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut buffer = 0u32;
    let mut bits = 0;
    for c in text.bytes().filter(|c| *c != b'=') {
        let value = BASE64
            .iter()
            .position(|b| *b == c)
            .ok_or_else(|| malformed("bad base64 in envelope"))?;
        buffer = (buffer << 6) | value as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
