//! `/admin/realms/{realm}/clients`: clients with their secret, roles, client scopes, sessions
//! and service-account user (protocol mappers: `mappers`, scope mappings: `role_mappings`).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use serde_json::json;

use super::super::{blocking, clock};
use super::access::{EditRealm, ReadRealm};
use super::answer::{Answer, Page, bad_request, created, no_content, ok_json, strict};
use super::lookup::client_of;
use super::lookup::session_json;
use super::roles::{self, Container};
use crate::directory::DirectoryError;
use crate::http::respond;
use crate::model::{Client, ModelError, Realm};
use crate::provider::lifetimes::session_lifetimes;
use crate::provider::{RandomMinter, random_token};
use crate::representation::{self, ClientRepresentation};

/// The index of the client with this internal id.
fn client_index(r: &Realm, id: &str) -> Result<usize, DirectoryError> {
    r.clients
        .iter()
        .position(|c| c.id == id)
        .ok_or(DirectoryError::Model(ModelError::NotFound(
            "Could not find client",
        )))
}

/// `GET …/clients[?clientId=&search=&first=&max=]`: `clientId` exact, or with `search=true` a
/// substring.
pub(super) async fn list(ReadRealm(r): ReadRealm, RawQuery(raw): RawQuery) -> Answer {
    let q = respond::query(raw.as_deref());
    let search = q
        .get("search")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let matching = r.clients.iter().filter(|c| {
        q.get("clientId").is_none_or(|id| {
            if search {
                c.client_id.to_lowercase().contains(&id.to_lowercase())
            } else {
                *id == c.client_id
            }
        })
    });
    let list: Vec<ClientRepresentation> = Page::of(&q, None)
        .apply(matching)
        .map(representation::client_to)
        .collect();
    ok_json(&list)
}

/// `POST …/clients`.
pub(super) async fn create(at: EditRealm, bytes: Bytes) -> Answer {
    let rep: ClientRepresentation = strict(&bytes)?;
    let id = at
        .change(move |r| {
            let mut minter = RandomMinter;
            let mut client = representation::client_from(&rep, &mut minter);
            if rep.default_client_scopes.is_none() && rep.optional_client_scopes.is_none() {
                crate::defaults::assign_default_scopes(r, &mut client);
            }
            let id = client.id.clone();
            if r.client(&client.client_id).is_some() {
                return Err(ModelError::Exists(format!(
                    "Client {} already exists",
                    client.client_id
                ))
                .into());
            }
            r.add_client(client)?;
            representation::ensure_service_accounts(r, &mut minter);
            Ok(id)
        })
        .await?;
    created(at.location(&format!("clients/{id}")))
}

/// `GET …/clients/{id}`.
pub(super) async fn get(ReadRealm(r): ReadRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    ok_json(&representation::client_to(client_of(&r, &id)?))
}

/// `PUT …/clients/{id}`.
pub(super) async fn update(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let rep: ClientRepresentation = strict(&bytes)?;
    at.change(move |r| {
        let i = client_index(r, &id)?;
        if r.clients
            .iter()
            .any(|c| c.client_id == rep.client_id && c.id != id)
        {
            return Err(
                ModelError::Exists(format!("Client {} already exists", rep.client_id)).into(),
            );
        }
        let mut minter = RandomMinter;
        representation::update_client(&mut r.clients[i], &rep, &mut minter);
        representation::ensure_service_accounts(r, &mut minter);
        Ok(())
    })
    .await?;
    no_content()
}

/// `DELETE …/clients/{id}` (with its service-account user).
pub(super) async fn delete(at: EditRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    at.change(move |r| {
        let i = client_index(r, &id)?;
        let removed = r.clients.remove(i);
        r.users
            .retain(|u| u.service_account_client_id.as_deref() != Some(removed.client_id.as_str()));
        Ok(())
    })
    .await?;
    no_content()
}

/// `GET …/clients/{id}/client-secret`.
pub(super) async fn secret(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    let c = client_of(&r, &id)?;
    ok_json(&json!({"type": "secret", "value": c.secret}))
}

/// `POST …/clients/{id}/client-secret`: a new secret.
pub(super) async fn regenerate_secret(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    let secret = at
        .change(move |r| {
            let i = client_index(r, &id)?;
            let secret = random_token(24);
            r.clients[i].secret = Some(secret.clone());
            Ok(secret)
        })
        .await?;
    ok_json(&json!({"type": "secret", "value": secret}))
}

