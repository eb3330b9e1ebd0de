//! Users stored apart from their realm: the realm object holds everything but its users, each
//! user is an object of its own (`users/<realm id>/<user id>`) and each username an index entry
//! (`usernames/<realm id>/<username>`, naming the user) that makes a username unique among
//! replicas, since a creation of a taken entry is refused by the store. A change of one user
//! is then a transaction of a few small objects whatever the realm's size. This module says
//! what to store and which steps take the stored users from one version of a realm to the
//! next; the directory writes them.

use std::collections::HashMap;

use kubeward_store::{ObjectKey, Step};
use serde_json::{Value, json};

use super::{DirectoryError, GROUP, at_revision, key, wrap};
use crate::model::{Realm, User};

/// The resource of the users.
pub(super) const USERS: &str = "users";
/// The resource of the username index.
pub(super) const USERNAMES: &str = "usernames";

/// The revision each stored user of a realm was last written (or deleted) at, by user id.
pub(super) type Revisions = HashMap<String, u64>;

/// The key of a user of the realm whose id is `realm_id`.
pub(super) fn user_key(realm_id: &str, user_id: &str) -> ObjectKey {
    key(USERS, Some(realm_id), user_id)
}

/// The key of a username's index entry.
pub(super) fn username_key(realm_id: &str, username: &str) -> ObjectKey {
    key(USERNAMES, Some(realm_id), username)
}

/// The realm object as stored: `realm` without its users (taken out while it is serialized).
pub(super) fn shell(realm: &mut Realm) -> Result<Value, DirectoryError> {
    let users = std::mem::take(&mut realm.users);
    let object = wrap(&realm.name, realm);
    realm.users = users;
    object
}

/// A user as stored.
fn user_object(user: &User) -> Result<Value, DirectoryError> {
    wrap(&user.id, user)
}

/// A username's index entry.
fn username_object(user: &User) -> Value {
    json!({ "metadata": { "name": user.username }, "spec": { "user": user.id } })
}

/// Whether two realms are the same but for their users (every other field compared).
pub(super) fn same_but_users(a: &Realm, b: &Realm) -> bool {
    let Realm {
        id,
        name,
        enabled,
        display_name,
        settings,
        roles,
        clients,
        users: _,
        groups,
        client_scopes,
        default_default_client_scopes,
        default_optional_client_scopes,
        default_role,
        defaults_version,
        events,
        identity_providers,
        identity_provider_mappers,
        components,
        authentication,
        user_profile,
        other,
    } = a;
    *id == b.id
        && *name == b.name
        && *enabled == b.enabled
        && *display_name == b.display_name
        && *settings == b.settings
        && *roles == b.roles
        && *clients == b.clients
        && *groups == b.groups
        && *client_scopes == b.client_scopes
        && *default_default_client_scopes == b.default_default_client_scopes
        && *default_optional_client_scopes == b.default_optional_client_scopes
        && *default_role == b.default_role
        && *defaults_version == b.defaults_version
        && *events == b.events
        && *identity_providers == b.identity_providers
        && *identity_provider_mappers == b.identity_provider_mappers
        && *components == b.components
        && *authentication == b.authentication
        && *user_profile == b.user_profile
        && *other == b.other
}

/// The steps that store a new user.
pub(super) fn create(
    realm_id: &str,
    user: &User,
    steps: &mut Vec<Step>,
) -> Result<(), DirectoryError> {
    steps.push(Step::Create(
        user_key(realm_id, &user.id),
        user_object(user)?,
    ));
    steps.push(Step::Create(
        username_key(realm_id, &user.username),
        username_object(user),
    ));
    Ok(())
}

/// The steps that delete a stored user (at its revision, when known).
fn remove(realm_id: &str, user: &User, revisions: &Revisions, steps: &mut Vec<Step>) {
    steps.push(Step::Delete(
        user_key(realm_id, &user.id),
        revisions.get(&user.id).copied(),
    ));
    steps.push(Step::Delete(username_key(realm_id, &user.username), None));
}

/// The steps that take the users stored for `before` (at `revisions`) to those of `after`:
/// users added, changed (over the revision they were read at, so that a change another
/// replica made in between is refused) and removed, with their usernames' index entries. Only
/// the users that differ are looked at closely: the common beginning and end of the two lists
/// are skipped first.
pub(super) fn user_steps(
    before: &Realm,
    revisions: &Revisions,
    after: &Realm,
) -> Result<Vec<Step>, DirectoryError> {
    let mut steps = Vec::new();
    if before.id != after.id {
        for user in &before.users {
            remove(&before.id, user, revisions, &mut steps);
        }
        for user in &after.users {
            create(&after.id, user, &mut steps)?;
        }
        return Ok(steps);
    }
    let realm_id = &after.id;
    let (old, new) = (&before.users, &after.users);
    let head = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let tail = old[head..]
        .iter()
        .rev()
        .zip(new[head..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let old = &old[head..old.len() - tail];
    let new = &new[head..new.len() - tail];
    let mut removed: HashMap<&str, &User> = old.iter().map(|u| (u.id.as_str(), u)).collect();
    for user in new {
        match removed.remove(user.id.as_str()) {
            None => create(realm_id, user, &mut steps)?,
            Some(was) if was == user => {}
            Some(was) => {
                let revision = revisions.get(&user.id).copied().unwrap_or(0);
                steps.push(Step::Update(
                    user_key(realm_id, &user.id),
                    at_revision(user_object(user)?, revision),
                ));
                if was.username != user.username {
                    steps.push(Step::Delete(username_key(realm_id, &was.username), None));
                    steps.push(Step::Create(
                        username_key(realm_id, &user.username),
                        username_object(user),
                    ));
                }
            }
        }
    }
    // In the order of the older list, so that the steps are the same every time.
    for user in old {
        if removed.contains_key(user.id.as_str()) {
            remove(realm_id, user, revisions, &mut steps);
        }
    }
    Ok(steps)
}

/// The revisions of the users a transaction wrote (`steps` and what the store answered), taken
/// into `revisions`.
pub(super) fn note_written(revisions: &mut Revisions, steps: &[Step], results: &[Value]) {
    for (step, result) in steps.iter().zip(results) {
        let key = step.key();
        if key.resource != USERS || key.group != GROUP {
            continue;
        }
        match step {
            // A deletion is remembered too: an older event of the user, heard later, is stale.
            Step::Create(..) | Step::Update(..) | Step::Delete(..) => {
                revisions.insert(key.name.clone(), super::revision(result));
            }
            Step::Expect(..) => {}
        }
    }
}

/// The users of a realm in the order the directory keeps them: by creation time (the order
/// they were added in), then id.
pub(super) fn in_creation_order(users: &mut [User]) {
    users.sort_by(|a, b| (a.created_timestamp, &a.id).cmp(&(b.created_timestamp, &b.id)));
}

#[cfg(test)]
mod tests;
