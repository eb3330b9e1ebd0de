//! `apply`: reconciles a realm to a Keycloak realm file. Creates what is missing, updates what
//! differs, and with `prune` deletes what the file does not name. Applying the same file twice
//! changes nothing the second time (passwords are re-hashed only when they no longer verify).

use std::collections::BTreeSet;

use crate::defaults;
use crate::flows::password;
use crate::model::{Group, Realm, Role, RoleMappings, User};
use crate::representation::{
    self, GroupRepresentation, ImportError, Minter, RealmRepresentation, RoleRepresentation,
    UserRepresentation,
};

/// One change `apply` made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `created`, `updated` or `deleted`.
    pub action: &'static str,
    /// `realm`, `client`, `role`, `group`, `user`.
    pub kind: &'static str,
    /// The name (clientId, username, group path, role name).
    pub name: String,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.kind, self.name, self.action)
    }
}

fn change(changes: &mut Vec<Change>, action: &'static str, kind: &'static str, name: &str) {
    changes.push(Change {
        action,
        kind,
        name: name.to_string(),
    });
}

/// A role the file adds: a fresh id, whatever id the file gives.
fn new_role(r: &RoleRepresentation, minter: &mut dyn Minter) -> Role {
    let mut role = Role::new(minter.id(), &r.name, r.description.clone());
    role.composites = representation::composites_from(r);
    role
}

/// Reconciles `current` (or a new realm) to `desired`; returns the realm to store and the
/// changes (empty: nothing to write).
pub fn apply(
    current: Option<&Realm>,
    desired: &RealmRepresentation,
    prune: bool,
    minter: &mut dyn Minter,
) -> Result<(Realm, Vec<Change>), ImportError> {
    let Some(current) = current else {
        let realm = representation::import(desired, minter)?;
        return Ok((
            realm,
            vec![Change {
                action: "created",
                kind: "realm",
                name: desired.realm.clone(),
            }],
        ));
    };
    let mut realm = current.clone();
    let mut changes = Vec::new();
    representation::apply_settings(&mut realm, desired);
    if realm.settings != current.settings
        || realm.enabled != current.enabled
        || realm.display_name != current.display_name
    {
        change(&mut changes, "updated", "realm", &realm.name);
    }
    let roles = desired.roles.clone().unwrap_or_default();
    // Realm roles.
    if desired.roles.is_some() {
        for r in &roles.realm {
            let composites = representation::composites_from(r);
            match realm.roles.iter_mut().find(|x| x.name == r.name) {
                Some(existing) => {
                    if existing.description != r.description || existing.composites != composites {
                        existing.description = r.description.clone();
                        existing.composites = composites;
                        change(&mut changes, "updated", "role", &r.name);
                    }
                }
                None => {
                    realm.roles.push(new_role(r, minter));
                    change(&mut changes, "created", "role", &r.name);
                }
            }
        }
        if prune {
            // Keycloak's own roles stay (`offline_access`, `default-roles-<realm>`, …).
            let keep: BTreeSet<String> = roles
                .realm
                .iter()
                .map(|r| r.name.clone())
                .chain(
                    realm
                        .roles
                        .iter()
                        .filter(|r| defaults::is_builtin_role(&realm, &r.name))
                        .map(|r| r.name.clone()),
                )
                .collect();
            for r in realm.roles.iter().filter(|r| !keep.contains(&r.name)) {
                change(&mut changes, "deleted", "role", &r.name);
            }
            realm.roles.retain(|r| keep.contains(&r.name));
        }
    }
    // Clients.
    if let Some(clients) = &desired.clients {
        for c in clients {
            let client_roles = roles.client.get(&c.client_id);
            match realm
                .clients
                .iter()
                .position(|x| x.client_id == c.client_id)
            {
                Some(i) => {
                    let before = realm.clients[i].clone();
                    representation::update_client(&mut realm.clients[i], c, minter);
                    if let Some(list) = client_roles {
                        let client = &mut realm.clients[i];
                        for r in list {
                            match client.roles.iter_mut().find(|x| x.name == r.name) {
                                Some(existing) => {
                                    existing.description = r.description.clone();
                                    existing.composites = representation::composites_from(r);
                                }
                                None => client.roles.push(new_role(r, minter)),
                            }
                        }
                        if prune {
                            client
                                .roles
                                .retain(|x| list.iter().any(|r| r.name == x.name));
                        }
                    }
                    if realm.clients[i] != before {
                        change(&mut changes, "updated", "client", &c.client_id);
                    }
                }
                None => {
                    let mut client = representation::client_from(c, minter);
                    if c.default_client_scopes.is_none() && c.optional_client_scopes.is_none() {
                        defaults::assign_default_scopes(&realm, &mut client);
                    }
                    if let Some(list) = client_roles {
                        client.roles = list.iter().map(|r| new_role(r, minter)).collect();
                    }
                    realm.add_client(client)?;
                    change(&mut changes, "created", "client", &c.client_id);
                }
            }
        }
        if prune {
            // Keycloak's built-in clients stay.
            let builtin = defaults::builtin_clients(&realm.name);
            let keep: BTreeSet<&str> = clients
                .iter()
                .map(|c| c.client_id.as_str())
                .chain(builtin.iter().map(String::as_str))
                .collect();
            for c in realm
                .clients
                .iter()
                .filter(|c| !keep.contains(c.client_id.as_str()))
            {
                change(&mut changes, "deleted", "client", &c.client_id);
            }
            realm
                .clients
                .retain(|c| keep.contains(c.client_id.as_str()));
            realm.users.retain(|u| {
                u.service_account_client_id
                    .as_deref()
                    .is_none_or(|c| keep.contains(c))
            });
        }
        let before = realm.users.len();
        representation::ensure_service_accounts(&mut realm, minter);
        for u in &realm.users[before..] {
            changes.push(Change {
                action: "created",
                kind: "user",
                name: u.username.clone(),
            });
        }
    }
    // Groups (by path).
    if let Some(groups) = &desired.groups {
        let mut wanted = BTreeSet::new();
        apply_groups(
            &mut realm,
            groups,
            None,
            "",
            &mut wanted,
            &mut changes,
            minter,
        )?;
        if prune {
            let doomed: Vec<Group> = realm
                .groups
                .iter()
                .filter(|g| !wanted.contains(&realm.group_path(g)))
                .cloned()
                .collect();
            for g in &doomed {
                change(&mut changes, "deleted", "group", &realm.group_path(g));
            }
            let ids: BTreeSet<&str> = doomed.iter().map(|g| g.id.as_str()).collect();
            realm.groups.retain(|g| !ids.contains(g.id.as_str()));
            for u in &mut realm.users {
                u.groups.retain(|id| !ids.contains(id.as_str()));
            }
        }
    }
    // Users.
    if let Some(users) = &desired.users {
        for u in users {
            let name = u.username.to_lowercase();
            match realm.users.iter().position(|x| x.username == name) {
                Some(i) => {
                    let before = realm.users[i].clone();
                    let rep = without_current_password(&before, u);
                    representation::update_user(&mut realm.users[i], &rep, minter)?;
                    let groups = resolve_groups(&realm, u)?;
                    let user = &mut realm.users[i];
                    user.groups = groups;
                    user.roles = RoleMappings {
                        realm: u.realm_roles.clone(),
                        client: u.client_roles.clone(),
                    };
                    if *user != before {
                        change(&mut changes, "updated", "user", &name);
                    }
                }
                None => {
                    let mut user = User::new(u.id.clone().unwrap_or_else(|| minter.id()), &name);
                    representation::update_user(&mut user, u, minter)?;
                    user.groups = resolve_groups(&realm, u)?;
                    user.roles = RoleMappings {
                        realm: u.realm_roles.clone(),
                        client: u.client_roles.clone(),
                    };
                    realm.add_user(user)?;
                    change(&mut changes, "created", "user", &name);
                }
            }
        }
        if prune {
            let keep: BTreeSet<String> = users.iter().map(|u| u.username.to_lowercase()).collect();
            let dropped: Vec<String> = realm
                .users
                .iter()
                .filter(|u| u.service_account_client_id.is_none() && !keep.contains(&u.username))
                .map(|u| u.username.clone())
                .collect();
            for name in &dropped {
                change(&mut changes, "deleted", "user", name);
            }
            realm.users.retain(|u| !dropped.contains(&u.username));
        }
    }
    Ok((realm, changes))
}

