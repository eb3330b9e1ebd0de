//! `/admin/realms/{realm}/organizations[/…]`: kubeward has no organizations. Every such URL
//! is answered as a Keycloak 26 realm without them (`organizationsEnabled` false, the default)
//! answers it: 404 `{"errorMessage":"Organizations not enabled for this realm."}`
//! (`Organizations.checkEnabled`).

use axum::http::StatusCode;
use serde_json::json;

use super::access::ReadRealm;
use super::answer::{AdminError, Answer};

/// Any method on `…/organizations` and below.
pub(super) async fn not_enabled(ReadRealm(_): ReadRealm) -> Answer {
    Err(AdminError(
        StatusCode::NOT_FOUND,
        json!({ "errorMessage": "Organizations not enabled for this realm." }),
    ))
}
