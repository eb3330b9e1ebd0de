//! Protocol mappers with their ids, of clients (`/clients/{id}/protocol-mappers/…`) and of client
//! scopes (`/client-scopes/{id}/protocol-mappers/…`): list, create (one, or several with
//! `add-models`), read, update, delete. One set of handlers serves both through [`Owner`].

use axum::body::Bytes;
use axum::extract::Path;

use super::access::{EditRealm, ReadRealm};
use super::answer::{Answer, created, no_content, not_found, ok_json, strict, strict_list};
use crate::model::{ModelError, ProtocolMapper, Realm};
use crate::provider::RandomMinter;
use crate::representation::ProtocolMapperRepresentation;
use crate::representation::scopes::{mapper_from, mapper_to};

/// What has protocol mappers: clients or client scopes.
pub(super) trait Owner: Send + 'static {
    /// Keycloak's 404 words when the id names none.
    const NOT_FOUND: &'static str;
    /// The path segment of its collection (`clients`, `client-scopes`).
    const PATH: &'static str;
    /// The mappers and protocol of the owner with this id.
    fn mappers<'r>(r: &'r Realm, id: &str) -> Option<(&'r [ProtocolMapper], &'r str)>;
    /// The same, to change.
    fn mappers_mut<'r>(r: &'r mut Realm, id: &str) -> Option<&'r mut Vec<ProtocolMapper>>;
}

/// Clients' mappers.
pub(super) struct OfClient;

/// Client scopes' mappers.
pub(super) struct OfScope;

impl Owner for OfClient {
    const NOT_FOUND: &'static str = "Could not find client";
    const PATH: &'static str = "clients";
    fn mappers<'r>(r: &'r Realm, id: &str) -> Option<(&'r [ProtocolMapper], &'r str)> {
        r.client_by_id(id)
            .map(|c| (c.protocol_mappers.as_slice(), "openid-connect"))
    }
    fn mappers_mut<'r>(r: &'r mut Realm, id: &str) -> Option<&'r mut Vec<ProtocolMapper>> {
        r.clients
            .iter_mut()
            .find(|c| c.id == id)
            .map(|c| &mut c.protocol_mappers)
    }
}

impl Owner for OfScope {
    const NOT_FOUND: &'static str = "Could not find client scope";
    const PATH: &'static str = "client-scopes";
    fn mappers<'r>(r: &'r Realm, id: &str) -> Option<(&'r [ProtocolMapper], &'r str)> {
        r.client_scopes
            .iter()
            .find(|s| s.id == id)
            .map(|s| (s.protocol_mappers.as_slice(), s.protocol.as_str()))
    }
    fn mappers_mut<'r>(r: &'r mut Realm, id: &str) -> Option<&'r mut Vec<ProtocolMapper>> {
        r.client_scopes
            .iter_mut()
            .find(|s| s.id == id)
            .map(|s| &mut s.protocol_mappers)
    }
}

/// Keycloak's 404 for a missing mapper.
const MAPPER_NOT_FOUND: &str = "Model not found";

/// `GET …/protocol-mappers/models`.
pub(super) async fn list<O: Owner>(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    let (mappers, protocol) = O::mappers(&r, &id).ok_or_else(|| not_found(O::NOT_FOUND))?;
    let list: Vec<ProtocolMapperRepresentation> =
        mappers.iter().map(|m| mapper_to(m, protocol)).collect();
    ok_json(&list)
}

/// Adds mappers to an owner, refusing a taken name; returns their ids.
async fn add<O: Owner>(
    at: &EditRealm,
    id: String,
    reps: Vec<ProtocolMapperRepresentation>,
) -> Result<Vec<String>, super::answer::AdminError> {
    at.change(move |r| {
        let mappers = O::mappers_mut(r, &id).ok_or(ModelError::NotFound(O::NOT_FOUND))?;
        let mut ids = Vec::new();
        for rep in &reps {
            if mappers.iter().any(|m| m.name == rep.name) {
                return Err(
                    ModelError::Exists("Protocol mapper exists with same name".into()).into(),
                );
            }
            let mut mapper = mapper_from(rep, &mut RandomMinter);
            if mappers.iter().any(|m| m.id == mapper.id) {
                mapper.id = crate::provider::new_id();
            }
            ids.push(mapper.id.clone());
            mappers.push(mapper);
        }
        Ok(ids)
    })
    .await
}

/// `POST …/protocol-mappers/models`.
pub(super) async fn create<O: Owner>(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let rep: ProtocolMapperRepresentation = strict(&bytes)?;
    let ids = add::<O>(&at, id.clone(), vec![rep]).await?;
    let mapper = ids.first().cloned().unwrap_or_default();
    created(at.location(&format!(
        "{}/{id}/protocol-mappers/models/{mapper}",
        O::PATH
    )))
}

/// `POST …/protocol-mappers/add-models`.
pub(super) async fn create_many<O: Owner>(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let reps: Vec<ProtocolMapperRepresentation> = strict_list(&bytes)?;
    add::<O>(&at, id, reps).await?;
    no_content()
}

/// `GET …/protocol-mappers/models/{mapper}`.
pub(super) async fn get<O: Owner>(
    ReadRealm(r): ReadRealm,
    Path((_, id, mapper)): Path<(String, String, String)>,
) -> Answer {
    let (mappers, protocol) = O::mappers(&r, &id).ok_or_else(|| not_found(O::NOT_FOUND))?;
    let m = mappers
        .iter()
        .find(|m| m.id == mapper)
        .ok_or_else(|| not_found(MAPPER_NOT_FOUND))?;
    ok_json(&mapper_to(m, protocol))
}

/// `PUT …/protocol-mappers/models/{mapper}`: its name, type and config.
pub(super) async fn update<O: Owner>(
    at: EditRealm,
    Path((_, id, mapper)): Path<(String, String, String)>,
    bytes: Bytes,
) -> Answer {
    let rep: ProtocolMapperRepresentation = strict(&bytes)?;
    at.change(move |r| {
        let mappers = O::mappers_mut(r, &id).ok_or(ModelError::NotFound(O::NOT_FOUND))?;
        let m = mappers
            .iter_mut()
            .find(|m| m.id == mapper)
            .ok_or(ModelError::NotFound(MAPPER_NOT_FOUND))?;
        if !rep.name.is_empty() {
            m.name = rep.name.clone();
        }
        if !rep.protocol_mapper.is_empty() {
            m.protocol_mapper = rep.protocol_mapper.clone();
        }
        m.config = rep.config.clone();
        Ok(())
    })
    .await?;
    no_content()
}

/// `DELETE …/protocol-mappers/models/{mapper}`.
pub(super) async fn delete<O: Owner>(
    at: EditRealm,
    Path((_, id, mapper)): Path<(String, String, String)>,
) -> Answer {
    at.change(move |r| {
        let mappers = O::mappers_mut(r, &id).ok_or(ModelError::NotFound(O::NOT_FOUND))?;
        let before = mappers.len();
        mappers.retain(|m| m.id != mapper);
        if mappers.len() == before {
            return Err(ModelError::NotFound(MAPPER_NOT_FOUND).into());
        }
        Ok(())
    })
    .await?;
    no_content()
}
