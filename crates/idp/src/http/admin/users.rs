//! `/admin/realms/{realm}/users`: search, count, create, update, delete, reset-password, group
//! membership, credentials, sessions and logout.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use serde_json::json;

use super::super::{Ctx, blocking, clock};
use super::access::{EditRealm, ReadRealm};
use super::answer::{
    AdminError, Answer, Page, REALM_NOT_FOUND, USER_NOT_FOUND, bad_request, brief, created,
    no_content, not_found, ok_json, strict,
};
use super::lookup::{client_of, session_json};
use crate::directory::DirectoryError;
use crate::flows::ldap;
use crate::flows::refresh::Session;
use crate::http::respond;
use crate::model::user_index::UserIndex;
use crate::model::{Group, ModelError, Realm, UPDATE_PASSWORD, User};
use crate::provider::lifetimes::session_lifetimes;
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

/// A users search: `username`, `email`, `firstName`, `lastName` (`exact=true` or substrings),
/// `search` (any of them; `*` wildcards dropped), `enabled`, `emailVerified`, `q`
/// (`attribute:value …`); service accounts never match. The words are lowercased once, not for
/// every user.
struct Search<'q> {
    exact: bool,
    fields: [Option<String>; 4],
    any: Option<String>,
    enabled: Option<&'q str>,
    email_verified: Option<&'q str>,
    attributes: Option<&'q str>,
}

impl<'q> Search<'q> {
    fn of(q: &'q HashMap<String, String>) -> Self {
        let lower = |key: &str| q.get(key).map(|v| v.to_lowercase());
        Self {
            exact: q
                .get("exact")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            fields: [
                lower("username"),
                lower("email"),
                lower("firstName"),
                lower("lastName"),
            ],
            any: q.get("search").map(|s| s.trim_matches('*').to_lowercase()),
            enabled: q.get("enabled").map(String::as_str),
            email_verified: q.get("emailVerified").map(String::as_str),
            attributes: q.get("q").map(String::as_str),
        }
    }

    /// The positions of the users that may match, in username order: those of an exact
    /// username or e-mail, else every user.
    fn candidates<'i>(&self, r: &Realm, index: &'i UserIndex) -> Cow<'i, [usize]> {
        let [username, email, ..] = &self.fields;
        match (self.exact, username, email) {
            (true, Some(name), _) => Cow::Borrowed(index.username(name)),
            (true, None, Some(email)) => {
                let mut found = index.email(email).to_vec();
                found.sort_unstable_by(|&a, &b| r.users[a].username.cmp(&r.users[b].username));
                Cow::Owned(found)
            }
            _ => Cow::Borrowed(index.in_username_order()),
        }
    }

    /// What it asks of LDAP providers without import (Keycloak queries them).
    fn ldap(&self) -> ldap::UserQuery {
        let models = ["username", "email", "firstName", "lastName"];
        ldap::UserQuery {
            fields: models
                .into_iter()
                .zip(&self.fields)
                .filter_map(|(model, wanted)| Some((model, wanted.clone()?)))
                .collect(),
            search: self.any.clone(),
            exact: self.exact,
        }
    }

    fn matches(&self, u: &User) -> bool {
        let values = [
            Some(u.username.as_str()),
            u.email.as_deref(),
            u.first_name.as_deref(),
            u.last_name.as_deref(),
        ];
        let field = |wanted: &Option<String>, value: Option<&str>| match wanted {
            None => true,
            Some(w) if self.exact => equals_folded(value.unwrap_or(""), w),
            Some(w) => contains_folded(value.unwrap_or(""), w),
        };
        let flag =
            |wanted: Option<&str>, value: bool| wanted.is_none_or(|v| v == value.to_string());
        u.service_account_client_id.is_none()
            && self
                .fields
                .iter()
                .zip(values)
                .all(|(wanted, value)| field(wanted, value))
            && flag(self.enabled, u.enabled)
            && flag(self.email_verified, u.email_verified)
            && self
                .any
                .as_ref()
                .is_none_or(|s| values.into_iter().flatten().any(|v| contains_folded(v, s)))
            && self.attributes.is_none_or(|attrs| {
                attrs.split_whitespace().all(|pair| {
                    let (k, v) = pair.split_once(':').unwrap_or((pair, ""));
                    u.attributes
                        .get(k)
                        .is_some_and(|vs| vs.iter().any(|x| x == v))
                })
            })
    }
}

/// Whether `value`, lowercased, equals `lower` (already lowercase); no allocation for ASCII.
fn equals_folded(value: &str, lower: &str) -> bool {
    if value.is_ascii() && lower.is_ascii() {
        value.eq_ignore_ascii_case(lower)
    } else {
        value.to_lowercase() == lower
    }
}

