//! `/admin/realms/{realm}/localization`: the realm's own message texts by locale (Keycloak's
//! realm localization overrides), kept in the realm as `localizationTexts` (written by
//! `export`, read by `import`).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::Value;

use super::access::{EditRealm, ReadRealm};
use super::answer::{Answer, bad_request, body, no_content, not_found, ok_json};
use crate::directory::DirectoryError;
use crate::model::{ModelError, Realm};

/// The key of the texts among the realm's other Keycloak fields.
const TEXTS: &str = "localizationTexts";

type Texts = BTreeMap<String, BTreeMap<String, String>>;

fn texts(r: &Realm) -> Texts {
    r.other
        .get(TEXTS)
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

fn store(r: &mut Realm, texts: &Texts) {
    let texts: Texts = texts
        .iter()
        .filter(|(_, t)| !t.is_empty())
        .map(|(l, t)| (l.clone(), t.clone()))
        .collect();
    if texts.is_empty() {
        r.other.remove(TEXTS);
    } else if let Ok(v) = serde_json::to_value(texts) {
        r.other.insert(TEXTS.to_string(), v);
    }
}

/// `GET …/localization`: the locales with texts.
pub(super) async fn locales(ReadRealm(r): ReadRealm) -> Answer {
    ok_json(&texts(&r).into_keys().collect::<Vec<_>>())
}

/// `GET …/localization/{locale}`: the locale's texts (`{}` when it has none).
pub(super) async fn get(
    ReadRealm(r): ReadRealm,
    Path((_, locale)): Path<(String, String)>,
) -> Answer {
    ok_json(&texts(&r).remove(&locale).unwrap_or_default())
}

/// `POST …/localization/{locale}`: adds or replaces the texts of a JSON object.
pub(super) async fn merge(
    at: EditRealm,
    Path((_, locale)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let given: BTreeMap<String, Value> = body(&bytes)?;
    let mut add = BTreeMap::new();
    for (k, v) in given {
        let text = match v {
            Value::String(s) => s,
            other => return Err(bad_request(format!("text of {k} is not a string: {other}"))),
        };
        add.insert(k, text);
    }
    at.change(move |r| {
        let mut all = texts(r);
        all.entry(locale.clone()).or_default().extend(add.clone());
        store(r, &all);
        Ok(())
    })
    .await?;
    no_content()
}

/// `DELETE …/localization/{locale}`: 404 when the locale has no texts.
pub(super) async fn delete(at: EditRealm, Path((_, locale)): Path<(String, String)>) -> Answer {
    at.change(move |r| {
        let mut all = texts(r);
        if all.remove(&locale).is_none() {
            return Err(DirectoryError::Model(ModelError::NotFound(
                "No localization texts for locale found",
            )));
        }
        store(r, &all);
        Ok(())
    })
    .await?;
    no_content()
}

/// `GET …/localization/{locale}/{key}`: the text, as `text/plain`.
pub(super) async fn text(
    ReadRealm(r): ReadRealm,
    Path((_, locale, key)): Path<(String, String, String)>,
) -> Answer {
    let text = texts(&r)
        .remove(&locale)
        .and_then(|mut t| t.remove(&key))
        .ok_or_else(|| not_found("Localization text not found"))?;
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain;charset=UTF-8")],
        text,
    )
        .into_response())
}

/// `PUT …/localization/{locale}/{key}`: the body (`text/plain`) is the text.
pub(super) async fn set_text(
    at: EditRealm,
    Path((_, locale, key)): Path<(String, String, String)>,
    bytes: Bytes,
) -> Answer {
    let text =
        String::from_utf8(bytes.to_vec()).map_err(|_| bad_request("the text is not UTF-8"))?;
    at.change(move |r| {
        let mut all = texts(r);
        all.entry(locale.clone())
            .or_default()
            .insert(key.clone(), text.clone());
        store(r, &all);
        Ok(())
    })
    .await?;
    no_content()
}

/// `DELETE …/localization/{locale}/{key}`: 404 when there is no such text.
pub(super) async fn delete_text(
    at: EditRealm,
    Path((_, locale, key)): Path<(String, String, String)>,
) -> Answer {
    at.change(move |r| {
        let mut all = texts(r);
        if all.get_mut(&locale).and_then(|t| t.remove(&key)).is_none() {
            return Err(DirectoryError::Model(ModelError::NotFound(
                "Localization text not found",
            )));
        }
        store(r, &all);
        Ok(())
    })
    .await?;
    no_content()
}
