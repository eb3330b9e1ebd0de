//! `/admin/realms/{realm}/users`: search, count, create, update, delete, reset-password and
//! group membership.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};

use super::super::{blocking, clock};
use super::access::{EditRealm, ReadRealm};
use super::answer::{
    AdminError, Answer, REALM_NOT_FOUND, USER_NOT_FOUND, bad_request, body, created, no_content,
    not_found, ok_json,
};
use crate::directory::DirectoryError;
use crate::http::respond;
use crate::model::{ModelError, Realm, User};
use crate::provider::{RandomMinter, hash_password, new_id};
use crate::representation::{
    self, CredentialRepresentation, GroupRepresentation, UserRepresentation,
};

/// The index of the user with this id.
pub(super) fn user_index(r: &Realm, id: &str) -> Result<usize, DirectoryError> {
    r.users
        .iter()
        .position(|u| u.id == id)
        .ok_or(DirectoryError::Model(ModelError::NotFound(USER_NOT_FOUND)))
}

/// The users a search names: `username`, `email` (`exact=true` or substrings), `search`,
/// `first` and `max`; service accounts never.
fn matching<'r>(r: &'r Realm, q: &HashMap<String, String>) -> Vec<&'r User> {
    let exact = q.get("exact").is_some_and(|v| v == "true");
    let field = |wanted: Option<&String>, value: Option<&str>| match wanted {
        None => true,
        Some(w) => {
            let v = value.unwrap_or("").to_lowercase();
            let w = w.to_lowercase();
            if exact { v == w } else { v.contains(&w) }
        }
    };
    let first: usize = q.get("first").and_then(|v| v.parse().ok()).unwrap_or(0);
    let max: usize = q.get("max").and_then(|v| v.parse().ok()).unwrap_or(100);
    r.users
        .iter()
        .filter(|u| u.service_account_client_id.is_none())
        .filter(|u| field(q.get("username"), Some(&u.username)))
        .filter(|u| field(q.get("email"), u.email.as_deref()))
        .filter(|u| {
            q.get("search").is_none_or(|s| {
                let s = s.trim_matches('*').to_lowercase();
                u.username.contains(&s)
                    || u.email
                        .as_deref()
                        .is_some_and(|e| e.to_lowercase().contains(&s))
            })
        })
        .skip(first)
        .take(max)
        .collect()
}

/// `GET …/users[?username=&email=&search=&exact=&first=&max=]`.
pub(super) async fn list(ReadRealm(r): ReadRealm, RawQuery(raw): RawQuery) -> Answer {
    let q = respond::query(raw.as_deref());
    let list: Vec<UserRepresentation> = matching(&r, &q)
        .into_iter()
        .map(representation::user_to)
        .collect();
    ok_json(&list)
}

/// `GET …/users/count`.
pub(super) async fn count(ReadRealm(r): ReadRealm, RawQuery(raw): RawQuery) -> Answer {
    let mut q = respond::query(raw.as_deref());
    q.insert("max".into(), usize::MAX.to_string());
    ok_json(&matching(&r, &q).len())
}

/// `POST …/users`: with credentials, roles and groups by path.
pub(super) async fn create(at: EditRealm, bytes: Bytes) -> Answer {
    let rep: UserRepresentation = body(&bytes)?;
    let provider = at.ctx.provider.clone();
    let realm = at.name.clone();
    // Hash outside the realm lock.
    let mut user = User::new(new_id(), &rep.username);
    user.created_timestamp = (clock::now() * 1000) as i64;
    let id = user.id.clone();
    blocking(move || -> Result<(), AdminError> {
        representation::update_user(&mut user, &rep, &mut RandomMinter)
            .map_err(|e| bad_request(e.to_string()))?;
        user.roles.realm = rep.realm_roles.clone();
        user.roles.client = rep.client_roles.clone();
        provider.directory().update_realm(&realm, |r| {
            user.groups.extend(r.group_ids(&rep.groups)?);
            r.give_default_role(&mut user);
            r.add_user(user)?;
            Ok(())
        })?;
        Ok(())
    })
    .await?;
    created(at.location(&format!("users/{id}")))
}