/// The representation without password credentials that already verify (no re-hash).
fn without_current_password(user: &User, rep: &UserRepresentation) -> UserRepresentation {
    let mut rep = rep.clone();
    rep.credentials.retain(|c| {
        let current = c.kind == "password"
            && (c
                .value
                .as_deref()
                .is_some_and(|v| password::verify(v, user.password_hash.as_deref()))
                || (c.secret_data.is_some() && c.secret_data == user.password_hash));
        !current
    });
    rep
}

fn resolve_groups(realm: &Realm, rep: &UserRepresentation) -> Result<Vec<String>, ImportError> {
    Ok(realm.group_ids(&rep.groups)?)
}

fn apply_groups(
    realm: &mut Realm,
    reps: &[GroupRepresentation],
    parent: Option<&str>,
    parent_path: &str,
    wanted: &mut BTreeSet<String>,
    changes: &mut Vec<Change>,
    minter: &mut dyn Minter,
) -> Result<(), ImportError> {
    for rep in reps {
        let path = format!("{parent_path}/{}", rep.name);
        wanted.insert(path.clone());
        let roles = RoleMappings {
            realm: rep.realm_roles.clone(),
            client: rep.client_roles.clone(),
        };
        let id = match realm
            .groups
            .iter_mut()
            .find(|g| g.name == rep.name && g.parent.as_deref() == parent)
        {
            Some(g) => {
                if g.roles != roles {
                    g.roles = roles;
                    change(changes, "updated", "group", &path);
                }
                g.id.clone()
            }
            None => {
                let id = minter.id();
                realm.add_group(Group {
                    roles,
                    ..Group::new(id.clone(), &rep.name, parent)
                })?;
                change(changes, "created", "group", &path);
                id
            }
        };
        apply_groups(
            realm,
            &rep.sub_groups,
            Some(&id),
            &path,
            wanted,
            changes,
            minter,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
