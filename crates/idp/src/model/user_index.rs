//! A realm's users looked up by username and e-mail, and listed in username order, without a
//! scan: built once from a realm as stored (the directory keeps one per cached realm) and then
//! followed through the realm's changes ([`UserIndex::follow`]): a write that adds, removes or
//! renames a few users edits the index in place instead of building it again, so that the
//! admin API's exact searches and pages of a realm of many users stay independent of its size,
//! the first ones after a change too.

use std::collections::HashMap;

use super::{Realm, User};

/// How many users an edit may add, remove or re-key (username, e-mail) before the index is
/// built again rather than edited: each one moves a part of the username order.
pub const FOLLOW_AT_MOST: usize = 256;

/// Positions in [`Realm::users`], by lowercased username and e-mail, and in username order
/// (the position breaking ties, so the order is the same however the index was made).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserIndex {
    by_username: HashMap<String, Vec<usize>>,
    by_email: HashMap<String, Vec<usize>>,
    sorted: Vec<usize>,
}

/// Where two versions of a realm's users differ as far as the index sees them (username and
/// e-mail): the users `start..old_end` of the older were replaced by `start..new_end` of the
/// newer; the users before are the same, and those after are the same, shifted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edit {
    /// The first position that differs.
    pub start: usize,
    /// The end of the older version's differing users.
    pub old_end: usize,
    /// The end of the newer version's differing users.
    pub new_end: usize,
}

/// Whether the index sees two users as the same.
fn same_keys(a: &User, b: &User) -> bool {
    a.username == b.username && a.email == b.email
}

impl Edit {
    /// The edit from `before` to `after`: their common beginning and end are left out.
    pub fn between(before: &[User], after: &[User]) -> Self {
        let common = before.len().min(after.len());
        let start = before
            .iter()
            .zip(after)
            .take_while(|(a, b)| same_keys(a, b))
            .count();
        let tail = before[start..]
            .iter()
            .rev()
            .zip(after[start..].iter().rev())
            .take(common - start)
            .take_while(|(a, b)| same_keys(a, b))
            .count();
        Self {
            start,
            old_end: before.len() - tail,
            new_end: after.len() - tail,
        }
    }

    /// How many users it removes and adds.
    pub fn size(&self) -> usize {
        (self.old_end - self.start) + (self.new_end - self.start)
    }
}

/// Removes `position` from the positions of `key`, and the key once it has none.
fn unlist(map: &mut HashMap<String, Vec<usize>>, key: &str, position: usize) {
    if let Some(positions) = map.get_mut(key) {
        positions.retain(|&p| p != position);
        if positions.is_empty() {
            map.remove(key);
        }
    }
}

/// Adds `position` to the positions of `key`, kept ascending.
fn list(map: &mut HashMap<String, Vec<usize>>, key: String, position: usize) {
    let positions = map.entry(key).or_default();
    let at = positions.partition_point(|&p| p < position);
    positions.insert(at, position);
}

impl UserIndex {
    /// The index of `realm`'s users as they are now.
    pub fn of(realm: &Realm) -> Self {
        let users = &realm.users;
        let mut by_username: HashMap<String, Vec<usize>> = HashMap::with_capacity(users.len());
        let mut by_email: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, user) in users.iter().enumerate() {
            by_username
                .entry(user.username.to_lowercase())
                .or_default()
                .push(i);
            if let Some(email) = &user.email {
                by_email.entry(email.to_lowercase()).or_default().push(i);
            }
        }
        let mut sorted: Vec<usize> = (0..users.len()).collect();
        sorted.sort_unstable_by(|&a, &b| (&users[a].username, a).cmp(&(&users[b].username, b)));
        Self {
            by_username,
            by_email,
            sorted,
        }
    }

    /// This index of `before` made the index of `after`: edited in place when they differ in
    /// at most [`FOLLOW_AT_MOST`] users (the work of the edit, plus one pass over the
    /// positions when users were added or removed before the end), else built again.
    pub fn follow(mut self, before: &Realm, after: &Realm) -> Self {
        let edit = Edit::between(&before.users, &after.users);
        if edit.size() > FOLLOW_AT_MOST {
            return Self::of(after);
        }
        self.apply(edit, &before.users, &after.users);
        self
    }

    /// Applies `edit` (from `before` to `after`, which this index was of).
    fn apply(&mut self, edit: Edit, before: &[User], after: &[User]) {
        let Edit {
            start,
            old_end,
            new_end,
        } = edit;
        if start == old_end && start == new_end {
            return;
        }
        for (i, user) in before.iter().enumerate().take(old_end).skip(start) {
            unlist(&mut self.by_username, &user.username.to_lowercase(), i);
            if let Some(email) = &user.email {
                unlist(&mut self.by_email, &email.to_lowercase(), i);
            }
        }
        if old_end > start {
            self.sorted.retain(|&i| i < start || i >= old_end);
        }
        if old_end != new_end {
            let shift = |i: &mut usize| {
                if *i >= old_end {
                    *i = *i - old_end + new_end;
                }
            };
            for positions in self
                .by_username
                .values_mut()
                .chain(self.by_email.values_mut())
            {
                positions.iter_mut().for_each(shift);
            }
            self.sorted.iter_mut().for_each(shift);
        }
        for (j, user) in after.iter().enumerate().take(new_end).skip(start) {
            list(&mut self.by_username, user.username.to_lowercase(), j);
            if let Some(email) = &user.email {
                list(&mut self.by_email, email.to_lowercase(), j);
            }
            let key = (&user.username, j);
            let at = self
                .sorted
                .partition_point(|&i| (&after[i].username, i) < key);
            self.sorted.insert(at, j);
        }
    }

    /// The positions of the users whose username, lowercased, is `lower` (one, unless
    /// usernames that differ in case were imported).
    pub fn username(&self, lower: &str) -> &[usize] {
        self.by_username.get(lower).map_or(&[], Vec::as_slice)
    }

    /// The positions of the users whose e-mail, lowercased, is `lower`.
    pub fn email(&self, lower: &str) -> &[usize] {
        self.by_email.get(lower).map_or(&[], Vec::as_slice)
    }

    /// Every position, in username order.
    pub fn in_username_order(&self) -> &[usize] {
        &self.sorted
    }
}

#[cfg(test)]
mod tests;
