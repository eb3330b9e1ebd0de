//! Role mappings of users and groups, on Keycloak's paths: `…/{users|groups}/{id}/role-mappings`
//! (both parts), `…/role-mappings/realm` and `…/role-mappings/clients/{client}` (read, add,
//! remove, `composite`, `available`); and the scope mappings of clients and client scopes
//! (`…/scope-mappings…`), which have the same shape. One set of handlers serves every holder
//! through [`Holder`].

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::Path;

use super::access::{EditRealm, ReadRealm};
use super::answer::{Answer, USER_NOT_FOUND, no_content, not_found, ok_json, strict_list};
use super::groups::GROUP_NOT_FOUND;
use super::lookup::client_of;
use crate::model::{Client, ModelError, Realm, RoleMappings};
use crate::representation::{
    self, ClientMappingsRepresentation, MappingsRepresentation, RoleRepresentation,
};

/// What holds role mappings: users or groups.
pub(super) trait Holder: Send + 'static {
    /// Keycloak's 404 words when the id names none.
    const NOT_FOUND: &'static str;
    /// The mappings of the holder with this id.
    fn mappings<'r>(r: &'r Realm, id: &str) -> Option<&'r RoleMappings>;
    /// The same, to change.
    fn mappings_mut<'r>(r: &'r mut Realm, id: &str) -> Option<&'r mut RoleMappings>;
    /// The roles the holder has in effect: its own and what their composites contain.
    fn effective(r: &Realm, id: &str) -> Option<RoleMappings> {
        Self::mappings(r, id).map(|m| r.expand_composites(m))
    }
}

/// A client's scope mappings (`/clients/{id}/scope-mappings…`): the roles its tokens may carry
/// without full scope.
pub(super) struct ClientScopes;

/// A client scope's scope mappings (`/client-scopes/{id}/scope-mappings…`).
pub(super) struct ScopeScopes;

impl Holder for ClientScopes {
    const NOT_FOUND: &'static str = "Could not find client";

    fn mappings<'r>(r: &'r Realm, id: &str) -> Option<&'r RoleMappings> {
        r.client_by_id(id).map(|c| &c.scope_mappings)
    }

    fn mappings_mut<'r>(r: &'r mut Realm, id: &str) -> Option<&'r mut RoleMappings> {
        r.clients
            .iter_mut()
            .find(|c| c.id == id)
            .map(|c| &mut c.scope_mappings)
    }
}

impl Holder for ScopeScopes {
    const NOT_FOUND: &'static str = "Could not find client scope";

    fn mappings<'r>(r: &'r Realm, id: &str) -> Option<&'r RoleMappings> {
        r.client_scopes
            .iter()
            .find(|s| s.id == id)
            .map(|s| &s.scope_mappings)
    }

    fn mappings_mut<'r>(r: &'r mut Realm, id: &str) -> Option<&'r mut RoleMappings> {
        r.client_scopes
            .iter_mut()
            .find(|s| s.id == id)
            .map(|s| &mut s.scope_mappings)
    }
}

/// Users' role mappings (`/users/{id}/role-mappings…`).
pub(super) struct Users;

/// Groups' role mappings (`/groups/{id}/role-mappings…`): what their members get.
pub(super) struct Groups;

impl Holder for Users {
    const NOT_FOUND: &'static str = USER_NOT_FOUND;

    fn mappings<'r>(r: &'r Realm, id: &str) -> Option<&'r RoleMappings> {
        r.user(id).map(|u| &u.roles)
    }

    fn mappings_mut<'r>(r: &'r mut Realm, id: &str) -> Option<&'r mut RoleMappings> {
        r.users
            .iter_mut()
            .find(|u| u.id == id)
            .map(|u| &mut u.roles)
    }

    fn effective(r: &Realm, id: &str) -> Option<RoleMappings> {
        r.user(id).map(|u| r.effective_roles(u))
    }
}

impl Holder for Groups {
    const NOT_FOUND: &'static str = GROUP_NOT_FOUND;

    fn mappings<'r>(r: &'r Realm, id: &str) -> Option<&'r RoleMappings> {
        r.group(id).map(|g| &g.roles)
    }

    fn mappings_mut<'r>(r: &'r mut Realm, id: &str) -> Option<&'r mut RoleMappings> {
        r.groups
            .iter_mut()
            .find(|g| g.id == id)
            .map(|g| &mut g.roles)
    }
}

/// The realm roles of these names, in the realm's order.
fn realm_role_reps(r: &Realm, names: &[String]) -> Vec<RoleRepresentation> {
    r.roles
        .iter()
        .filter(|x| names.contains(&x.name))
        .map(|x| representation::role_to(x, false, &r.id))
        .collect()
}

/// The roles of a client of these names, in the client's order.
fn client_role_reps(c: &Client, names: &[String]) -> Vec<RoleRepresentation> {
    c.roles
        .iter()
        .filter(|x| names.contains(&x.name))
        .map(|x| representation::role_to(x, true, &c.id))
        .collect()
}

/// `GET …/role-mappings`: `realmMappings` and `clientMappings` by `clientId`.
pub(super) async fn all<H: Holder>(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    let m = H::mappings(&r, &id).ok_or_else(|| not_found(H::NOT_FOUND))?;
    let realm = realm_role_reps(&r, &m.realm);
    let clients: BTreeMap<String, ClientMappingsRepresentation> = m
        .client
        .iter()
        .filter_map(|(client_id, names)| {
            let c = r.client(client_id)?;
            let mappings = client_role_reps(c, names);
            (!mappings.is_empty()).then(|| {
                let rep = ClientMappingsRepresentation {
                    id: c.id.clone(),
                    client: c.client_id.clone(),
                    mappings,
                };
                (c.client_id.clone(), rep)
            })
        })
        .collect();
    ok_json(&MappingsRepresentation {
        realm_mappings: (!realm.is_empty()).then_some(realm),
        client_mappings: (!clients.is_empty()).then_some(clients),
    })
}

