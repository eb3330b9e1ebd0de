//! The admin API's answers: Keycloak's error bodies and statuses, JSON bodies, `201 Created`
//! with its `Location`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::super::Ctx;
use crate::directory::DirectoryError;
use crate::model::ModelError;

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

/// A JSON request body.
pub(super) fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AdminError> {
    serde_json::from_slice(bytes).map_err(|e| bad_request(format!("Invalid JSON: {e}")))
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
