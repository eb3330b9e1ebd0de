//! A realm's users looked up by username and e-mail, and listed in username order, without a
//! scan: built once from a realm as stored (the directory keeps one per cached realm), so that
//! the admin API's exact searches and pages of a realm of many users stay independent of its
//! size.

use std::collections::HashMap;

use super::Realm;

/// Positions in [`Realm::users`], by lowercased username and e-mail, and in username order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserIndex {
    by_username: HashMap<String, Vec<usize>>,
    by_email: HashMap<String, Vec<usize>>,
    sorted: Vec<usize>,
}

impl UserIndex {
    /// The index of `realm`'s users as they are now.
    pub fn of(realm: &Realm) -> Self {
        let mut by_username: HashMap<String, Vec<usize>> =
            HashMap::with_capacity(realm.users.len());
        let mut by_email: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, user) in realm.users.iter().enumerate() {
            by_username
                .entry(user.username.to_lowercase())
                .or_default()
                .push(i);
            if let Some(email) = &user.email {
                by_email.entry(email.to_lowercase()).or_default().push(i);
            }
        }
        let mut sorted: Vec<usize> = (0..realm.users.len()).collect();
        sorted.sort_unstable_by(|&a, &b| realm.users[a].username.cmp(&realm.users[b].username));
        Self {
            by_username,
            by_email,
            sorted,
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
