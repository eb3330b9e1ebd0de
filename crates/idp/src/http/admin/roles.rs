//! Roles, realm (`/admin/realms/{realm}/roles…`, `/roles-by-id/{id}…`) and client
//! (`/clients/{id}/roles…`) alike: listing with Keycloak's paging, search and
//! `briefRepresentation`, create, read, update, delete, what a composite contains, and the users
//! and groups holding a role. Every handler names the role's container ([`Container`]) and calls
//! one function of this module.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};

use super::access::{EditRealm, ReadRealm};
use super::answer::{
    AdminError, Answer, Page, brief, created, no_content, not_found, ok_json, strict, strict_list,
};
use super::lookup::client_of;
use crate::directory::DirectoryError;
use crate::http::respond;
use crate::model::{ModelError, Realm, Role};
use crate::provider::new_id;
use crate::representation::{self, GroupRepresentation, RoleRepresentation, UserRepresentation};

/// Keycloak's words for a missing role.
const ROLE_NOT_FOUND: &str = "Could not find role";

/// Where roles live: the realm, or the client with this internal id.
#[derive(Debug, Clone)]
pub(super) enum Container {
    /// Realm roles.
    Realm,
    /// The roles of the client with this internal id.
    Client(String),
}

impl Container {
    /// The roles, the `clientId` for client roles, and the container's id.
    fn roles<'r>(
        &self,
        r: &'r Realm,
    ) -> Result<(&'r [Role], Option<&'r str>, &'r str), AdminError> {
        match self {
            Self::Realm => Ok((&r.roles, None, &r.id)),
            Self::Client(id) => {
                let c = client_of(r, id)?;
                Ok((&c.roles, Some(&c.client_id), &c.id))
            }
        }
    }

    fn roles_mut<'r>(
        &self,
        r: &'r mut Realm,
    ) -> Result<(&'r mut Vec<Role>, Option<String>), DirectoryError> {
        match self {
            Self::Realm => Ok((&mut r.roles, None)),
            Self::Client(id) => {
                let c = r
                    .clients
                    .iter_mut()
                    .find(|c| c.id == *id)
                    .ok_or(ModelError::NotFound("Could not find client"))?;
                let client_id = c.client_id.clone();
                Ok((&mut c.roles, Some(client_id)))
            }
        }
    }

    /// The representation of one of its roles; brief leaves out attributes.
    fn rep(&self, r: &Realm, role: &Role, brief: bool) -> Result<RoleRepresentation, AdminError> {
        let (_, client, container) = self.roles(r)?;
        let mut rep = representation::role_to(role, client.is_some(), container);
        if brief {
            rep.attributes = None;
        }
        Ok(rep)
    }
}

/// The role of this name in the container, or Keycloak's 404.
fn find<'r>(r: &'r Realm, c: &Container, name: &str) -> Result<&'r Role, AdminError> {
    let (roles, _, _) = c.roles(r)?;
    roles
        .iter()
        .find(|x| x.name == name)
        .ok_or_else(|| not_found(ROLE_NOT_FOUND))
}

/// Lists a container's roles (`search`, `first`, `max`, `briefRepresentation`).
pub(super) fn list_in(r: &Realm, c: &Container, q: &HashMap<String, String>) -> Answer {
    let (roles, _, _) = c.roles(r)?;
    let search = q
        .get("search")
        .map(|s| s.to_lowercase())
        .filter(|s| !s.is_empty());
    let matching = roles.iter().filter(|x| {
        search.as_ref().is_none_or(|s| {
            x.name.to_lowercase().contains(s)
                || x.description
                    .as_deref()
                    .is_some_and(|d| d.to_lowercase().contains(s))
        })
    });
    let brief = brief(q, true);
    let list = Page::of(q, None)
        .apply(matching)
        .map(|x| c.rep(r, x, brief))
        .collect::<Result<Vec<_>, _>>()?;
    ok_json(&list)
}

