//! Keycloak's login events (`LOGIN`, `LOGIN_ERROR`, `CODE_TO_TOKEN`, `REFRESH_TOKEN`, `LOGOUT`,
//! …) and admin events, kept per realm in a bounded log (the newest [`CAPACITY`] of each kind)
//! when the realm's event settings turn them on, as Keycloak's `EventRepresentation` and
//! `AdminEventRepresentation`. The log is data; the provider records into it and the directory
//! stores it.

pub mod listener;

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::EventsConfig;

/// How many events of each kind a realm keeps.
pub const CAPACITY: usize = 1000;

/// A login event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Id (uuid).
    pub id: String,
    /// Milliseconds since the epoch.
    pub time: u64,
    /// `LOGIN`, `LOGIN_ERROR`, `CODE_TO_TOKEN`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The realm's id.
    pub realm_id: String,
    /// The client's `clientId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The user's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The SSO session's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The caller's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// Keycloak's error code (`invalid_user_credentials`, …) for `*_ERROR` events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `grant_type`, `username`, `auth_method`, …
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, String>,
}

/// An admin event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminEvent {
    /// Id (uuid).
    pub id: String,
    /// Milliseconds since the epoch.
    pub time: u64,
    /// The realm's id.
    pub realm_id: String,
    /// Who: `realmId`, `clientId`, `userId` of the admin's token.
    pub auth_details: BTreeMap<String, String>,
    /// `CREATE`, `UPDATE`, `DELETE`, `ACTION`.
    pub operation_type: String,
    /// `USER`, `GROUP`, `CLIENT`, `REALM_ROLE`, …
    pub resource_type: String,
    /// The path under the realm (`users/<id>`).
    pub resource_path: String,
    /// The request body, when the realm records details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub representation: Option<String>,
}

/// A realm's events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RealmEvents {
    /// Login events, oldest first.
    pub login: VecDeque<Event>,
    /// Admin events, oldest first.
    pub admin: VecDeque<AdminEvent>,
}

impl RealmEvents {
    /// Records a login event if the realm records its type; drops the oldest past capacity and
    /// those past the realm's expiration. Returns whether it was kept.
    pub fn record(&mut self, config: &EventsConfig, event: Event) -> bool {
        let wanted = config.events_enabled
            && (config.enabled_event_types.is_empty()
                || config.enabled_event_types.contains(&event.kind));
        if !wanted {
            return false;
        }
        if let Some(seconds) = config.events_expiration {
            let oldest = event.time.saturating_sub(seconds * 1000);
            self.login.retain(|e| e.time >= oldest);
        }
        self.login.push_back(event);
        while self.login.len() > CAPACITY {
            self.login.pop_front();
        }
        true
    }

    /// Records an admin event if the realm records them (the body only with details on).
    pub fn record_admin(&mut self, config: &EventsConfig, mut event: AdminEvent) -> bool {
        if !config.admin_events_enabled {
            return false;
        }
        if !config.admin_events_details_enabled {
            event.representation = None;
        }
        self.admin.push_back(event);
        while self.admin.len() > CAPACITY {
            self.admin.pop_front();
        }
        true
    }
}

/// Keycloak's filters of `GET …/events`: `type` (repeatable, comma-joined here), `client`,
/// `user`, `dateFrom`/`dateTo` (`yyyy-MM-dd`, as days since the epoch by the caller), newest
/// first.
pub fn query<'e>(events: &'e RealmEvents, q: &HashMap<String, String>) -> Vec<&'e Event> {
    let types: Vec<&str> = q
        .get("type")
        .map(|t| t.split(',').collect())
        .unwrap_or_default();
    events
        .login
        .iter()
        .rev()
        .filter(|e| types.is_empty() || types.contains(&e.kind.as_str()))
        .filter(|e| {
            q.get("client")
                .is_none_or(|c| e.client_id.as_ref() == Some(c))
        })
        .filter(|e| q.get("user").is_none_or(|u| e.user_id.as_ref() == Some(u)))
        .filter(|e| {
            q.get("ipAddress")
                .is_none_or(|a| e.ip_address.as_ref() == Some(a))
        })
        .collect()
}

/// `GET …/admin-events` filters: `operationTypes`, `resourceTypes`, `resourcePath` (a prefix
/// with `*`), `authUser`, `authClient`; newest first.
pub fn query_admin<'e>(
    events: &'e RealmEvents,
    q: &HashMap<String, String>,
) -> Vec<&'e AdminEvent> {
    let list =
        |k: &str| -> Vec<&str> { q.get(k).map(|t| t.split(',').collect()).unwrap_or_default() };
    let (ops, kinds) = (list("operationTypes"), list("resourceTypes"));
    events
        .admin
        .iter()
        .rev()
        .filter(|e| ops.is_empty() || ops.contains(&e.operation_type.as_str()))
        .filter(|e| kinds.is_empty() || kinds.contains(&e.resource_type.as_str()))
        .filter(|e| {
            q.get("resourcePath")
                .is_none_or(|p| match p.strip_suffix('*') {
                    Some(prefix) => e.resource_path.starts_with(prefix),
                    None => e.resource_path == *p,
                })
        })
        .filter(|e| {
            q.get("authUser")
                .is_none_or(|u| e.auth_details.get("userId") == Some(u))
        })
        .filter(|e| {
            q.get("authClient")
                .is_none_or(|c| e.auth_details.get("clientId") == Some(c))
        })
        .collect()
}

/// Keycloak's resource type of an admin path under a realm (`users/…` → `USER`).
pub fn resource_type(path: &str) -> &'static str {
    let mut parts = path.split('/');
    let first = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    let has = |s: &str| rest.contains(&s);
    match first {
        _ if has("role-mappings") => "REALM_ROLE_MAPPING",
        _ if has("scope-mappings") => "REALM_SCOPE_MAPPING",
        _ if has("protocol-mappers") => "PROTOCOL_MAPPER",
        "users" if has("groups") => "GROUP_MEMBERSHIP",
        "users" => "USER",
        "groups" => "GROUP",
        "clients" if has("roles") => "CLIENT_ROLE",
        "clients" => "CLIENT",
        "roles" | "roles-by-id" => "REALM_ROLE",
        "client-scopes" | "default-default-client-scopes" | "default-optional-client-scopes" => {
            "CLIENT_SCOPE"
        }
        "identity-provider" => "IDENTITY_PROVIDER",
        "components" | "user-storage" => "COMPONENT",
        "authentication" => "AUTH_FLOW",
        "attack-detection" => "USER_LOGIN_FAILURE",
        "partialImport" => "REALM",
        _ => "REALM",
    }
}

/// A JSON value as the text Keycloak keeps in `representation`.
pub fn representation(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<Value>(body)
        .ok()
        .map(|v| v.to_string())
}

#[cfg(test)]
mod tests;
