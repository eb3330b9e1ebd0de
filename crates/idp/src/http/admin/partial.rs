//! `POST …/partial-export` (the realm without users; clients and groups/roles on request, client
//! secrets masked) and `POST …/partialImport` (users, clients, groups, realm and client roles
//! into an existing realm; `ifResourceExists` `FAIL`, `SKIP` or `OVERWRITE`), answered as
//! Keycloak's `PartialImportResults`.

use axum::body::Bytes;
use axum::extract::RawQuery;
use serde_json::{Value, json};

use super::super::blocking;
use super::access::{EditRealm, ReadRealm};
use super::answer::{AdminError, Answer, bad_request, body, ok_json};
use crate::http::respond;
use crate::model::{ModelError, Realm, User};
use crate::provider::RandomMinter;
use crate::representation::{self, GroupRepresentation, RealmRepresentation};

/// `POST …/partial-export[?exportClients=&exportGroupsAndRoles=]`.
pub(super) async fn export(ReadRealm(r): ReadRealm, RawQuery(raw): RawQuery) -> Answer {
    let q = respond::query(raw.as_deref());
    let on = |k: &str| q.get(k).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let mut rep = representation::export(&r);
    rep.users = None;
    if on("exportClients") {
        for c in rep.clients.iter_mut().flatten() {
            if c.secret.is_some() {
                c.secret = Some("**********".into());
            }
        }
    } else {
        rep.clients = None;
    }
    if !on("exportGroupsAndRoles") {
        rep.groups = None;
        rep.roles = None;
    }
    ok_json(&rep)
}

/// What to do with a resource that exists.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Policy {
    Fail,
    Skip,
    Overwrite,
}

/// The results of a partial import.
#[derive(Default)]
struct Results {
    added: usize,
    skipped: usize,
    overwritten: usize,
    list: Vec<Value>,
}

impl Results {
    fn note(&mut self, action: &str, kind: &str, name: &str, id: &str) {
        match action {
            "ADDED" => self.added += 1,
            "SKIPPED" => self.skipped += 1,
            _ => self.overwritten += 1,
        }
        self.list
            .push(json!({"action": action, "resourceType": kind, "resourceName": name, "id": id}));
    }
}

/// Keycloak's 409 for a resource that exists under `FAIL`.
fn exists(kind: &str, name: &str) -> crate::directory::DirectoryError {
    ModelError::Exists(format!("{kind} '{name}' already exists.")).into()
}

/// `POST …/partialImport`.
pub(super) async fn import(at: EditRealm, bytes: Bytes) -> Answer {
    let rep: RealmRepresentation = body(&bytes)?;
    let policy = match rep.other.get("ifResourceExists").and_then(Value::as_str) {
        None | Some("FAIL") => Policy::Fail,
        Some("SKIP") => Policy::Skip,
        Some("OVERWRITE") => Policy::Overwrite,
        Some(other) => return Err(bad_request(format!("Unknown ifResourceExists: {other}"))),
    };
    // Users are built (and their passwords hashed) before the realm is locked.
    let users: Vec<(User, Vec<String>)> = blocking({
        let reps = rep.users.clone().unwrap_or_default();
        move || -> Result<_, AdminError> {
            reps.iter()
                .map(|u| {
                    let mut user = User::new(
                        u.id.clone().unwrap_or_else(crate::provider::new_id),
                        &u.username,
                    );
                    representation::update_user(&mut user, u, &mut RandomMinter)
                        .map_err(|e| bad_request(e.to_string()))?;
                    user.roles.realm = u.realm_roles.clone();
                    user.roles.client = u.client_roles.clone();
                    Ok((user, u.groups.clone()))
                })
                .collect()
        }
    })
    .await?;
    let results = at
        .change(move |r| {
            let mut out = Results::default();
            import_roles(r, &rep, policy, &mut out)?;
            import_clients(r, &rep, policy, &mut out)?;
            import_groups(
                r,
                rep.groups.as_deref().unwrap_or(&[]),
                None,
                policy,
                &mut out,
            )?;
            for (user, groups) in &users {
                let mut user = user.clone();
                user.groups = r.group_ids(groups)?;
                let name = user.username.clone();
                match r.users.iter().position(|u| u.username == name) {
                    Some(_) if policy == Policy::Fail => return Err(exists("User", &name)),
                    Some(i) if policy == Policy::Skip => {
                        let id = r.users[i].id.clone();
                        out.note("SKIPPED", "USER", &name, &id);
                    }
                    Some(i) => {
                        user.id = r.users[i].id.clone();
                        out.note("OVERWRITTEN", "USER", &name, &user.id);
                        r.users[i] = user;
                    }
                    None => {
                        out.note("ADDED", "USER", &name, &user.id);
                        r.add_user(user)?;
                    }
                }
            }
            representation::ensure_service_accounts(r, &mut RandomMinter);
            Ok(out)
        })
        .await?;
    ok_json(&json!({
        "overwritten": results.overwritten,
        "added": results.added,
        "skipped": results.skipped,
        "results": results.list,
    }))
}

