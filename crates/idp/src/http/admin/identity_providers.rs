//! `/admin/realms/{realm}/identity-provider/…`: upstream identity providers (`instances`), their
//! mappers and mapper types, the provider types (`providers/{id}`), and a user's links to
//! upstream accounts (`users/{id}/federated-identity`).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use serde_json::{Value, json};

use super::access::{EditRealm, ReadRealm};
use super::answer::{
    Answer, Page, USER_NOT_FOUND, created, exists, no_content, not_found, ok_json, strict,
};
use crate::flows::broker::mappers::MAPPER_TYPES;
use crate::http::respond;
use crate::model::{ModelError, Realm};
use crate::provider::RandomMinter;
use crate::representation::IdentityProviderMapperRepresentation;
use crate::representation::brokering::{
    FederatedIdentityRepresentation, IdentityProviderRepresentation, federated_from, federated_to,
    idp_mapper_from, idp_mapper_to, provider_from, provider_to, update_provider,
};

/// Keycloak's 404 for an unknown identity provider.
const PROVIDER_NOT_FOUND: &str = "Could not find identity provider";
/// Keycloak's 404 for an unknown mapper.
const MAPPER_NOT_FOUND: &str = "Model not found";

/// Whether an alias matches Keycloak's `search`: `"exact"`, `*infix*`, or a prefix.
fn matches(alias: &str, search: &str) -> bool {
    let alias = alias.to_lowercase();
    let search = search.to_lowercase();
    if let Some(exact) = search.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        return alias == exact;
    }
    match (search.strip_prefix('*'), search.strip_suffix('*')) {
        (Some(rest), _) => alias.contains(rest.trim_end_matches('*')),
        (None, Some(prefix)) => alias.starts_with(prefix),
        (None, None) => alias.starts_with(&search),
    }
}

/// `GET …/identity-provider/instances` (`search`, `first`, `max`).
pub(super) async fn list(ReadRealm(r): ReadRealm, RawQuery(raw): RawQuery) -> Answer {
    let q = respond::query(raw.as_deref());
    let search = q.get("search").filter(|s| !s.is_empty());
    let matching = r
        .identity_providers
        .iter()
        .filter(|p| search.is_none_or(|s| matches(&p.alias, s)));
    let list: Vec<IdentityProviderRepresentation> = Page::of(&q, None)
        .apply(matching)
        .map(|p| provider_to(p, true))
        .collect();
    ok_json(&list)
}

/// `POST …/identity-provider/instances`.
pub(super) async fn create(at: EditRealm, bytes: Bytes) -> Answer {
    let rep: IdentityProviderRepresentation = strict(&bytes)?;
    let alias = rep.alias.clone();
    at.change(move |r| {
        let provider = provider_from(&rep, &mut RandomMinter)?;
        if r.identity_provider(&provider.alias).is_some() {
            return Err(ModelError::Exists(format!(
                "Identity Provider {} already exists",
                provider.alias
            ))
            .into());
        }
        r.identity_providers.push(provider);
        Ok(())
    })
    .await?;
    created(at.location(&format!("identity-provider/instances/{alias}")))
}

/// `GET …/identity-provider/instances/{alias}`.
pub(super) async fn get(
    ReadRealm(r): ReadRealm,
    Path((_, alias)): Path<(String, String)>,
) -> Answer {
    let p = r
        .identity_provider(&alias)
        .ok_or_else(|| not_found(PROVIDER_NOT_FOUND))?;
    ok_json(&provider_to(p, true))
}