/// Whether `value`, lowercased, contains `lower` (already lowercase); no allocation for ASCII.
fn contains_folded(value: &str, lower: &str) -> bool {
    if lower.is_empty() {
        return true;
    }
    if value.is_ascii() && lower.is_ascii() {
        value
            .as_bytes()
            .windows(lower.len())
            .any(|window| window.eq_ignore_ascii_case(lower.as_bytes()))
    } else {
        value.to_lowercase().contains(lower)
    }
}

/// `GET …/users[?username=&email=&firstName=&lastName=&search=&exact=&enabled=&q=&first=&max=&briefRepresentation=]`:
/// the page of the matching users sorted by username, as Keycloak lists them. On the realm as
/// cached, its users' index gives the username order (and an exact username or e-mail its
/// users) without a scan or a sort; on another copy, only the page is sorted.
pub(super) async fn list(
    State(ctx): State<Arc<Ctx>>,
    ReadRealm(r): ReadRealm,
    RawQuery(raw): RawQuery,
) -> Answer {
    let q = respond::query(raw.as_deref());
    let brief = brief(&q, false);
    let search = Search::of(&q);
    let page = Page::of(&q, Some(100));
    let list: Vec<UserRepresentation> = match ctx.provider.directory().user_index(&r) {
        Some(index) => page
            .apply(
                search
                    .candidates(&r, &index)
                    .iter()
                    .map(|&i| &r.users[i])
                    .filter(|u| search.matches(u)),
            )
            .map(|u| representation::user_brief(u, brief))
            .collect(),
        None => {
            let matched: Vec<&User> = r.users.iter().filter(|u| search.matches(u)).collect();
            page.of_sorted(matched, |a, b| a.username.cmp(&b.username))
                .into_iter()
                .map(|u| representation::user_brief(u, brief))
                .collect()
        }
    };
    if !ldap::reads_live(&r) {
        return ok_json(&list);
    }
    // Keycloak's order: the stored users, then each LDAP provider's, paged as one list.
    let local = r.users.iter().filter(|u| search.matches(u)).count();
    let want = page.end().map_or(Some(0), |end| end.checked_sub(local));
    let Some(want) = want.filter(|&w| w > 0 || page.end().is_none()) else {
        return ok_json(&list);
    };
    // Those already read at a login are left out after the search: ask for as many more.
    let known = r.users.iter().filter(|u| u.id.starts_with("f:")).count();
    let limit = if want == 0 {
        0
    } else {
        want.saturating_add(known)
    };
    let read = read_ldap(&ctx, &r, &search, limit).await?;
    let skip = page.first().saturating_sub(local);
    let room = page
        .end()
        .map_or(usize::MAX, |end| end - local.max(page.first()));
    let mut list = list;
    list.extend(
        read.iter()
            .skip(skip)
            .take(room)
            .map(|u| representation::user_brief(u, brief)),
    );
    ok_json(&list)
}

/// The users LDAP providers without import have for `search` (at most `limit`; 0: all), but
/// those `r` has already (read at a login, or a local user of the same username).
async fn read_ldap(
    ctx: &Arc<Ctx>,
    r: &Arc<Realm>,
    search: &Search<'_>,
    limit: usize,
) -> Result<Vec<User>, AdminError> {
    let provider = ctx.provider.clone();
    let realm = r.clone();
    let query = search.ldap();
    let read = blocking(move || provider.ldap_users(&realm, &query, limit))
        .await
        .map_err(super::user_storage::ldap_error)?;
    Ok(read
        .into_iter()
        .filter(|u| {
            search.matches(u)
                && !r
                    .users
                    .iter()
                    .any(|x| x.id == u.id || x.username == u.username)
        })
        .collect())
}

/// `GET …/users/count`.
pub(super) async fn count(
    State(ctx): State<Arc<Ctx>>,
    ReadRealm(r): ReadRealm,
    RawQuery(raw): RawQuery,
) -> Answer {
    let q = respond::query(raw.as_deref());
    let search = Search::of(&q);
    let count = match ctx.provider.directory().user_index(&r) {
        Some(index) => search
            .candidates(&r, &index)
            .iter()
            .filter(|&&i| search.matches(&r.users[i]))
            .count(),
        None => r.users.iter().filter(|u| search.matches(u)).count(),
    };
    if !ldap::reads_live(&r) {
        return ok_json(&count);
    }
    let read = read_ldap(&ctx, &r, &search, 0).await?;
    ok_json(&(count + read.len()))
}

