//! `/admin/realms/{realm}/roles`: realm roles and what a composite role contains
//! (`/roles/{role}/composites`).

use axum::body::Bytes;
use axum::extract::Path;

use super::access::{EditRealm, ReadRealm};
use super::answer::{AdminError, Answer, body, created, no_content, not_found, ok_json};
use crate::directory::DirectoryError;
use crate::model::{ModelError, Realm, Role};
use crate::provider::new_id;
use crate::representation::{self, RoleRepresentation};

/// Keycloak's words for a missing role.
const ROLE_NOT_FOUND: &str = "Could not find role";

/// The realm role of this name, or Keycloak's 404.
fn realm_role<'r>(r: &'r Realm, name: &str) -> Result<&'r Role, AdminError> {
    r.role_named(None, name)
        .ok_or_else(|| not_found(ROLE_NOT_FOUND))
}

/// `GET …/roles`.
pub(super) async fn list(ReadRealm(r): ReadRealm) -> Answer {
    let list: Vec<RoleRepresentation> = r
        .roles
        .iter()
        .map(|x| representation::role_to(x, false, &r.id))
        .collect();
    ok_json(&list)
}

/// `POST …/roles` (with `composites`, as Keycloak takes them).
pub(super) async fn create(at: EditRealm, bytes: Bytes) -> Answer {
    let rep: RoleRepresentation = body(&bytes)?;
    let name = rep.name.clone();
    at.change(move |r| {
        let mut role = Role::new(new_id(), &rep.name, rep.description.clone());
        role.composites = representation::composites_from(&rep);
        r.add_role(role)?;
        Ok(())
    })
    .await?;
    created(at.location(&format!("roles/{name}")))
}

/// `GET …/roles/{role}`.
pub(super) async fn get(
    ReadRealm(r): ReadRealm,
    Path((_, role)): Path<(String, String)>,
) -> Answer {
    ok_json(&representation::role_to(
        realm_role(&r, &role)?,
        false,
        &r.id,
    ))
}

/// `DELETE …/roles/{role}`: and every mapping and composite naming it.
pub(super) async fn delete(at: EditRealm, Path((_, role)): Path<(String, String)>) -> Answer {
    at.change(move |r| {
        let before = r.roles.len();
        r.roles.retain(|x| x.name != role);
        if r.roles.len() == before {
            return Err(ModelError::NotFound(ROLE_NOT_FOUND).into());
        }
        r.forget_role(None, &role);
        Ok(())
    })
    .await?;
    no_content()
}

/// `GET …/roles/{role}/composites`: the realm and client roles it contains.
pub(super) async fn composites(
    ReadRealm(r): ReadRealm,
    Path((_, role)): Path<(String, String)>,
) -> Answer {
    let x = realm_role(&r, &role)?;
    let mut list: Vec<RoleRepresentation> = x
        .composites
        .realm
        .iter()
        .filter_map(|n| r.role_named(None, n))
        .map(|c| representation::role_to(c, false, &r.id))
        .collect();
    for (client_id, names) in &x.composites.client {
        let Some(client) = r.client(client_id) else {
            continue;
        };
        list.extend(
            client
                .roles
                .iter()
                .filter(|c| names.contains(&c.name))
                .map(|c| representation::role_to(c, true, &client.id)),
        );
    }
    ok_json(&list)
}

/// `POST …/roles/{role}/composites`: roles (by id, as Keycloak; a realm role also by name)
/// to add.
pub(super) async fn add_composites(
    at: EditRealm,
    Path((_, role)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    change_composites(at, role, &bytes, true).await
}

/// `DELETE …/roles/{role}/composites`: roles to take out.
pub(super) async fn remove_composites(
    at: EditRealm,
    Path((_, role)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    change_composites(at, role, &bytes, false).await
}

async fn change_composites(at: EditRealm, role: String, bytes: &[u8], add: bool) -> Answer {
    let reps: Vec<RoleRepresentation> = body(bytes)?;
    at.change(move |r| {
        let i = r
            .roles
            .iter()
            .position(|x| x.name == role)
            .ok_or(ModelError::NotFound(ROLE_NOT_FOUND))?;
        let named = reps
            .iter()
            .map(|rep| resolve(r, rep))
            .collect::<Result<Vec<_>, _>>()?;
        let composites = &mut r.roles[i].composites;
        for (client, name) in named {
            if add {
                composites.add(client.as_deref(), &name);
            } else {
                composites.remove(client.as_deref(), &name);
            }
        }
        Ok(())
    })
    .await?;
    no_content()
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
    if let Some(x) = r.roles.iter().find(|x| x.id == *id) {
        return Ok((None, x.name.clone()));
    }
    r.clients
        .iter()
        .find_map(|c| {
            let x = c.roles.iter().find(|x| x.id == *id)?;
            Some((Some(c.client_id.clone()), x.name.clone()))
        })
        .ok_or_else(missing)
}
