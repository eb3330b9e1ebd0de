//! `/admin/realms/{realm}/clients`: clients with their secret, roles, protocol mappers and
//! service-account user.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use serde_json::json;

use super::access::{EditRealm, ReadRealm};
use super::answer::{
    AdminError, Answer, bad_request, body, created, no_content, not_found, ok_json,
};
use crate::directory::DirectoryError;
use crate::http::respond;
use crate::model::{Client, ModelError, Realm, Role};
use crate::provider::{RandomMinter, new_id, random_token};
use crate::representation::{
    self, ClientRepresentation, ProtocolMapperRepresentation, RoleRepresentation,
};

/// The client with this internal id, or Keycloak's 404.
pub(super) fn client_of<'r>(r: &'r Realm, id: &str) -> Result<&'r Client, AdminError> {
    r.client_by_id(id)
        .ok_or_else(|| not_found("Could not find client"))
}

/// The index of the client with this internal id.
fn client_index(r: &Realm, id: &str) -> Result<usize, DirectoryError> {
    r.clients
        .iter()
        .position(|c| c.id == id)
        .ok_or(DirectoryError::Model(ModelError::NotFound(
            "Could not find client",
        )))
}

/// `GET …/clients[?clientId=]`.
pub(super) async fn list(ReadRealm(r): ReadRealm, RawQuery(raw): RawQuery) -> Answer {
    let q = respond::query(raw.as_deref());
    let list: Vec<ClientRepresentation> = r
        .clients
        .iter()
        .filter(|c| q.get("clientId").is_none_or(|id| *id == c.client_id))
        .map(representation::client_to)
        .collect();
    ok_json(&list)
}

/// `POST …/clients`.
pub(super) async fn create(at: EditRealm, bytes: Bytes) -> Answer {
    let rep: ClientRepresentation = body(&bytes)?;
    let id = at
        .change(move |r| {
            let mut minter = RandomMinter;
            let mut client = representation::client_from(&rep, &mut minter);
            if rep.default_client_scopes.is_none() && rep.optional_client_scopes.is_none() {
                crate::defaults::assign_default_scopes(r, &mut client);
            }
            let id = client.id.clone();
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
    let rep: ClientRepresentation = body(&bytes)?;
    at.change(move |r| {
        let i = client_index(r, &id)?;
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
) -> Answer {
    let c = client_of(&r, &id)?;
    let list: Vec<RoleRepresentation> = c
        .roles
        .iter()
        .map(|x| representation::role_to(x, true, &c.id))
        .collect();
    ok_json(&list)
}

/// `POST …/clients/{id}/roles`.
pub(super) async fn create_role(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let rep: RoleRepresentation = body(&bytes)?;
    let name = rep.name.clone();
    let id2 = id.clone();
    at.change(move |r| {
        let i = client_index(r, &id2)?;
        let client = &mut r.clients[i];
        if rep.name.is_empty() {
            return Err(ModelError::Invalid("name is required".into()).into());
        }
        if client.roles.iter().any(|x| x.name == rep.name) {
            return Err(ModelError::Conflict {
                what: "Role",
                field: "name",
            }
            .into());
        }
        client
            .roles
            .push(Role::new(new_id(), &rep.name, rep.description.clone()));
        Ok(())
    })
    .await?;
    created(at.location(&format!("clients/{id}/roles/{name}")))
}

/// `GET …/clients/{id}/roles/{role}`.
pub(super) async fn role(
    ReadRealm(r): ReadRealm,
    Path((_, id, role)): Path<(String, String, String)>,
) -> Answer {
    let c = client_of(&r, &id)?;
    let x = c
        .roles
        .iter()
        .find(|x| x.name == role)
        .ok_or_else(|| not_found("Could not find role"))?;
    ok_json(&representation::role_to(x, true, &c.id))
}

/// `DELETE …/clients/{id}/roles/{role}`.
pub(super) async fn delete_role(
    at: EditRealm,
    Path((_, id, role)): Path<(String, String, String)>,
) -> Answer {
    at.change(move |r| {
        let i = client_index(r, &id)?;
        let before = r.clients[i].roles.len();
        r.clients[i].roles.retain(|x| x.name != role);
        if r.clients[i].roles.len() == before {
            return Err(ModelError::NotFound("Could not find role").into());
        }
        let client_id = r.clients[i].client_id.clone();
        r.forget_role(Some(&client_id), &role);
        Ok(())
    })
    .await?;
    no_content()
}

/// `GET …/clients/{id}/protocol-mappers/models`.
pub(super) async fn mappers(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    ok_json(&representation::client_to(client_of(&r, &id)?).protocol_mappers)
}

/// `POST …/clients/{id}/protocol-mappers/models`.
pub(super) async fn create_mapper(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let rep: ProtocolMapperRepresentation = body(&bytes)?;
    let mapper_id = new_id();
    let mapper_id2 = mapper_id.clone();
    let id2 = id.clone();
    at.change(move |r| {
        let i = client_index(r, &id2)?;
        let client = &mut r.clients[i];
        if client.protocol_mappers.iter().any(|m| m.name == rep.name) {
            return Err(ModelError::Conflict {
                what: "Protocol mapper",
                field: "name",
            }
            .into());
        }
        let mut mapper = representation::scopes::mapper_from(&rep, &mut RandomMinter);
        mapper.id = mapper_id2;
        client.protocol_mappers.push(mapper);
        Ok(())
    })
    .await?;
    created(at.location(&format!("clients/{id}/protocol-mappers/models/{mapper_id}")))
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
