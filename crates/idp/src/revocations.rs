//! What the provider revoked, for the API servers and gateways that trust it: when a user is
//! disabled or deleted, loses a group or a role, or a session ends (logout, deletion, a refresh
//! family revoked), an entry says that the user's (or the session's) tokens issued so far no
//! longer count. Entries are kept for a day in memory and sent to every follower at once: in
//! the same process through [`Feed::subscribe`], to other processes as newline-delimited JSON
//! on `GET /realms/{realm}/kubeward/revocations` (`http::revocations`). Among replicas on one
//! store each entry also goes to a [`Sink`] (the store), and what other replicas published
//! comes back through [`Feed::receive`], so that every replica's feed carries every
//! revocation. Which changes revoke is pure ([`realm_changes`], [`session_ended`]); the feed
//! reads the clock.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, OnceLock};

use kubeward_authn::revocation::{CAPACITY, Entry, RETENTION};
use tokio::sync::broadcast;

use crate::flows::refresh::Session;
use crate::model::{Group, Realm, RoleMappings, User};

/// How many entries a slow follower may fall behind before its stream ends (it then reads
/// the whole list again).
const BACKLOG: usize = 4096;

/// A user's tokens to revoke after a realm changed from `before` to `after`, with why.
pub fn realm_changes(before: &Realm, after: &Realm) -> Vec<(String, &'static str)> {
    // Linear in the users: each found where it was (a write rarely moves users), else by id;
    // the groups that were removed or lost roles listed once.
    let mut by_id: Option<HashMap<&str, &User>> = None;
    let groups_now: HashMap<&str, &Group> =
        after.groups.iter().map(|g| (g.id.as_str(), g)).collect();
    let reduced: Vec<&Group> = before
        .groups
        .iter()
        .filter(|g| {
            groups_now
                .get(g.id.as_str())
                .is_none_or(|n| lost_roles(&g.roles, &n.roles))
        })
        .collect();
    let mut revoked = Vec::new();
    for (i, old) in before.users.iter().enumerate() {
        let found = match after.users.get(i).filter(|u| u.id == old.id) {
            Some(same) => Some(same),
            None => by_id
                .get_or_insert_with(|| after.users.iter().map(|u| (u.id.as_str(), u)).collect())
                .get(old.id.as_str())
                .copied(),
        };
        let reason = match found {
            None => Some("user deleted"),
            Some(new) if new == old && reduced.is_empty() => continue,
            Some(new) if old.enabled && !new.enabled => Some("user disabled"),
            Some(new) if old.groups.iter().any(|g| !new.groups.contains(g)) => {
                Some("group membership removed")
            }
            Some(new) if lost_roles(&old.roles, &new.roles) => Some("role mapping removed"),
            Some(_) => None,
        };
        if let Some(reason) = reason {
            revoked.push((old.id.clone(), reason));
        } else if !old.groups.is_empty() && reduced.iter().any(|g| is_member(old, &g.id, &g.name)) {
            revoked.push((old.id.clone(), "group removed or its roles reduced"));
        }
    }
    revoked
}

fn is_member(user: &User, id: &str, name: &str) -> bool {
    user.groups
        .iter()
        .any(|g| g == id || g == name || g.trim_start_matches('/') == name)
}

fn lost_roles(before: &RoleMappings, after: &RoleMappings) -> bool {
    before.realm.iter().any(|r| !after.realm.contains(r))
        || before.client.iter().any(|(client, roles)| {
            let kept = after.client.get(client);
            roles
                .iter()
                .any(|r| kept.is_none_or(|kept| !kept.contains(r)))
        })
}

/// Whether a session change from `before` to `after` ends its tokens: logout, or a refresh
/// family revoked or dropped.
pub fn session_ended(before: &Session, after: &Session) -> bool {
    (!before.ended && after.ended)
        || before
            .families
            .iter()
            .any(|(id, family)| !family.revoked && after.families.get(id).is_none_or(|f| f.revoked))
}

/// Where a feed's own entries go besides its followers (the store other replicas follow).
pub type Sink = Box<dyn Fn(&Entry) + Send + Sync>;

/// The revocations of the last day, and their followers.
pub struct Feed {
    recent: Mutex<VecDeque<Entry>>,
    sender: broadcast::Sender<Entry>,
    sink: OnceLock<Sink>,
}

impl std::fmt::Debug for Feed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Feed").finish_non_exhaustive()
    }
}

impl Default for Feed {
    fn default() -> Self {
        Self {
            recent: Mutex::new(VecDeque::new()),
            sender: broadcast::channel(BACKLOG).0,
            sink: OnceLock::new(),
        }
    }
}

impl Feed {
    /// Revokes the tokens of user `sub` of `realm` issued so far.
    pub fn user(&self, realm: &str, sub: &str, reason: &str) {
        self.publish(Entry {
            realm: realm.to_string(),
            sub: Some(sub.to_string()),
            sid: None,
            not_before: 0,
            reason: reason.to_string(),
        });
    }

    /// Revokes the tokens of session `sid` of `realm` issued so far.
    pub fn session(&self, realm: &str, sid: &str, reason: &str) {
        self.publish(Entry {
            realm: realm.to_string(),
            sub: None,
            sid: Some(sid.to_string()),
            not_before: 0,
            reason: reason.to_string(),
        });
    }

    fn publish(&self, mut entry: Entry) {
        let now = crate::clock::now();
        // `iat` is in whole seconds. A session that ended issues no token again, so every
        // token of it up to now is refused. A user goes on signing in: tokens of earlier
        // seconds are refused, as Keycloak's not-before (`iat < notBefore`), and a token of
        // this second is kept — the login that changed the user (an LDAP or brokered login
        // syncing the groups) issues its token in the same second, and it must count.
        entry.not_before = if entry.sid.is_some() { now + 1 } else { now };
        tracing::info!(realm = %entry.realm, reason = %entry.reason, "tokens revoked");
        self.keep(entry.clone(), now);
        if let Some(sink) = self.sink.get() {
            sink(&entry);
        }
    }

    /// Keeps `entry` and sends it to the followers.
    fn keep(&self, entry: Entry, now: u64) {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        while recent.front().is_some_and(|e| {
            e.not_before.saturating_add(RETENTION) <= now || recent.len() >= CAPACITY
        }) {
            recent.pop_front();
        }
        recent.push_back(entry.clone());
        // Sent while the list is locked, so that a follower that subscribes with the list
        // sees every entry once or twice, never not at all.
        let _ = self.sender.send(entry);
    }

    /// From now on, sends this feed's own entries to `sink` as well (once; later calls are
    /// ignored).
    pub fn send_to(&self, sink: Sink) {
        let _ = self.sink.set(sink);
    }

    /// An entry another replica published (or this one, read back from the store): kept and
    /// sent to the followers unless it is known already or older than the retention.
    pub fn receive(&self, entry: Entry) {
        let now = crate::clock::now();
        if entry.not_before.saturating_add(RETENTION) <= now {
            return;
        }
        let known = {
            let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            recent.iter().rev().any(|e| *e == entry)
        };
        if !known {
            self.keep(entry, now);
        }
    }

    /// The entries of `realm` so far and a receiver of every entry from now on.
    pub fn subscribe(&self, realm: &str) -> (Vec<Entry>, broadcast::Receiver<Entry>) {
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let receiver = self.sender.subscribe();
        let entries = recent
            .iter()
            .filter(|e| e.realm == realm)
            .cloned()
            .collect();
        (entries, receiver)
    }
}

#[cfg(test)]
mod tests;
