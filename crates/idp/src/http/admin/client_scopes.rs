//! `/admin/realms/{realm}/client-scopes` (list, create, read, update, delete) and the realm's
//! `default-default-client-scopes` / `default-optional-client-scopes` (what new clients get).
//! Mappers: `mappers`; scope mappings: `role_mappings`.

use axum::body::Bytes;
use axum::extract::Path;
use serde_json::json;

use super::access::{EditRealm, ReadRealm};
use super::answer::{Answer, created, no_content, not_found, ok_json, strict};
use crate::model::{ModelError, Realm};
use crate::provider::RandomMinter;
use crate::representation::ClientScopeRepresentation;
use crate::representation::scopes::{scope_from, scope_to, update_scope};

/// Keycloak's 404 for a missing client scope.
const SCOPE_NOT_FOUND: &str = "Could not find client scope";

/// `GET …/client-scopes`.
pub(super) async fn list(ReadRealm(r): ReadRealm) -> Answer {
    let list: Vec<ClientScopeRepresentation> = r.client_scopes.iter().map(scope_to).collect();
    ok_json(&list)
}

/// `POST …/client-scopes`.
pub(super) async fn create(at: EditRealm, bytes: Bytes) -> Answer {
    let rep: ClientScopeRepresentation = strict(&bytes)?;
    let id = at
        .change(move |r| {
            if rep.name.is_empty() || rep.name.contains(' ') {
                return Err(ModelError::Invalid(
                    "Unexpected name \"".to_string() + &rep.name + "\" for ClientScope",
                )
                .into());
            }
            if r.client_scope(&rep.name).is_some() {
                return Err(ModelError::Exists(format!(
                    "Client Scope {} already exists",
                    rep.name
                ))
                .into());
            }
            let scope = scope_from(&rep, &mut RandomMinter);
            let id = scope.id.clone();
            r.client_scopes.push(scope);
            Ok(id)
        })
        .await?;
    created(at.location(&format!("client-scopes/{id}")))
}

/// `GET …/client-scopes/{id}`.
pub(super) async fn get(ReadRealm(r): ReadRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    let s = r
        .client_scopes
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| not_found(SCOPE_NOT_FOUND))?;
    ok_json(&scope_to(s))
}

/// `PUT …/client-scopes/{id}`: a rename follows into clients and the realm's lists.
pub(super) async fn update(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let rep: ClientScopeRepresentation = strict(&bytes)?;
    at.change(move |r| {
        let i = r
            .client_scopes
            .iter()
            .position(|s| s.id == id)
            .ok_or(ModelError::NotFound(SCOPE_NOT_FOUND))?;
        let old = r.client_scopes[i].name.clone();
        if !rep.name.is_empty() && rep.name != old && r.client_scope(&rep.name).is_some() {
            return Err(
                ModelError::Exists(format!("Client Scope {} already exists", rep.name)).into(),
            );
        }
        update_scope(&mut r.client_scopes[i], &rep, &mut RandomMinter);
        let new = r.client_scopes[i].name.clone();
        if new != old {
            rename(r, &old, &new);
        }
        Ok(())
    })
    .await?;
    no_content()
}

/// Renames a scope in the lists that name it.
fn rename(r: &mut Realm, old: &str, new: &str) {
    let lists = r
        .clients
        .iter_mut()
        .flat_map(|c| [&mut c.default_client_scopes, &mut c.optional_client_scopes])
        .chain([
            &mut r.default_default_client_scopes,
            &mut r.default_optional_client_scopes,
        ]);
    for list in lists {
        for name in list.iter_mut().filter(|n| *n == old) {
            *name = new.to_string();
        }
    }
}

/// `DELETE …/client-scopes/{id}`: refused while a client or the realm's defaults use it.
pub(super) async fn delete(at: EditRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    at.change(move |r| {
        let name = r
            .client_scopes
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.name.clone())
            .ok_or(ModelError::NotFound(SCOPE_NOT_FOUND))?;
        let used = r.clients.iter().any(|c| {
            c.default_client_scopes.contains(&name) || c.optional_client_scopes.contains(&name)
        }) || r.default_default_client_scopes.contains(&name)
            || r.default_optional_client_scopes.contains(&name);
        if used {
            return Err(ModelError::Invalid(
                "Cannot remove client scope, it is currently in use".into(),
            )
            .into());
        }
        r.client_scopes.retain(|s| s.id != id);
        Ok(())
    })
    .await?;
    no_content()
}

/// The realm's list of default (`optional` false) or optional scopes for new clients.
fn realm_list(r: &Realm, optional: bool) -> &Vec<String> {
    if optional {
        &r.default_optional_client_scopes
    } else {
        &r.default_default_client_scopes
    }
}

async fn list_defaults(r: &Realm, optional: bool) -> Answer {
    let list: Vec<serde_json::Value> = realm_list(r, optional)
        .iter()
        .filter_map(|n| r.client_scope(n))
        .map(|s| json!({"id": s.id, "name": s.name}))
        .collect();
    ok_json(&list)
}

async fn change_defaults(at: EditRealm, scope: String, optional: bool, add: bool) -> Answer {
    at.change(move |r| {
        let name = r
            .client_scopes
            .iter()
            .find(|s| s.id == scope)
            .map(|s| s.name.clone())
            .ok_or(ModelError::NotFound("Client scope not found"))?;
        r.default_default_client_scopes.retain(|n| *n != name);
        r.default_optional_client_scopes.retain(|n| *n != name);
        if add {
            if optional {
                r.default_optional_client_scopes.push(name);
            } else {
                r.default_default_client_scopes.push(name);
            }
        }
        Ok(())
    })
    .await?;
    no_content()
}

/// `GET …/default-default-client-scopes`.
pub(super) async fn defaults(ReadRealm(r): ReadRealm) -> Answer {
    list_defaults(&r, false).await
}

/// `GET …/default-optional-client-scopes`.
pub(super) async fn optionals(ReadRealm(r): ReadRealm) -> Answer {
    list_defaults(&r, true).await
}

/// `PUT …/default-default-client-scopes/{id}`.
pub(super) async fn add_default(at: EditRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    change_defaults(at, id, false, true).await
}

/// `DELETE …/default-default-client-scopes/{id}`.
pub(super) async fn remove_default(at: EditRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    change_defaults(at, id, false, false).await
}

/// `PUT …/default-optional-client-scopes/{id}`.
pub(super) async fn add_optional(at: EditRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    change_defaults(at, id, true, true).await
}

/// `DELETE …/default-optional-client-scopes/{id}`.
pub(super) async fn remove_optional(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    change_defaults(at, id, true, false).await
}
