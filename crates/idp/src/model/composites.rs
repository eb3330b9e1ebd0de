//! Composite roles, as Keycloak has them: a role may contain realm and client roles, and
//! whoever holds it holds those too, transitively. A cycle (a role reached again) is expanded
//! once and ends there.

use std::collections::BTreeSet;

use super::{Realm, Role, RoleMappings};

impl Realm {
    /// The realm role `name` (`client` is `None`) or the role `name` of the client with this
    /// `clientId`.
    pub fn role_named(&self, client: Option<&str>, name: &str) -> Option<&Role> {
        let roles = match client {
            Some(c) => &self.client(c)?.roles,
            None => &self.roles,
        };
        roles.iter().find(|r| r.name == name)
    }

    /// The roles held through `roles`: them and, transitively, what their composites contain.
    /// Sorted and without duplicates; names of roles that do not exist are kept as given.
    pub fn expand_composites(&self, roles: &RoleMappings) -> RoleMappings {
        let mut pending: Vec<(Option<&str>, &str)> =
            roles
                .realm
                .iter()
                .map(|n| (None, n.as_str()))
                .chain(roles.client.iter().flat_map(|(c, names)| {
                    names.iter().map(move |n| (Some(c.as_str()), n.as_str()))
                }))
                .collect();
        let mut held: BTreeSet<(Option<&str>, &str)> = BTreeSet::new();
        while let Some((client, name)) = pending.pop() {
            if !held.insert((client, name)) {
                continue;
            }
            if let Some(role) = self.role_named(client, name) {
                let c = &role.composites;
                pending.extend(c.realm.iter().map(|n| (None, n.as_str())));
                for (cid, names) in &c.client {
                    pending.extend(names.iter().map(|n| (Some(cid.as_str()), n.as_str())));
                }
            }
        }
        let mut out = RoleMappings::default();
        for (client, name) in held {
            out.add(client, name);
        }
        out
    }

    /// Renames every mention of a role: in users, groups, composites, scope mappings and the
    /// default role.
    pub fn rename_role(&mut self, client: Option<&str>, old: &str, new: &str) {
        let rename = |m: &mut RoleMappings| {
            if m.names(client).iter().any(|n| n == old) {
                m.remove(client, old);
                m.add(client, new);
            }
        };
        self.users.iter_mut().for_each(|u| rename(&mut u.roles));
        self.groups.iter_mut().for_each(|g| rename(&mut g.roles));
        self.client_scopes
            .iter_mut()
            .for_each(|s| rename(&mut s.scope_mappings));
        for c in &mut self.clients {
            rename(&mut c.scope_mappings);
            c.roles.iter_mut().for_each(|r| rename(&mut r.composites));
        }
        self.roles
            .iter_mut()
            .for_each(|r| rename(&mut r.composites));
        if client.is_none() && self.default_role == old {
            self.default_role = new.to_string();
        }
    }

    /// Removes every mention of a deleted role: from users, groups and composites.
    pub fn forget_role(&mut self, client: Option<&str>, name: &str) {
        for u in &mut self.users {
            u.roles.remove(client, name);
        }
        for g in &mut self.groups {
            g.roles.remove(client, name);
        }
        let roles = self
            .roles
            .iter_mut()
            .chain(self.clients.iter_mut().flat_map(|c| c.roles.iter_mut()));
        for r in roles {
            r.composites.remove(client, name);
        }
        for s in &mut self.client_scopes {
            s.scope_mappings.remove(client, name);
        }
        for c in &mut self.clients {
            c.scope_mappings.remove(client, name);
        }
    }
}

#[cfg(test)]
mod tests;