/// `GET …/clients/{id}/roles`.
pub(super) async fn roles(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Answer {
    roles::list_in(&r, &Container::Client(id), &respond::query(raw.as_deref()))
}

/// `POST …/clients/{id}/roles`.
pub(super) async fn create_role(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    roles::create_in(&at, Container::Client(id), &bytes).await
}

/// `GET …/clients/{id}/roles/{role}`.
pub(super) async fn role(
    ReadRealm(r): ReadRealm,
    Path((_, id, role)): Path<(String, String, String)>,
) -> Answer {
    roles::get_in(&r, &Container::Client(id), &role)
}

/// `PUT …/clients/{id}/roles/{role}`.
pub(super) async fn update_role(
    at: EditRealm,
    Path((_, id, role)): Path<(String, String, String)>,
    bytes: Bytes,
) -> Answer {
    roles::update_in(&at, Container::Client(id), role, &bytes).await
}

/// `DELETE …/clients/{id}/roles/{role}`.
pub(super) async fn delete_role(
    at: EditRealm,
    Path((_, id, role)): Path<(String, String, String)>,
) -> Answer {
    roles::delete_in(&at, Container::Client(id), role).await
}

/// `GET …/clients/{id}/roles/{role}/composites`.
pub(super) async fn role_composites(
    ReadRealm(r): ReadRealm,
    Path((_, id, role)): Path<(String, String, String)>,
) -> Answer {
    roles::composites_in(&r, &Container::Client(id), &role, None)
}

/// `POST …/clients/{id}/roles/{role}/composites`.
pub(super) async fn add_role_composites(
    at: EditRealm,
    Path((_, id, role)): Path<(String, String, String)>,
    bytes: Bytes,
) -> Answer {
    roles::change_composites_in(&at, Container::Client(id), role, &bytes, true).await
}

/// `DELETE …/clients/{id}/roles/{role}/composites`.
pub(super) async fn remove_role_composites(
    at: EditRealm,
    Path((_, id, role)): Path<(String, String, String)>,
    bytes: Bytes,
) -> Answer {
    roles::change_composites_in(&at, Container::Client(id), role, &bytes, false).await
}

/// `GET …/clients/{id}/roles/{role}/users`.
pub(super) async fn role_users(
    ReadRealm(r): ReadRealm,
    Path((_, id, role)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Answer {
    roles::users_in(
        &r,
        &Container::Client(id),
        &role,
        &respond::query(raw.as_deref()),
    )
}

/// `GET …/clients/{id}/roles/{role}/groups`.
pub(super) async fn role_groups(
    ReadRealm(r): ReadRealm,
    Path((_, id, role)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Answer {
    roles::groups_in(
        &r,
        &Container::Client(id),
        &role,
        &respond::query(raw.as_deref()),
    )
}

/// `GET …/clients/{id}/user-sessions`: the SSO sessions the client takes part in.
pub(super) async fn user_sessions(at: EditRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    let r = at.realm()?;
    let client_id = client_of(&r, &id)?.client_id.clone();
    let provider = at.ctx.provider.clone();
    let name = r.name.clone();
    let all = blocking(move || provider.directory().sessions(&name)).await?;
    let now = clock::now();
    let list: Vec<serde_json::Value> = all
        .iter()
        .filter(|s| !s.offline && s.active(session_lifetimes(&r, s), now))
        .filter(|s| {
            s.families
                .values()
                .any(|f| f.client_id == client_id && !f.revoked)
        })
        .map(|s| session_json(&r, s))
        .collect();
    ok_json(&list)
}

/// The client scopes a client has as defaults (`optional` false) or optional scopes.
fn client_scope_list(r: &Realm, c: &Client, optional: bool) -> Vec<serde_json::Value> {
    let names = if optional {
        &c.optional_client_scopes
    } else {
        &c.default_client_scopes
    };
    names
        .iter()
        .filter_map(|n| r.client_scope(n))
        .map(|s| json!({"id": s.id, "name": s.name}))
        .collect()
}

/// `GET …/clients/{id}/default-client-scopes`.
pub(super) async fn default_scopes(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    ok_json(&client_scope_list(&r, client_of(&r, &id)?, false))
}

/// `GET …/clients/{id}/optional-client-scopes`.
pub(super) async fn optional_scopes(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    ok_json(&client_scope_list(&r, client_of(&r, &id)?, true))
}

/// Adds or removes a client scope (by id) as a default or optional scope of a client.
async fn change_client_scope(
    at: EditRealm,
    id: String,
    scope: String,
    optional: bool,
    add: bool,
) -> Answer {
    at.change(move |r| {
        let name = r
            .client_scopes
            .iter()
            .find(|s| s.id == scope)
            .map(|s| s.name.clone())
            .ok_or(ModelError::NotFound("Client scope not found"))?;
        let i = client_index(r, &id)?;
        let c = &mut r.clients[i];
        c.default_client_scopes.retain(|n| *n != name);
        c.optional_client_scopes.retain(|n| *n != name);
        if add {
            if optional {
                c.optional_client_scopes.push(name);
            } else {
                c.default_client_scopes.push(name);
            }
        }
        Ok(())
    })
    .await?;
    no_content()
}

/// `PUT …/clients/{id}/default-client-scopes/{scope}`.
pub(super) async fn add_default_scope(
    at: EditRealm,
    Path((_, id, scope)): Path<(String, String, String)>,
) -> Answer {
    change_client_scope(at, id, scope, false, true).await
}

/// `DELETE …/clients/{id}/default-client-scopes/{scope}`.
pub(super) async fn remove_default_scope(
    at: EditRealm,
    Path((_, id, scope)): Path<(String, String, String)>,
) -> Answer {
    change_client_scope(at, id, scope, false, false).await
}

/// `PUT …/clients/{id}/optional-client-scopes/{scope}`.
pub(super) async fn add_optional_scope(
    at: EditRealm,
    Path((_, id, scope)): Path<(String, String, String)>,
) -> Answer {
    change_client_scope(at, id, scope, true, true).await
}

/// `DELETE …/clients/{id}/optional-client-scopes/{scope}`.
pub(super) async fn remove_optional_scope(
    at: EditRealm,
    Path((_, id, scope)): Path<(String, String, String)>,
) -> Answer {
    change_client_scope(at, id, scope, true, false).await
}

/// `GET …/clients/{id}/service-account-user`.
pub(super) async fn service_account_user(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    let c = client_of(&r, &id)?;
    let u = r
        .users
        .iter()
        .find(|u| u.service_account_client_id.as_deref() == Some(c.client_id.as_str()))
        .ok_or_else(|| bad_request("Service account not enabled for the client"))?;
    ok_json(&representation::user_to(u))
}