/// Creates a role in a container (with `composites` and `attributes`).
pub(super) async fn create_in(at: &EditRealm, c: Container, bytes: &[u8]) -> Answer {
    let rep: RoleRepresentation = strict(bytes)?;
    let name = rep.name.clone();
    let c2 = c.clone();
    at.change(move |r| {
        if rep.name.is_empty() {
            return Err(ModelError::Invalid("name is required".into()).into());
        }
        let (roles, _) = c2.roles_mut(r)?;
        if roles.iter().any(|x| x.name == rep.name) {
            return Err(
                ModelError::Exists(format!("Role with name {} already exists", rep.name)).into(),
            );
        }
        let mut role = Role::new(new_id(), &rep.name, rep.description.clone());
        role.composites = representation::composites_from(&rep);
        role.attributes = rep.attributes.clone().unwrap_or_default();
        roles.push(role);
        Ok(())
    })
    .await?;
    let path = match c {
        Container::Realm => format!("roles/{name}"),
        Container::Client(id) => format!("clients/{id}/roles/{name}"),
    };
    created(at.location(&path))
}

/// Reads a role of a container.
pub(super) fn get_in(r: &Realm, c: &Container, name: &str) -> Answer {
    ok_json(&c.rep(r, find(r, c, name)?, false)?)
}

/// Updates a role's name, description and attributes.
pub(super) async fn update_in(at: &EditRealm, c: Container, name: String, bytes: &[u8]) -> Answer {
    let rep: RoleRepresentation = strict(bytes)?;
    at.change(move |r| {
        let (roles, client) = c.roles_mut(r)?;
        if !rep.name.is_empty() && rep.name != name && roles.iter().any(|x| x.name == rep.name) {
            return Err(
                ModelError::Exists(format!("Role with name {} already exists", rep.name)).into(),
            );
        }
        let role = roles
            .iter_mut()
            .find(|x| x.name == name)
            .ok_or(ModelError::NotFound(ROLE_NOT_FOUND))?;
        role.description = rep.description.clone();
        if let Some(a) = &rep.attributes {
            role.attributes = a.clone();
        }
        let renamed = (!rep.name.is_empty() && rep.name != name).then(|| rep.name.clone());
        if let Some(new) = &renamed {
            role.name = new.clone();
            r.rename_role(client.as_deref(), &name, new);
        }
        Ok(())
    })
    .await?;
    no_content()
}

/// Deletes a role, and every mapping and composite naming it.
pub(super) async fn delete_in(at: &EditRealm, c: Container, name: String) -> Answer {
    at.change(move |r| {
        if c == Container::Realm && name == r.default_role {
            return Err(ModelError::Invalid("You can't delete the default role".into()).into());
        }
        let (roles, client) = c.roles_mut(r)?;
        let before = roles.len();
        roles.retain(|x| x.name != name);
        if roles.len() == before {
            return Err(ModelError::NotFound(ROLE_NOT_FOUND).into());
        }
        r.forget_role(client.as_deref(), &name);
        Ok(())
    })
    .await?;
    no_content()
}

impl PartialEq for Container {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Realm, Self::Realm) => true,
            (Self::Client(a), Self::Client(b)) => a == b,
            _ => false,
        }
    }
}

/// What a composite role contains: its realm roles (`only` = `Some(None)`), the roles of one
/// client (`Some(Some(clientId))`) or both (`None`).
fn contained(r: &Realm, role: &Role, only: Option<Option<&str>>) -> Vec<RoleRepresentation> {
    let mut list = Vec::new();
    if only.is_none_or(|o| o.is_none()) {
        list.extend(
            role.composites
                .realm
                .iter()
                .filter_map(|n| r.role_named(None, n))
                .map(|x| representation::role_to(x, false, &r.id)),
        );
    }
    for (client_id, names) in &role.composites.client {
        if only.is_some_and(|o| o != Some(client_id.as_str())) {
            continue;
        }
        let Some(client) = r.client(client_id) else {
            continue;
        };
        list.extend(
            client
                .roles
                .iter()
                .filter(|x| names.contains(&x.name))
                .map(|x| representation::role_to(x, true, &client.id)),
        );
    }
    list
}

/// `GET …/composites[/realm|/clients/{client}]` of a container's role.
pub(super) fn composites_in(
    r: &Realm,
    c: &Container,
    name: &str,
    only: Option<Option<&str>>,
) -> Answer {
    let role = find(r, c, name)?;
    let only = match only {
        Some(Some(client_uuid)) => Some(Some(client_of(r, client_uuid)?.client_id.as_str())),
        other => other,
    };
    ok_json(&contained(r, role, only))
}

