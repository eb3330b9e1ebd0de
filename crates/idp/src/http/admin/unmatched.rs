//! What Keycloak 26 answers for a request no resource method takes: 404 for a path it does not
//! serve, 405 for a method a served path does not take, each with its error handler's JSON body
//! (`{"error": …, "error_description": …}`). Under `/admin/realms` the caller's token is
//! checked and the realm looked up first, as Keycloak's resource locators do before the method
//! is matched: 401 or 403 without an admin's token, 404 "Realm not found." for an unknown realm.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::super::Ctx;
use super::access::authorize;
use super::answer::{AdminError, REALM_NOT_FOUND, not_found};

/// Keycloak's `error` for a path no resource method matches.
pub const NO_RESOURCE: &str = "Unable to find matching target resource method";

/// Keycloak's `error` for a method the path does not take.
pub const NO_METHOD: &str = "HTTP 405 Method Not Allowed";

/// The `error_description` of every error Keycloak's error handler answers.
pub const DESCRIPTION: &str = "For more on this error consult the server log at the debug level.";

/// The admin realm a path names, when it is under `[/auth]/admin/realms`: `Some(None)` for
/// `/admin/realms` itself, `Some(Some(name))` under a realm's path.
fn admin_realm(path: &str) -> Option<Option<&str>> {
    let path = path.strip_prefix("/auth").unwrap_or(path);
    let rest = path.strip_prefix("/admin/realms")?;
    if rest.is_empty() || rest == "/" {
        return Some(None);
    }
    let rest = rest.strip_prefix('/')?;
    let name = rest.split('/').next().unwrap_or_default();
    Some((!name.is_empty()).then_some(name))
}

/// The answer to `request`, which no handler took: `status` is 404 (no such path) or 405 (no
/// such method on it).
pub async fn answer(ctx: Arc<Ctx>, request: Request, status: StatusCode) -> Response {
    let path = request.uri().path().to_string();
    if let Some(realm) = admin_realm(&path) {
        if let Err(refused) = authorize(&ctx, request.headers()).await {
            return refused.into_response();
        }
        if let Some(name) = realm
            && ctx.provider.directory().realm(name).is_none()
        {
            return not_found(REALM_NOT_FOUND).into_response();
        }
    }
    let error = if status == StatusCode::METHOD_NOT_ALLOWED {
        NO_METHOD
    } else {
        NO_RESOURCE
    };
    AdminError(
        status,
        json!({ "error": error, "error_description": DESCRIPTION }),
    )
    .into_response()
}

#[cfg(test)]
mod tests;