/// `POST …/users`: with credentials, roles and groups by path.
pub(super) async fn create(at: EditRealm, bytes: Bytes) -> Answer {
    let rep: UserRepresentation = strict(&bytes)?;
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
            let mut user = user.clone();
            user.groups.extend(r.group_ids(&rep.groups)?);
            r.give_default_role(&mut user);
            crate::model::user_profile::apply(r.user_profile.as_ref(), None, &mut user);
            r.add_user(user)?;
            Ok(())
        })?;
        Ok(())
    })
    .await?;
    created(at.location(&format!("users/{id}")))
}

/// `GET …/users/{id}`: a user of an LDAP provider without import (`f:<provider>:<uuid>`)
/// that did not log in since the start is read from LDAP.
pub(super) async fn get(
    State(ctx): State<Arc<Ctx>>,
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    if let Some(u) = r.user(&id) {
        return ok_json(&representation::user_to(u));
    }
    if ldap::split_federated_id(&id).is_none() {
        return Err(not_found(USER_NOT_FOUND));
    }
    let provider = ctx.provider.clone();
    let read = blocking(move || provider.ldap_user(&r, &id))
        .await
        .map_err(super::user_storage::ldap_error)?;
    let u = read.ok_or_else(|| not_found(USER_NOT_FOUND))?;
    ok_json(&representation::user_to(&u))
}

/// `PUT …/users/{id}`.
pub(super) async fn update(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let rep: UserRepresentation = strict(&bytes)?;
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
        let before = user.clone();
        representation::update_user(&mut user, &rep, &mut RandomMinter)
            .map_err(|e| bad_request(e.to_string()))?;
        let from_ldap = |u: &User| {
            (
                u.username.clone(),
                u.email.clone(),
                u.first_name.clone(),
                u.last_name.clone(),
            )
        };
        if from_ldap(&before) != from_ldap(&user)
            && super::components::writes_ldap(&r, &id, "User is read only!")?
        {
            provider
                .ldap_update_user(&r, &before, &user)
                .map_err(super::user_storage::ldap_error)?;
        }
        user.federation_link = before.federation_link.clone();
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
            let mut user = user.clone();
            crate::model::user_profile::apply(
                r.user_profile.as_ref(),
                Some(&r.users[i]),
                &mut user,
            );
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
    let credential: CredentialRepresentation = strict(&bytes)?;
    let r = at.realm()?;
    if r.user(&id).is_none() {
        return Err(not_found(USER_NOT_FOUND));
    }
    let in_ldap =
        super::components::writes_ldap(&r, &id, "Can't reset password as account is read only")?;
    let Some(password) = credential.value.filter(|v| !v.is_empty()) else {
        return Err(bad_request("Password cannot be empty"));
    };
    let temporary = credential.temporary.unwrap_or(false);
    let provider = at.ctx.provider.clone();
    let realm = at.name;
    blocking(move || -> Result<(), AdminError> {
        // A WRITABLE provider's user: the password is LDAP's (its bind checks it), never kept.
        let hash = if in_ldap {
            let user = r.user(&id).ok_or_else(|| not_found(USER_NOT_FOUND))?;
            provider
                .ldap_set_password(&r, user, &password)
                .map_err(super::user_storage::ldap_error)?;
            None
        } else {
            Some(hash_password(&password).map_err(bad_request)?)
        };
        provider.directory().update_realm(&realm, |r| {
            let i = user_index(r, &id)?;
            let user = &mut r.users[i];
            if hash.is_some() {
                user.password_hash = hash.clone();
            }
            user.required_actions.retain(|a| a != UPDATE_PASSWORD);
            if temporary {
                user.required_actions.push(UPDATE_PASSWORD.into());
            }
            Ok(())
        })?;
        Ok(())
    })
    .await?;
    no_content()
}

/// The groups of a user a query names (`search` in the name), in order.
fn user_groups<'r>(r: &'r Realm, u: &'r User, q: &HashMap<String, String>) -> Vec<&'r Group> {
    let search = q
        .get("search")
        .map(|s| s.to_lowercase())
        .filter(|s| !s.is_empty());
    r.user_groups(u)
        .into_iter()
        .filter(|g| {
            search
                .as_ref()
                .is_none_or(|s| g.name.to_lowercase().contains(s))
        })
        .collect()
}