/// Adds (`add`) or takes out roles (by `id`, a realm role also by `name`) of a composite.
pub(super) async fn change_composites_in(
    at: &EditRealm,
    c: Container,
    name: String,
    bytes: &[u8],
    add: bool,
) -> Answer {
    let reps: Vec<RoleRepresentation> = strict_list(bytes)?;
    at.change(move |r| {
        let named = reps
            .iter()
            .map(|rep| resolve(r, rep))
            .collect::<Result<Vec<_>, _>>()?;
        let (roles, _) = c.roles_mut(r)?;
        let role = roles
            .iter_mut()
            .find(|x| x.name == name)
            .ok_or(ModelError::NotFound(ROLE_NOT_FOUND))?;
        for (client, n) in named {
            if add {
                role.composites.add(client.as_deref(), &n);
            } else {
                role.composites.remove(client.as_deref(), &n);
            }
        }
        Ok(())
    })
    .await?;
    no_content()
}

/// The users holding a role directly (`first`, `max`, `briefRepresentation`).
pub(super) fn users_in(
    r: &Realm,
    c: &Container,
    name: &str,
    q: &HashMap<String, String>,
) -> Answer {
    find(r, c, name)?;
    let (_, client, _) = c.roles(r)?;
    let holders = r
        .users
        .iter()
        .filter(|u| u.roles.names(client).iter().any(|n| n == name));
    let brief = brief(q, true);
    let list: Vec<UserRepresentation> = Page::of(q, Some(100))
        .apply(holders)
        .map(|u| representation::user_brief(u, brief))
        .collect();
    ok_json(&list)
}

/// The groups holding a role directly.
pub(super) fn groups_in(
    r: &Realm,
    c: &Container,
    name: &str,
    q: &HashMap<String, String>,
) -> Answer {
    find(r, c, name)?;
    let (_, client, _) = c.roles(r)?;
    let holders = r
        .groups
        .iter()
        .filter(|g| g.roles.names(client).iter().any(|n| n == name));
    let list: Vec<GroupRepresentation> = Page::of(q, Some(100))
        .apply(holders)
        .map(|g| {
            let mut rep = representation::group_to(r, g);
            rep.sub_groups.clear();
            rep
        })
        .collect();
    ok_json(&list)
}

/// The role a representation names: `(None, name)` for a realm role, `(Some(clientId), name)`
/// for a client role.
fn resolve(
    r: &Realm,
    rep: &RoleRepresentation,
) -> Result<(Option<String>, String), DirectoryError> {
    let missing = || ModelError::NotFound("Could not find composite role").into();
    let Some(id) = &rep.id else {
        return r
            .role_named(None, &rep.name)
            .map(|x| (None, x.name.clone()))
            .ok_or_else(missing);
    };
    role_by_id(r, id)
        .map(|(client, x)| (client.map(str::to_string), x.name.clone()))
        .ok_or_else(missing)
}

/// The role with this id, realm or client, with its client's `clientId`.
fn role_by_id<'r>(r: &'r Realm, id: &str) -> Option<(Option<&'r str>, &'r Role)> {
    if let Some(x) = r.roles.iter().find(|x| x.id == id) {
        return Some((None, x));
    }
    r.clients.iter().find_map(|c| {
        let x = c.roles.iter().find(|x| x.id == id)?;
        Some((Some(c.client_id.as_str()), x))
    })
}

/// The container and name of the role with this id, or Keycloak's 404.
fn by_id(r: &Realm, id: &str) -> Result<(Container, String), AdminError> {
    let (client, role) = role_by_id(r, id).ok_or_else(|| not_found(ROLE_NOT_FOUND))?;
    let container = match client.and_then(|c| r.client(c)) {
        Some(c) => Container::Client(c.id.clone()),
        None => Container::Realm,
    };
    Ok((container, role.name.clone()))
}

// Realm roles: `/roles`, `/roles/{role}`, `/roles/{role}/composites…`, `/users`, `/groups`.

/// `GET …/roles`.
pub(super) async fn list(ReadRealm(r): ReadRealm, RawQuery(raw): RawQuery) -> Answer {
    list_in(&r, &Container::Realm, &respond::query(raw.as_deref()))
}

/// `POST …/roles`.
pub(super) async fn create(at: EditRealm, bytes: Bytes) -> Answer {
    create_in(&at, Container::Realm, &bytes).await
}

