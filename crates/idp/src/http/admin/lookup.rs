//! Lookups several resources' handlers share: a client by its internal id, a session as
//! Keycloak's `UserSessionRepresentation`.

use serde_json::json;

use super::answer::{AdminError, not_found};
use crate::flows::refresh::Session;
use crate::model::{Client, Realm};

/// The client with this internal id, or Keycloak's 404.
pub(super) fn client_of<'r>(r: &'r Realm, id: &str) -> Result<&'r Client, AdminError> {
    r.client_by_id(id)
        .ok_or_else(|| not_found("Could not find client"))
}

/// Keycloak's `UserSessionRepresentation` of a session.
pub(super) fn session_json(r: &Realm, s: &Session) -> serde_json::Value {
    let clients: serde_json::Map<String, serde_json::Value> = s
        .families
        .values()
        .filter(|f| !f.revoked)
        .filter_map(|f| r.client(&f.client_id))
        .map(|c| (c.id.clone(), json!(c.client_id)))
        .collect();
    json!({
        "id": s.id,
        "username": r.user(&s.user_id).map(|u| u.username.clone()).unwrap_or_default(),
        "userId": s.user_id,
        "ipAddress": "",
        "start": s.started * 1000,
        "lastAccess": s.last_refresh * 1000,
        "rememberMe": false,
        "clients": clients,
        "transientUser": false,
    })
}