/// `GET …/users/{id}`.
pub(super) async fn get(ReadRealm(r): ReadRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    let u = r.user(&id).ok_or_else(|| not_found(USER_NOT_FOUND))?;
    ok_json(&representation::user_to(u))
}

/// `PUT …/users/{id}`.
pub(super) async fn update(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let rep: UserRepresentation = body(&bytes)?;
    let provider = at.ctx.provider.clone();
    let realm = at.name;
    blocking(move || -> Result<(), AdminError> {
        let r = provider
            .directory()
            .realm(&realm)
            .ok_or_else(|| not_found(REALM_NOT_FOUND))?;
        let mut user = r
            .user(&id)
            .cloned()
            .ok_or_else(|| not_found(USER_NOT_FOUND))?;
        representation::update_user(&mut user, &rep, &mut RandomMinter)
            .map_err(|e| bad_request(e.to_string()))?;
        provider.directory().update_realm(&realm, |r| {
            if r.users
                .iter()
                .any(|u| u.username == user.username && u.id != user.id)
            {
                return Err(ModelError::Conflict {
                    what: "User",
                    field: "username",
                }
                .into());
            }
            let i = user_index(r, &id)?;
            r.users[i] = user;
            Ok(())
        })?;
        Ok(())
    })
    .await?;
    no_content()
}

/// `DELETE …/users/{id}`.
pub(super) async fn delete(at: EditRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    at.change(move |r| {
        let i = user_index(r, &id)?;
        r.users.remove(i);
        Ok(())
    })
    .await?;
    no_content()
}

/// `PUT …/users/{id}/reset-password`.
pub(super) async fn reset_password(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let credential: CredentialRepresentation = body(&bytes)?;
    let Some(password) = credential.value.filter(|v| !v.is_empty()) else {
        return Err(bad_request("Password cannot be empty"));
    };
    let temporary = credential.temporary.unwrap_or(false);
    let provider = at.ctx.provider.clone();
    let realm = at.name;
    blocking(move || -> Result<(), AdminError> {
        let hash = hash_password(&password).map_err(bad_request)?;
        provider.directory().update_realm(&realm, |r| {
            let i = user_index(r, &id)?;
            let user = &mut r.users[i];
            user.password_hash = Some(hash);
            user.required_actions.retain(|a| a != "UPDATE_PASSWORD");
            if temporary {
                user.required_actions.push("UPDATE_PASSWORD".into());
            }
            Ok(())
        })?;
        Ok(())
    })
    .await?;
    no_content()
}

/// `GET …/users/{id}/groups`.
pub(super) async fn groups(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    let u = r.user(&id).ok_or_else(|| not_found(USER_NOT_FOUND))?;
    let list: Vec<GroupRepresentation> = r
        .user_groups(u)
        .into_iter()
        .map(|g| {
            let mut rep = representation::group_to(&r, g);
            rep.sub_groups.clear();
            rep
        })
        .collect();
    ok_json(&list)
}

/// `PUT …/users/{id}/groups/{group}`.
pub(super) async fn join_group(
    at: EditRealm,
    Path((_, id, group)): Path<(String, String, String)>,
) -> Answer {
    at.change(move |r| {
        if r.group(&group).is_none() {
            return Err(ModelError::NotFound("Group not found").into());
        }
        let i = user_index(r, &id)?;
        if !r.users[i].groups.contains(&group) {
            r.users[i].groups.push(group);
        }
        Ok(())
    })
    .await?;
    no_content()
}

/// `DELETE …/users/{id}/groups/{group}`.
pub(super) async fn leave_group(
    at: EditRealm,
    Path((_, id, group)): Path<(String, String, String)>,
) -> Answer {
    at.change(move |r| {
        let i = user_index(r, &id)?;
        r.users[i].groups.retain(|g| *g != group);
        Ok(())
    })
    .await?;
    no_content()
}