/// `GET …/roles/{role}`.
pub(super) async fn get(
    ReadRealm(r): ReadRealm,
    Path((_, role)): Path<(String, String)>,
) -> Answer {
    get_in(&r, &Container::Realm, &role)
}

/// `PUT …/roles/{role}`.
pub(super) async fn update(
    at: EditRealm,
    Path((_, role)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    update_in(&at, Container::Realm, role, &bytes).await
}

/// `DELETE …/roles/{role}`.
pub(super) async fn delete(at: EditRealm, Path((_, role)): Path<(String, String)>) -> Answer {
    delete_in(&at, Container::Realm, role).await
}

/// `GET …/roles/{role}/composites`.
pub(super) async fn composites(
    ReadRealm(r): ReadRealm,
    Path((_, role)): Path<(String, String)>,
) -> Answer {
    composites_in(&r, &Container::Realm, &role, None)
}

/// `GET …/roles/{role}/composites/realm`.
pub(super) async fn composites_realm(
    ReadRealm(r): ReadRealm,
    Path((_, role)): Path<(String, String)>,
) -> Answer {
    composites_in(&r, &Container::Realm, &role, Some(None))
}

/// `GET …/roles/{role}/composites/clients/{client}`.
pub(super) async fn composites_client(
    ReadRealm(r): ReadRealm,
    Path((_, role, client)): Path<(String, String, String)>,
) -> Answer {
    composites_in(&r, &Container::Realm, &role, Some(Some(&client)))
}

/// `POST …/roles/{role}/composites`.
pub(super) async fn add_composites(
    at: EditRealm,
    Path((_, role)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    change_composites_in(&at, Container::Realm, role, &bytes, true).await
}

/// `DELETE …/roles/{role}/composites`.
pub(super) async fn remove_composites(
    at: EditRealm,
    Path((_, role)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    change_composites_in(&at, Container::Realm, role, &bytes, false).await
}

/// `GET …/roles/{role}/users`.
pub(super) async fn users(
    ReadRealm(r): ReadRealm,
    Path((_, role)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Answer {
    users_in(
        &r,
        &Container::Realm,
        &role,
        &respond::query(raw.as_deref()),
    )
}

/// `GET …/roles/{role}/groups`.
pub(super) async fn groups(
    ReadRealm(r): ReadRealm,
    Path((_, role)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Answer {
    groups_in(
        &r,
        &Container::Realm,
        &role,
        &respond::query(raw.as_deref()),
    )
}

// Any role by id: `/roles-by-id/{id}` and its composites.

/// `GET …/roles-by-id/{id}`.
pub(super) async fn get_by_id(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    let (c, name) = by_id(&r, &id)?;
    get_in(&r, &c, &name)
}

/// `PUT …/roles-by-id/{id}`.
pub(super) async fn update_by_id(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let (c, name) = by_id(&*at.realm()?, &id)?;
    update_in(&at, c, name, &bytes).await
}

/// `DELETE …/roles-by-id/{id}`.
pub(super) async fn delete_by_id(at: EditRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    let (c, name) = by_id(&*at.realm()?, &id)?;
    delete_in(&at, c, name).await
}

/// `GET …/roles-by-id/{id}/composites`.
pub(super) async fn composites_by_id(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    let (c, name) = by_id(&r, &id)?;
    composites_in(&r, &c, &name, None)
}

/// `GET …/roles-by-id/{id}/composites/realm`.
pub(super) async fn composites_realm_by_id(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    let (c, name) = by_id(&r, &id)?;
    composites_in(&r, &c, &name, Some(None))
}

/// `GET …/roles-by-id/{id}/composites/clients/{client}`.
pub(super) async fn composites_client_by_id(
    ReadRealm(r): ReadRealm,
    Path((_, id, client)): Path<(String, String, String)>,
) -> Answer {
    let (c, name) = by_id(&r, &id)?;
    composites_in(&r, &c, &name, Some(Some(&client)))
}

/// `POST …/roles-by-id/{id}/composites`.
pub(super) async fn add_composites_by_id(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let (c, name) = by_id(&*at.realm()?, &id)?;
    change_composites_in(&at, c, name, &bytes, true).await
}

/// `DELETE …/roles-by-id/{id}/composites`.
pub(super) async fn remove_composites_by_id(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let (c, name) = by_id(&*at.realm()?, &id)?;
    change_composites_in(&at, c, name, &bytes, false).await
}
