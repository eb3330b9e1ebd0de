//! `/admin/realms/{realm}/clients/{id}/authz/…`: Keycloak's Authorization Services (resource
//! servers, resources, scopes, policies, permissions), which kubeward does not have. It answers
//! as a Keycloak 26 with the `authorization` feature disabled: the client is looked up first
//! (404 `Could not find client`), then every such URL is 501 `Feature not enabled`
//! (`ProfileHelper.requireFeature`); `authorizationServicesEnabled` and
//! `authorizationSettings` on a client are ignored (`representation`).

use axum::extract::Path;
use axum::http::StatusCode;
use serde_json::json;

use super::access::ReadRealm;
use super::answer::{AdminError, Answer};
use super::lookup::client_of;
use super::unmatched::DESCRIPTION;

/// `…/clients/{id}/authz` and everything under it, any method.
pub(super) async fn not_enabled(
    ReadRealm(r): ReadRealm,
    Path((_, id, _)): Path<(String, String, String)>,
) -> Answer {
    client_of(&r, &id)?;
    Err(AdminError(
        StatusCode::NOT_IMPLEMENTED,
        json!({ "error": "Feature not enabled", "error_description": DESCRIPTION }),
    ))
}