/// `PUT …/identity-provider/instances/{alias}`: a new alias follows into the mappers and the
/// users' links.
pub(super) async fn update(
    at: EditRealm,
    Path((_, alias)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let mut rep: IdentityProviderRepresentation = strict(&bytes)?;
    at.change(move |r| {
        let i = r
            .identity_providers
            .iter()
            .position(|p| p.alias == alias)
            .ok_or(ModelError::NotFound(PROVIDER_NOT_FOUND))?;
        if rep.alias.is_empty() {
            rep.alias = alias.clone();
        }
        if rep.alias != alias && r.identity_provider(&rep.alias).is_some() {
            return Err(ModelError::Exists(format!(
                "Identity Provider {} already exists",
                rep.alias
            ))
            .into());
        }
        update_provider(&mut r.identity_providers[i], &rep)?;
        if rep.alias != alias {
            rename(r, &alias, &rep.alias);
        }
        Ok(())
    })
    .await?;
    no_content()
}

/// Renames a provider in its mappers and the users' links.
fn rename(r: &mut Realm, old: &str, new: &str) {
    for m in r
        .identity_provider_mappers
        .iter_mut()
        .filter(|m| m.identity_provider_alias == old)
    {
        m.identity_provider_alias = new.to_string();
    }
    for link in r
        .users
        .iter_mut()
        .flat_map(|u| u.federated_identities.iter_mut())
        .filter(|l| l.identity_provider == old)
    {
        link.identity_provider = new.to_string();
    }
}

/// `DELETE …/identity-provider/instances/{alias}`: its mappers and the users' links go too.
pub(super) async fn delete(at: EditRealm, Path((_, alias)): Path<(String, String)>) -> Answer {
    at.change(move |r| {
        r.identity_provider(&alias)
            .ok_or(ModelError::NotFound(PROVIDER_NOT_FOUND))?;
        r.identity_providers.retain(|p| p.alias != alias);
        r.identity_provider_mappers
            .retain(|m| m.identity_provider_alias != alias);
        for u in &mut r.users {
            u.federated_identities
                .retain(|l| l.identity_provider != alias);
        }
        Ok(())
    })
    .await?;
    no_content()
}

/// `GET …/identity-provider/providers/{id}`: a provider type.
pub(super) async fn provider_type(
    ReadRealm(_): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    let name = match id.as_str() {
        "oidc" => "OpenID Connect v1.0",
        "keycloak-oidc" => "Keycloak OpenID Connect",
        _ => return Err(not_found("Could not find provider")),
    };
    ok_json(&json!({ "id": id, "name": name }))
}

/// `GET …/identity-provider/instances/{alias}/mapper-types`: the mapper types kubeward
/// carries out, with their settings.
pub(super) async fn mapper_types(
    ReadRealm(r): ReadRealm,
    Path((_, alias)): Path<(String, String)>,
) -> Answer {
    r.identity_provider(&alias)
        .ok_or_else(|| not_found(PROVIDER_NOT_FOUND))?;
    let types: serde_json::Map<String, Value> = MAPPER_TYPES
        .iter()
        .map(|t| {
            let properties: Vec<Value> = t
                .properties
                .iter()
                .map(|(name, label, kind)| json!({"name": name, "label": label, "type": kind}))
                .collect();
            (
                t.id.to_string(),
                json!({
                    "id": t.id,
                    "name": t.name,
                    "category": t.category,
                    "helpText": t.help,
                    "properties": properties,
                }),
            )
        })
        .collect();
    ok_json(&types)
}

/// `GET …/identity-provider/instances/{alias}/mappers`.
pub(super) async fn mappers(
    ReadRealm(r): ReadRealm,
    Path((_, alias)): Path<(String, String)>,
) -> Answer {
    r.identity_provider(&alias)
        .ok_or_else(|| not_found(PROVIDER_NOT_FOUND))?;
    let list: Vec<IdentityProviderMapperRepresentation> = r
        .identity_provider_mappers
        .iter()
        .filter(|m| m.identity_provider_alias == alias)
        .map(idp_mapper_to)
        .collect();
    ok_json(&list)
}

/// A mapper's type must be one kubeward carries out.
fn known_type(rep: &IdentityProviderMapperRepresentation) -> Result<(), ModelError> {
    if MAPPER_TYPES
        .iter()
        .any(|t| t.id == rep.identity_provider_mapper)
    {
        return Ok(());
    }
    Err(ModelError::Invalid(format!(
        "Identity provider mapper type [{}] is not supported",
        rep.identity_provider_mapper
    )))
}

/// `POST …/identity-provider/instances/{alias}/mappers`.
pub(super) async fn create_mapper(
    at: EditRealm,
    Path((_, alias)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let mut rep: IdentityProviderMapperRepresentation = strict(&bytes)?;
    let path_alias = alias.clone();
    let id = at
        .change(move |r| {
            r.identity_provider(&alias)
                .ok_or(ModelError::NotFound(PROVIDER_NOT_FOUND))?;
            rep.identity_provider_alias = alias.clone();
            known_type(&rep)?;
            let taken = r
                .identity_provider_mappers
                .iter()
                .any(|m| m.identity_provider_alias == alias && m.name == rep.name);
            if taken {
                return Err(ModelError::Exists(format!(
                    "Mapper with name {} already exists",
                    rep.name
                ))
                .into());
            }
            let mut mapper = idp_mapper_from(&rep, &mut RandomMinter);
            if r.identity_provider_mappers
                .iter()
                .any(|m| m.id == mapper.id)
            {
                mapper.id = crate::provider::new_id();
            }
            let id = mapper.id.clone();
            r.identity_provider_mappers.push(mapper);
            Ok(id)
        })
        .await?;
    created(at.location(&format!(
        "identity-provider/instances/{path_alias}/mappers/{id}"
    )))
}

/// `GET …/identity-provider/instances/{alias}/mappers/{id}`.
pub(super) async fn get_mapper(
    ReadRealm(r): ReadRealm,
    Path((_, alias, id)): Path<(String, String, String)>,
) -> Answer {
    r.identity_provider(&alias)
        .ok_or_else(|| not_found(PROVIDER_NOT_FOUND))?;
    let m = r
        .identity_provider_mappers
        .iter()
        .find(|m| m.id == id && m.identity_provider_alias == alias)
        .ok_or_else(|| not_found(MAPPER_NOT_FOUND))?;
    ok_json(&idp_mapper_to(m))
}

/// `PUT …/identity-provider/instances/{alias}/mappers/{id}`.
pub(super) async fn update_mapper(
    at: EditRealm,
    Path((_, alias, id)): Path<(String, String, String)>,
    bytes: Bytes,
) -> Answer {
    let mut rep: IdentityProviderMapperRepresentation = strict(&bytes)?;
    at.change(move |r| {
        r.identity_provider(&alias)
            .ok_or(ModelError::NotFound(PROVIDER_NOT_FOUND))?;
        let m = r
            .identity_provider_mappers
            .iter_mut()
            .find(|m| m.id == id && m.identity_provider_alias == alias)
            .ok_or(ModelError::NotFound(MAPPER_NOT_FOUND))?;
        if rep.identity_provider_mapper.is_empty() {
            rep.identity_provider_mapper = m.identity_provider_mapper.clone();
        }
        known_type(&rep)?;
        if !rep.name.is_empty() {
            m.name = rep.name.clone();
        }
        m.identity_provider_mapper = rep.identity_provider_mapper.clone();
        m.config = rep.config.clone();
        Ok(())
    })
    .await?;
    no_content()
}

/// `DELETE …/identity-provider/instances/{alias}/mappers/{id}`.
pub(super) async fn delete_mapper(
    at: EditRealm,
    Path((_, alias, id)): Path<(String, String, String)>,
) -> Answer {
    at.change(move |r| {
        let before = r.identity_provider_mappers.len();
        r.identity_provider_mappers
            .retain(|m| !(m.id == id && m.identity_provider_alias == alias));
        if r.identity_provider_mappers.len() == before {
            return Err(ModelError::NotFound(MAPPER_NOT_FOUND).into());
        }
        Ok(())
    })
    .await?;
    no_content()
}

/// `GET …/users/{id}/federated-identity`.
pub(super) async fn links(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    let u = r.user(&id).ok_or_else(|| not_found(USER_NOT_FOUND))?;
    let list: Vec<FederatedIdentityRepresentation> =
        u.federated_identities.iter().map(federated_to).collect();
    ok_json(&list)
}

/// `POST …/users/{id}/federated-identity/{alias}`: links a user to an upstream account.
pub(super) async fn link(
    at: EditRealm,
    Path((_, id, alias)): Path<(String, String, String)>,
    bytes: Bytes,
) -> Answer {
    let mut rep: FederatedIdentityRepresentation = strict(&bytes)?;
    let linked = at
        .change(move |r| {
            r.identity_provider(&alias)
                .ok_or(ModelError::NotFound(PROVIDER_NOT_FOUND))?;
            rep.identity_provider = alias.clone();
            let taken = r.user_by_federated_identity(&alias, &rep.user_id).is_some();
            let u = r
                .users
                .iter_mut()
                .find(|u| u.id == id)
                .ok_or(ModelError::NotFound(USER_NOT_FOUND))?;
            if taken
                || u.federated_identities
                    .iter()
                    .any(|l| l.identity_provider == alias)
            {
                return Ok(false);
            }
            u.federated_identities.push(federated_from(&rep));
            Ok(true)
        })
        .await?;
    if !linked {
        return Err(exists("User is already linked with provider"));
    }
    no_content()
}

/// `DELETE …/users/{id}/federated-identity/{alias}`.
pub(super) async fn unlink(
    at: EditRealm,
    Path((_, id, alias)): Path<(String, String, String)>,
) -> Answer {
    at.change(move |r| {
        let u = r
            .users
            .iter_mut()
            .find(|u| u.id == id)
            .ok_or(ModelError::NotFound(USER_NOT_FOUND))?;
        let before = u.federated_identities.len();
        u.federated_identities
            .retain(|l| l.identity_provider != alias);
        if u.federated_identities.len() == before {
            return Err(ModelError::NotFound("Link not found").into());
        }
        Ok(())
    })
    .await?;
    no_content()
}

#[cfg(test)]
mod tests;
