//! Answers: OAuth errors as Keycloak words them (JSON, 400 or 401), JSON bodies with no-store,
//! forms parsed strictly, cookies.

use std::collections::HashMap;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::flows::error::{ErrorCode, OAuthError};

/// An OAuth error response.
pub fn oauth_error(error: &OAuthError) -> Response {
    let status = if error.unauthorized {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::BAD_REQUEST
    };
    let body = serde_json::json!({
        "error": error.code.to_string(),
        "error_description": error.description,
    });
    let mut response = (status, no_store(), axum::Json(body)).into_response();
    if error.code == ErrorCode::InvalidToken {
        let value = format!(
            "Bearer error=\"invalid_token\", error_description=\"{}\"",
            error.description
        );
        if let Ok(v) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
    }
    response
}

/// `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1).
pub fn no_store() -> [(header::HeaderName, &'static str); 2] {
    [
        (header::CACHE_CONTROL, "no-store"),
        (header::PRAGMA, "no-cache"),
    ]
}

/// A JSON answer with no-store.
pub fn json<T: serde::Serialize>(value: &T) -> Response {
    (StatusCode::OK, no_store(), axum::Json(value)).into_response()
}

/// Keycloak's 404 for an unknown realm.
pub fn realm_not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({"error": "Realm does not exist"})),
    )
        .into_response()
}

/// Parses an `application/x-www-form-urlencoded` body; another content type is an empty form
/// (the handlers then name the missing parameter). A parameter given twice is refused (RFC
/// 6749 §3.1).
pub fn form(headers: &HeaderMap, body: &[u8]) -> Result<HashMap<String, String>, OAuthError> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    if !is_form {
        return Ok(HashMap::new());
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| OAuthError::invalid_request("Invalid form body"))?;
    let mut map = HashMap::new();
    for (k, v) in pairs {
        if map.contains_key(&k) {
            return Err(OAuthError::invalid_request(format!(
                "duplicated parameter: {k}"
            )));
        }
        map.insert(k, v);
    }
    Ok(map)
}

/// A query string as a map (the last value of a repeated parameter wins).
pub fn query(raw: Option<&str>) -> HashMap<String, String> {
    raw.and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .unwrap_or_default()
        .into_iter()
        .collect()
}

/// The value of a cookie.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: Secure, HttpOnly, SameSite=Lax, limited to `path`; an empty value
/// with `Max-Age=0` deletes it.
pub fn set_cookie(name: &str, value: &str, path: &str) -> HeaderValue {
    let expiry = if value.is_empty() { "; Max-Age=0" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; Secure; HttpOnly; SameSite=Lax{expiry}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// A 302 to `location` with extra headers.
pub fn redirect(location: &str, cookies: Vec<HeaderValue>) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    for c in cookies {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    response
}