/// `GET …/role-mappings/realm`.
pub(super) async fn realm_roles<H: Holder>(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    let m = H::mappings(&r, &id).ok_or_else(|| not_found(H::NOT_FOUND))?;
    ok_json(&realm_role_reps(&r, &m.realm))
}

/// `GET …/role-mappings/clients/{client}` (the client's internal id).
pub(super) async fn client_roles<H: Holder>(
    ReadRealm(r): ReadRealm,
    Path((_, id, client)): Path<(String, String, String)>,
) -> Answer {
    let m = H::mappings(&r, &id).ok_or_else(|| not_found(H::NOT_FOUND))?;
    let c = client_of(&r, &client)?;
    ok_json(&client_role_reps(c, m.names(Some(&c.client_id))))
}

/// `GET …/role-mappings/realm/composite`: the realm roles the holder has in effect.
pub(super) async fn realm_composite<H: Holder>(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    let m = H::effective(&r, &id).ok_or_else(|| not_found(H::NOT_FOUND))?;
    ok_json(&realm_role_reps(&r, &m.realm))
}

/// `GET …/role-mappings/realm/available`: the realm roles the holder does not have directly.
pub(super) async fn realm_available<H: Holder>(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    let m = H::mappings(&r, &id).ok_or_else(|| not_found(H::NOT_FOUND))?;
    let list: Vec<RoleRepresentation> = r
        .roles
        .iter()
        .filter(|x| !m.realm.contains(&x.name))
        .map(|x| representation::role_to(x, false, &r.id))
        .collect();
    ok_json(&list)
}

/// `GET …/role-mappings/clients/{client}/composite`: the client's roles the holder has in
/// effect.
pub(super) async fn client_composite<H: Holder>(
    ReadRealm(r): ReadRealm,
    Path((_, id, client)): Path<(String, String, String)>,
) -> Answer {
    let m = H::effective(&r, &id).ok_or_else(|| not_found(H::NOT_FOUND))?;
    let c = client_of(&r, &client)?;
    ok_json(&client_role_reps(c, m.names(Some(&c.client_id))))
}

/// `GET …/role-mappings/clients/{client}/available`.
pub(super) async fn client_available<H: Holder>(
    ReadRealm(r): ReadRealm,
    Path((_, id, client)): Path<(String, String, String)>,
) -> Answer {
    let m = H::mappings(&r, &id).ok_or_else(|| not_found(H::NOT_FOUND))?;
    let c = client_of(&r, &client)?;
    let held = m.names(Some(&c.client_id));
    let list: Vec<RoleRepresentation> = c
        .roles
        .iter()
        .filter(|x| !held.contains(&x.name))
        .map(|x| representation::role_to(x, true, &c.id))
        .collect();
    ok_json(&list)
}

/// `POST …/role-mappings/realm`: realm roles to add.
pub(super) async fn add_realm_roles<H: Holder>(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    change::<H>(at, id, None, &bytes, true).await
}

/// `DELETE …/role-mappings/realm`: realm roles to remove.
pub(super) async fn remove_realm_roles<H: Holder>(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    change::<H>(at, id, None, &bytes, false).await
}

/// `POST …/role-mappings/clients/{client}`: client roles to add.
pub(super) async fn add_client_roles<H: Holder>(
    at: EditRealm,
    Path((_, id, client)): Path<(String, String, String)>,
    bytes: Bytes,
) -> Answer {
    change::<H>(at, id, Some(client), &bytes, true).await
}

/// `DELETE …/role-mappings/clients/{client}`: client roles to remove.
pub(super) async fn remove_client_roles<H: Holder>(
    at: EditRealm,
    Path((_, id, client)): Path<(String, String, String)>,
    bytes: Bytes,
) -> Answer {
    change::<H>(at, id, Some(client), &bytes, false).await
}

/// Adds or removes the roles of a body (by name) to a holder's realm roles (`client` is
/// `None`) or the roles of the client with this internal id.
async fn change<H: Holder>(
    at: EditRealm,
    id: String,
    client: Option<String>,
    bytes: &[u8],
    add: bool,
) -> Answer {
    let reps: Vec<RoleRepresentation> = strict_list(bytes)?;
    at.change(move |r| {
        let (known, key): (Vec<String>, Option<String>) = match &client {
            Some(cid) => {
                let c = r
                    .client_by_id(cid)
                    .ok_or(ModelError::NotFound("Client not found"))?;
                (
                    c.roles.iter().map(|x| x.name.clone()).collect(),
                    Some(c.client_id.clone()),
                )
            }
            None => (r.roles.iter().map(|x| x.name.clone()).collect(), None),
        };
        if reps.iter().any(|rep| !known.contains(&rep.name)) {
            return Err(ModelError::NotFound("Role not found").into());
        }
        let mappings = H::mappings_mut(r, &id).ok_or(ModelError::NotFound(H::NOT_FOUND))?;
        for rep in &reps {
            if add {
                mappings.add(key.as_deref(), &rep.name);
            } else {
                mappings.remove(key.as_deref(), &rep.name);
            }
        }
        Ok(())
    })
    .await?;
    no_content()
}