fn import_roles(
    r: &mut Realm,
    rep: &RealmRepresentation,
    policy: Policy,
    out: &mut Results,
) -> Result<(), crate::directory::DirectoryError> {
    let Some(roles) = &rep.roles else {
        return Ok(());
    };
    for role in &roles.realm {
        let new = representation::role_from(role, &mut RandomMinter);
        match r.roles.iter().position(|x| x.name == role.name) {
            Some(_) if policy == Policy::Fail => return Err(exists("Realm role", &role.name)),
            Some(i) if policy == Policy::Skip => {
                let id = r.roles[i].id.clone();
                out.note("SKIPPED", "REALM_ROLE", &role.name, &id);
            }
            Some(i) => {
                let id = r.roles[i].id.clone();
                r.roles[i] = crate::model::Role {
                    id: id.clone(),
                    ..new
                };
                out.note("OVERWRITTEN", "REALM_ROLE", &role.name, &id);
            }
            None => {
                out.note("ADDED", "REALM_ROLE", &role.name, &new.id);
                r.roles.push(new);
            }
        }
    }
    for (client_id, list) in &roles.client {
        let in_file = rep
            .clients
            .iter()
            .flatten()
            .any(|c| c.client_id == *client_id);
        let Some(c) = r.clients.iter_mut().find(|c| c.client_id == *client_id) else {
            if in_file {
                continue;
            }
            return Err(ModelError::Invalid(format!("Client {client_id} not found")).into());
        };
        for role in list {
            let new = representation::role_from(role, &mut RandomMinter);
            match c.roles.iter().position(|x| x.name == role.name) {
                Some(_) if policy == Policy::Fail => return Err(exists("Client role", &role.name)),
                Some(i) if policy == Policy::Skip => {
                    out.note("SKIPPED", "CLIENT_ROLE", &role.name, &c.roles[i].id.clone());
                }
                Some(i) => {
                    let id = c.roles[i].id.clone();
                    c.roles[i] = crate::model::Role {
                        id: id.clone(),
                        ..new
                    };
                    out.note("OVERWRITTEN", "CLIENT_ROLE", &role.name, &id);
                }
                None => {
                    out.note("ADDED", "CLIENT_ROLE", &role.name, &new.id);
                    c.roles.push(new);
                }
            }
        }
    }
    Ok(())
}

fn import_clients(
    r: &mut Realm,
    rep: &RealmRepresentation,
    policy: Policy,
    out: &mut Results,
) -> Result<(), crate::directory::DirectoryError> {
    for c in rep.clients.iter().flatten() {
        let mut client = representation::client_from(c, &mut RandomMinter);
        if c.default_client_scopes.is_none() && c.optional_client_scopes.is_none() {
            crate::defaults::assign_default_scopes(r, &mut client);
        }
        if let Some(roles) = rep.roles.as_ref().and_then(|x| x.client.get(&c.client_id)) {
            client.roles = roles
                .iter()
                .map(|x| representation::role_from(x, &mut RandomMinter))
                .collect();
        }
        match r.clients.iter().position(|x| x.client_id == c.client_id) {
            Some(_) if policy == Policy::Fail => return Err(exists("Client", &c.client_id)),
            Some(i) if policy == Policy::Skip => {
                let id = r.clients[i].id.clone();
                out.note("SKIPPED", "CLIENT", &c.client_id, &id);
            }
            Some(i) => {
                client.id = r.clients[i].id.clone();
                out.note("OVERWRITTEN", "CLIENT", &c.client_id, &client.id);
                r.clients[i] = client;
            }
            None => {
                out.note("ADDED", "CLIENT", &c.client_id, &client.id);
                r.add_client(client)?;
            }
        }
    }
    Ok(())
}

fn import_groups(
    r: &mut Realm,
    reps: &[GroupRepresentation],
    parent: Option<&str>,
    policy: Policy,
    out: &mut Results,
) -> Result<(), crate::directory::DirectoryError> {
    for g in reps {
        let existing = r
            .groups
            .iter()
            .position(|x| x.name == g.name && x.parent.as_deref() == parent);
        let id = match existing {
            Some(_) if policy == Policy::Fail => return Err(exists("Group", &g.name)),
            Some(i) => {
                let id = r.groups[i].id.clone();
                if policy == Policy::Overwrite {
                    r.groups[i].roles.realm = g.realm_roles.clone();
                    r.groups[i].roles.client = g.client_roles.clone();
                    r.groups[i].attributes = g.attributes.clone();
                    out.note("OVERWRITTEN", "GROUP", &g.name, &id);
                } else {
                    out.note("SKIPPED", "GROUP", &g.name, &id);
                }
                id
            }
            None => {
                let mut group = crate::model::Group::new(
                    g.id.clone().unwrap_or_else(crate::provider::new_id),
                    &g.name,
                    parent,
                );
                group.roles.realm = g.realm_roles.clone();
                group.roles.client = g.client_roles.clone();
                group.attributes = g.attributes.clone();
                let id = group.id.clone();
                out.note("ADDED", "GROUP", &g.name, &id);
                r.add_group(group)?;
                id
            }
        };
        import_groups(r, &g.sub_groups, Some(&id), policy, out)?;
    }
    Ok(())
}
