//! Keycloak's string maps (client attributes, mapper configs) as Jackson reads them: a JSON
//! string, number or boolean is taken as its text (`true` is `"true"`); `null` is dropped.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

fn text(map: BTreeMap<String, Value>) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (k, v) in map {
        let s = match v {
            Value::String(s) => s,
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Null => continue,
            other => return Err(format!("{k}: expected a string, got {other}")),
        };
        out.insert(k, s);
    }
    Ok(out)
}

/// A string map whose values may be written as scalars.
pub fn lenient_strings<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    let map = Option::<BTreeMap<String, Value>>::deserialize(d)?.unwrap_or_default();
    text(map).map_err(serde::de::Error::custom)
}

/// The same, optional.
pub fn lenient_strings_opt<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<BTreeMap<String, String>>, D::Error> {
    match Option::<BTreeMap<String, Value>>::deserialize(d)? {
        Some(map) => text(map).map(Some).map_err(serde::de::Error::custom),
        None => Ok(None),
    }
}
