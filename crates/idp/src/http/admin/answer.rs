//! The admin API's answers: Keycloak's error bodies and statuses, JSON bodies, `201 Created`
//! with its `Location`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::super::Ctx;
use crate::directory::DirectoryError;
use crate::model::ModelError;
use crate::representation::fields::{Known, unknown_field};

/// An admin API error: status and Keycloak's body.
pub(super) struct AdminError(pub(super) StatusCode, pub(super) Value);

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        (self.0, axum::Json(self.1)).into_response()
    }
}

/// What an admin handler answers.
pub(super) type Answer = Result<Response, AdminError>;

/// Keycloak's 404 message for an unknown realm.
pub(super) const REALM_NOT_FOUND: &str = "Realm not found.";

/// Keycloak's 404 message for an unknown user.
pub(super) const USER_NOT_FOUND: &str = "User not found";

/// 404 `{"error": <Keycloak's message>}`.
pub(super) fn not_found(message: &str) -> AdminError {
    AdminError(StatusCode::NOT_FOUND, json!({ "error": message }))
}

/// 400 `{"errorMessage": …}`.
pub(super) fn bad_request(message: impl Into<String>) -> AdminError {
    AdminError(
        StatusCode::BAD_REQUEST,
        json!({ "errorMessage": message.into() }),
    )
}

/// 400 `{"error": …}`: Keycloak's answer to a `BadRequestException` it throws with a message.
pub(super) fn refused(message: &str) -> AdminError {
    AdminError(StatusCode::BAD_REQUEST, json!({ "error": message }))
}

impl From<DirectoryError> for AdminError {
    fn from(e: DirectoryError) -> Self {
        match e {
            DirectoryError::RealmNotFound => not_found(REALM_NOT_FOUND),
            DirectoryError::RealmExists => AdminError(
                StatusCode::CONFLICT,
                json!({ "errorMessage": "Conflict detected. See logs for details" }),
            ),
            DirectoryError::Model(ModelError::Conflict { what, field }) => AdminError(
                StatusCode::CONFLICT,
                json!({ "errorMessage": format!("{what} exists with same {field}") }),
            ),
            DirectoryError::Model(ModelError::Exists(message)) => exists(message),
            DirectoryError::Model(ModelError::NotFound(what)) => not_found(what),
            DirectoryError::Model(ModelError::Invalid(message)) => bad_request(message),
            other => {
                tracing::error!(error = %other, "admin API");
                AdminError(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"error": "unknown_error"}),
                )
            }
        }
    }
}

/// 409 `{"errorMessage": …}` (Keycloak's `ErrorResponse.exists`).
pub(super) fn exists(message: impl Into<String>) -> AdminError {
    AdminError(
        StatusCode::CONFLICT,
        json!({ "errorMessage": message.into() }),
    )
}

/// A JSON request body.
pub(super) fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AdminError> {
    serde_json::from_slice(bytes).map_err(|e| bad_request(format!("Invalid JSON: {e}")))
}

/// A JSON request body of a Keycloak representation class: a field the class does not have is
/// refused as Keycloak refuses it (400 `{"error":"Unrecognized field …"}`).
pub(super) fn strict<T: DeserializeOwned + Known>(bytes: &[u8]) -> Result<T, AdminError> {
    let rep: T = body(bytes)?;
    match unknown_field(&rep) {
        Some(message) => Err(AdminError(
            StatusCode::BAD_REQUEST,
            json!({ "error": message }),
        )),
        None => Ok(rep),
    }
}

/// A list of representations, each checked as [`strict`] checks one.
pub(super) fn strict_list<T: DeserializeOwned + Known>(bytes: &[u8]) -> Result<Vec<T>, AdminError> {
    let reps: Vec<T> = body(bytes)?;
    if let Some(message) = reps.iter().find_map(unknown_field) {
        return Err(AdminError(
            StatusCode::BAD_REQUEST,
            json!({ "error": message }),
        ));
    }
    Ok(reps)
}

/// Keycloak's `first` and `max` query parameters: a negative or missing `first` is 0, a
/// negative `max` (or a missing one without a default) is no limit.
#[derive(Debug, Clone, Copy)]
pub(super) struct Page {
    first: usize,
    max: Option<usize>,
}

impl Page {
    /// The page a query asks for; `default_max` when it names no `max`.
    pub(super) fn of(q: &HashMap<String, String>, default_max: Option<usize>) -> Self {
        let number = |k: &str| q.get(k).and_then(|v| v.trim().parse::<i64>().ok());
        Self {
            first: number("first").map_or(0, |f| usize::try_from(f).unwrap_or(0)),
            max: match number("max") {
                Some(m) if m < 0 => None,
                Some(m) => usize::try_from(m).ok(),
                None => default_max,
            },
        }
    }

    /// The position of the page's first item among every item.
    pub(super) fn first(&self) -> usize {
        self.first
    }

    /// Where the page ends among every item (`first + max`; `None`: with the last).
    pub(super) fn end(&self) -> Option<usize> {
        self.max.map(|max| self.first.saturating_add(max))
    }

    /// The items of this page.
    pub(super) fn apply<I: Iterator>(self, items: I) -> impl Iterator<Item = I::Item> {
        items.skip(self.first).take(self.max.unwrap_or(usize::MAX))
    }

    /// The items of this page of `items` in `compare`'s order, sorting only the page: the
    /// `first + max` smallest are selected in linear time, then the page among them, then only
    /// it is sorted. `compare` must be a total order without ties (usernames, ids).
    pub(super) fn of_sorted<T>(
        self,
        mut items: Vec<T>,
        compare: impl Fn(&T, &T) -> std::cmp::Ordering,
    ) -> Vec<T> {
        let end = self
            .max
            .map_or(items.len(), |max| self.first.saturating_add(max))
            .min(items.len());
        if self.first >= end {
            return Vec::new();
        }
        if end < items.len() {
            items.select_nth_unstable_by(end, &compare);
            items.truncate(end);
        }
        if self.first > 0 {
            items.select_nth_unstable_by(self.first, &compare);
        }
        let mut page = items.split_off(self.first);
        page.sort_unstable_by(&compare);
        page
    }
}

/// `briefRepresentation` of a query (`default` when absent).
pub(super) fn brief(q: &HashMap<String, String>, default: bool) -> bool {
    q.get("briefRepresentation")
        .map_or(default, |v| v.eq_ignore_ascii_case("true"))
}

/// 200 with a JSON body.
pub(super) fn ok_json<T: serde::Serialize>(value: &T) -> Answer {
    Ok((StatusCode::OK, axum::Json(value)).into_response())
}

/// 204.
pub(super) fn no_content() -> Answer {
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// 201 with `Location: <location>`.
pub(super) fn created(location: String) -> Answer {
    let mut response = StatusCode::CREATED.into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// The URL of an admin resource: `<public url>[/auth]/admin/realms/<path>`.
pub(super) fn location(ctx: &Ctx, path: &str) -> String {
    format!("{}{}/admin/realms/{path}", ctx.public_url, ctx.prefix)
}

#[cfg(test)]
mod tests;
