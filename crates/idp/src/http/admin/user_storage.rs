//! `/admin/realms/{realm}/user-storage/…` (an LDAP provider's full and changed-users syncs, a
//! mapper's sync, removing or unlinking its imported users) and `testLDAPConnection`, with
//! Keycloak's answers.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, StatusCode, header};
use serde::Deserialize;
use serde_json::json;

use super::super::{blocking, clock};
use super::access::EditRealm;
use super::answer::{AdminError, Answer, bad_request, body, no_content, not_found, ok_json};
use crate::flows::ldap;
use crate::http::respond;
use crate::model::{ModelError, USER_STORAGE};
use crate::provider::ldap::LdapError;
use crate::representation::components::SECRET_MASK;

/// Keycloak's 404 for an unknown component.
const COMPONENT_NOT_FOUND: &str = "Could not find component";

/// An LDAP provider's failure as the admin API answers it: 404 for what is gone, 400 for what
/// the provider or the LDAP server refuses, 502 when the server cannot be reached.
pub(super) fn ldap_error(e: LdapError) -> AdminError {
    match e {
        LdapError::NotFound(m) => not_found(m),
        LdapError::Directory(e) => e.into(),
        LdapError::Config(e) => bad_request(e.to_string()),
        LdapError::Refused(m) => bad_request(m),
        e => {
            tracing::warn!(error = %e, "LDAP");
            AdminError(
                StatusCode::BAD_GATEWAY,
                json!({"errorMessage": e.to_string()}),
            )
        }
    }
}

/// `POST …/user-storage/{id}/sync?action=triggerFullSync|triggerChangedUsersSync`.
pub(super) async fn sync(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Answer {
    let q = respond::query(raw.as_deref());
    let full = match q.get("action").map(String::as_str) {
        Some("triggerFullSync") => true,
        Some("triggerChangedUsersSync") => false,
        _ => return Err(not_found("Unknown action: null")),
    };
    at.realm()?;
    let provider = at.ctx.provider.clone();
    let realm = at.name.clone();
    blocking(move || provider.sync_federation(&realm, &id, full, clock::now()))
        .await
        .map_err(ldap_error)
        .and_then(|result| ok_json(&result))
}

/// The user storage provider `id` of the realm, as Keycloak looks it up.
fn storage(r: &crate::model::Realm, id: &str) -> Result<(), ModelError> {
    let c = r
        .component(id)
        .ok_or(ModelError::NotFound(COMPONENT_NOT_FOUND))?;
    if c.provider_type != USER_STORAGE {
        return Err(ModelError::NotFound("found, but not a UserStorageProvider"));
    }
    Ok(())
}

/// `POST …/user-storage/{id}/remove-imported-users`: the provider's users leave the realm
/// (LDAP keeps them; a login or sync imports them again).
pub(super) async fn remove_imported_users(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    at.change(move |r| {
        storage(r, &id)?;
        r.users
            .retain(|u| u.federation_link.as_deref() != Some(id.as_str()));
        Ok(())
    })
    .await?;
    no_content()
}

/// `POST …/user-storage/{id}/unlink-users`: the provider's users stay as local users, no longer
/// linked to it (no password of their own until one is set).
pub(super) async fn unlink_users(at: EditRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    at.change(move |r| {
        storage(r, &id)?;
        for u in &mut r.users {
            if u.federation_link.as_deref() == Some(id.as_str()) {
                u.federation_link = None;
            }
        }
        Ok(())
    })
    .await?;
    no_content()
}

/// `POST …/user-storage/{parent}/mappers/{id}/sync?direction=fedToKeycloak|keycloakToFed`.
pub(super) async fn sync_mapper(
    at: EditRealm,
    Path((_, parent, id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Answer {
    let q = respond::query(raw.as_deref());
    let direction = q.get("direction").cloned().unwrap_or_default();
    let fed_to_keycloak = match direction.as_str() {
        "fedToKeycloak" => true,
        "keycloakToFed" => false,
        _ => {
            at.realm()?;
            return Err(bad_request(format!("Unknown direction: {direction}")));
        }
    };
    at.realm()?;
    let provider = at.ctx.provider.clone();
    let realm = at.name.clone();
    blocking(move || provider.sync_mapper(&realm, &parent, &id, fed_to_keycloak))
        .await
        .map_err(ldap_error)
        .and_then(|result| ok_json(&result))
}

/// Keycloak's `TestLdapConnectionRepresentation` (its `useTruststoreSpi` is read and has no
/// effect: the truststore of `--truststore-paths` always applies).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct TestLdapConnection {
    action: Option<String>,
    connection_url: Option<String>,
    bind_dn: Option<String>,
    bind_credential: Option<String>,
    connection_timeout: Option<String>,
    component_id: Option<String>,
    start_tls: Option<String>,
    auth_type: Option<String>,
}

/// `POST …/testLDAPConnection` (JSON, or the admin console's older form): 204 when the server
/// answers (`testConnection`) or accepts the bind (`testAuthentication`), else 400 "LDAP test
/// error". A masked credential with `componentId` is the stored one.
pub(super) async fn test_connection(at: EditRealm, headers: HeaderMap, bytes: Bytes) -> Answer {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let t: TestLdapConnection = if form {
        serde_urlencoded::from_bytes(&bytes).map_err(|e| bad_request(e.to_string()))?
    } else {
        body(&bytes)?
    };
    let r = at.realm()?;
    let mut credential = t.bind_credential.clone().unwrap_or_default();
    if credential == SECRET_MASK
        && let Some(stored) = t
            .component_id
            .as_deref()
            .and_then(|id| r.component(id))
            .and_then(|c| c.config("bindCredential"))
    {
        credential = stored.to_string();
    }
    let bind = match t.action.as_deref() {
        Some("testConnection") => None,
        Some("testAuthentication") => match t.bind_dn.clone().filter(|d| !d.is_empty()) {
            Some(dn) if t.auth_type.as_deref() != Some("none") => Some((dn, credential)),
            _ => return Err(bad_request("LDAP test error")),
        },
        _ => return Err(bad_request("LDAP test error")),
    };
    let start_tls = t.start_tls.as_deref() == Some("true");
    let timeout = t.connection_timeout.and_then(|v| v.parse().ok());
    let probe = ldap::probe_settings(
        t.connection_url.as_deref().unwrap_or(""),
        start_tls,
        timeout,
        bind,
    )
    .map_err(|_| bad_request("LDAP test error"))?;
    let provider = at.ctx.provider.clone();
    if blocking(move || provider.test_ldap(probe)).await {
        no_content()
    } else {
        Err(bad_request("LDAP test error"))
    }
}