/// `GET …/users/{id}/groups[?search=&first=&max=&briefRepresentation=]`.
pub(super) async fn groups(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Answer {
    let q = respond::query(raw.as_deref());
    let u = r.user(&id).ok_or_else(|| not_found(USER_NOT_FOUND))?;
    let brief = brief(&q, true);
    let list: Vec<GroupRepresentation> = Page::of(&q, None)
        .apply(user_groups(&r, u, &q).into_iter())
        .map(|g| {
            let mut rep = representation::group_to(&r, g);
            rep.sub_groups.clear();
            if brief {
                rep.attributes.clear();
                rep.realm_roles.clear();
                rep.client_roles.clear();
            }
            rep
        })
        .collect();
    ok_json(&list)
}

/// `GET …/users/{id}/groups/count[?search=]`: `{"count": n}`.
pub(super) async fn groups_count(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Answer {
    let q = respond::query(raw.as_deref());
    let u = r.user(&id).ok_or_else(|| not_found(USER_NOT_FOUND))?;
    ok_json(&json!({ "count": user_groups(&r, u, &q).len() }))
}

/// The id kubeward gives a user's password or OTP credential (one of each at most).
fn credential_id(user: &User, kind: &str) -> String {
    format!("{}.{kind}", user.id)
}

/// `GET …/users/{id}/credentials`: the password and the OTP authenticator, without secrets.
pub(super) async fn credentials(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    let u = r.user(&id).ok_or_else(|| not_found(USER_NOT_FOUND))?;
    let mut list = Vec::new();
    if u.password_hash.is_some() {
        list.push(json!({
            "id": credential_id(u, "password"),
            "type": "password",
            "createdDate": u.created_timestamp,
            "credentialData": r#"{"algorithm":"argon2","additionalParameters":{}}"#,
        }));
    }
    if u.totp_secret.is_some() {
        list.push(json!({
            "id": credential_id(u, "otp"),
            "type": "otp",
            "userLabel": "authenticator",
            "createdDate": u.created_timestamp,
            "credentialData": r#"{"subType":"totp","digits":6,"period":30,"algorithm":"HmacSHA1"}"#,
        }));
    }
    ok_json(&list)
}

/// `DELETE …/users/{id}/credentials/{credential}`.
pub(super) async fn delete_credential(
    at: EditRealm,
    Path((_, id, credential)): Path<(String, String, String)>,
) -> Answer {
    at.change(move |r| {
        let i = user_index(r, &id)?;
        let u = &mut r.users[i];
        if credential == credential_id(u, "password") && u.password_hash.is_some() {
            u.password_hash = None;
        } else if credential == credential_id(u, "otp") && u.totp_secret.is_some() {
            u.totp_secret = None;
        } else {
            return Err(ModelError::NotFound("Credential not found").into());
        }
        Ok(())
    })
    .await?;
    no_content()
}

/// The live sessions of a user (`offline`: the offline ones).
async fn sessions_of(
    at: &EditRealm,
    r: &Realm,
    user: &str,
    offline: bool,
) -> Result<Vec<Session>, AdminError> {
    let provider = at.ctx.provider.clone();
    let (realm, user, r2) = (r.name.clone(), user.to_string(), r.clone());
    let now = clock::now();
    let all = blocking(move || provider.directory().sessions(&realm)).await?;
    Ok(all
        .into_iter()
        .filter(|s| s.user_id == user && s.offline == offline)
        .filter(|s| s.active(session_lifetimes(&r2, s), now))
        .collect())
}

/// `GET …/users/{id}/sessions`.
pub(super) async fn sessions(at: EditRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    let r = at.realm()?;
    r.user(&id).ok_or_else(|| not_found(USER_NOT_FOUND))?;
    let list: Vec<serde_json::Value> = sessions_of(&at, &r, &id, false)
        .await?
        .iter()
        .map(|s| session_json(&r, s))
        .collect();
    ok_json(&list)
}

/// `GET …/users/{id}/offline-sessions/{client}`: the user's offline sessions with that client.
pub(super) async fn offline_sessions(
    at: EditRealm,
    Path((_, id, client)): Path<(String, String, String)>,
) -> Answer {
    let r = at.realm()?;
    r.user(&id).ok_or_else(|| not_found(USER_NOT_FOUND))?;
    let c = client_of(&r, &client)?;
    let list: Vec<serde_json::Value> = sessions_of(&at, &r, &id, true)
        .await?
        .iter()
        .filter(|s| s.families.values().any(|f| f.client_id == c.client_id))
        .map(|s| session_json(&r, s))
        .collect();
    ok_json(&list)
}

/// `POST …/users/{id}/logout`: ends the user's SSO sessions (offline sessions stay).
pub(super) async fn logout(at: EditRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    let r = at.realm()?;
    r.user(&id).ok_or_else(|| not_found(USER_NOT_FOUND))?;
    let doomed = sessions_of(&at, &r, &id, false).await?;
    let provider = at.ctx.provider.clone();
    blocking(move || {
        for s in doomed {
            provider.end_session(&r, &s.id);
        }
    })
    .await;
    no_content()
}

/// `GET …/users/{id}/consents`: kubeward asks for no consent (an empty list).
pub(super) async fn none_yet(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    r.user(&id).ok_or_else(|| not_found(USER_NOT_FOUND))?;
    ok_json(&Vec::<serde_json::Value>::new())
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
            r.users[i].groups.push(group.clone());
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
