//! The administration commands on a stopped data directory: the provider's directory over the
//! store, changed in place.

use std::sync::Arc;

use anyhow::bail;
use kubeward_idp::directory::DirectoryError;
use kubeward_idp::model::{Client, Group, ModelError, Realm, Role, RoleMappings, User};
use kubeward_idp::provider::{Provider, RandomMinter, hash_password, new_id, random_token};
use kubeward_idp::representation::{self, RealmRepresentation};

use super::super::data::{DataDir, now, open_provider};
use super::super::realm_file;
use super::backend::{Backend, Holder, NewClient, NewUser, RoleChange};
use super::tables::{ClientRow, GroupRow, MappingRow, RealmRow, RoleRow, UserRow};

/// A data directory's provider.
pub struct Offline {
    provider: Provider,
}

impl Offline {
    /// Opens the store of the data directory (or etcd, as the flags say).
    pub fn open(data: &DataDir) -> anyhow::Result<Self> {
        Ok(Self {
            provider: open_provider(data)?,
        })
    }

    fn load(&self, realm: &str) -> anyhow::Result<Arc<Realm>> {
        self.provider
            .directory()
            .realm(realm)
            .ok_or_else(|| anyhow::anyhow!("realm {realm:?} not found"))
    }

    fn edit(
        &self,
        realm: &str,
        change: impl FnMut(&mut Realm) -> Result<(), DirectoryError>,
    ) -> anyhow::Result<()> {
        self.provider
            .directory()
            .update_realm(realm, change)
            .map_err(|e| missing_realm(e, realm))
    }
}

fn missing_realm(e: DirectoryError, realm: &str) -> anyhow::Error {
    match e {
        DirectoryError::RealmNotFound => anyhow::anyhow!("realm {realm:?} not found"),
        other => other.into(),
    }
}

fn holder_mappings<'r>(
    r: &'r Realm,
    holder: Holder,
    name: &str,
) -> Result<&'r RoleMappings, ModelError> {
    match holder {
        Holder::User => r.user_by_login(name).map(|u| &u.roles),
        Holder::Group => r.group_by_path(name).map(|g| &g.roles),
    }
    .ok_or(missing(holder))
}

fn holder_mappings_mut<'r>(
    r: &'r mut Realm,
    holder: Holder,
    name: &str,
) -> Result<&'r mut RoleMappings, ModelError> {
    let id = match holder {
        Holder::User => r.user_by_login(name).map(|u| u.id.clone()),
        Holder::Group => r.group_by_path(name).map(|g| g.id.clone()),
    }
    .ok_or(missing(holder))?;
    match holder {
        Holder::User => r
            .users
            .iter_mut()
            .find(|u| u.id == id)
            .map(|u| &mut u.roles),
        Holder::Group => r
            .groups
            .iter_mut()
            .find(|g| g.id == id)
            .map(|g| &mut g.roles),
    }
    .ok_or(missing(holder))
}

fn missing(holder: Holder) -> ModelError {
    ModelError::NotFound(match holder {
        Holder::User => "User",
        Holder::Group => "Group",
    })
}

/// The role list of a realm, or of one of its clients.
fn role_list<'r>(r: &'r mut Realm, client: Option<&str>) -> Result<&'r mut Vec<Role>, ModelError> {
    match client {
        Some(c) => Ok(&mut r
            .clients
            .iter_mut()
            .find(|x| x.client_id == c)
            .ok_or(ModelError::NotFound("Client"))?
            .roles),
        None => Ok(&mut r.roles),
    }
}

/// The grants a client may use, by OAuth name.
pub fn grants(c: &Client) -> Vec<&'static str> {
    [
        (c.standard_flow_enabled, "authorization_code"),
        (c.direct_access_grants_enabled, "password"),
        (c.service_accounts_enabled, "client_credentials"),
        (c.device_authorization_grant_enabled, "device_code"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect()
}

impl Backend for Offline {
    fn realms(&self) -> anyhow::Result<Vec<RealmRow>> {
        Ok(self
            .provider
            .directory()
            .realms()
            .iter()
            .map(|r| RealmRow {
                name: r.name.clone(),
                enabled: r.enabled,
                clients: r.clients.len(),
                users: r.users.len(),
                groups: r.groups.len(),
            })
            .collect())
    }

    fn create_realm(&self, name: &str) -> anyhow::Result<()> {
        self.provider
            .directory()
            .create_realm(kubeward_idp::defaults::new_realm(
                new_id(),
                name.to_string(),
                &mut RandomMinter,
            ))
            .map_err(|e| match e {
                DirectoryError::RealmExists => anyhow::anyhow!("realm {name:?} exists already"),
                other => other.into(),
            })?;
        Ok(())
    }

    fn delete_realm(&self, name: &str) -> anyhow::Result<()> {
        self.provider
            .directory()
            .delete_realm(name)
            .map_err(|e| missing_realm(e, name))
    }

    fn import_realm(&self, rep: &RealmRepresentation) -> anyhow::Result<()> {
        let directory = self.provider.directory();
        if directory.realm(&rep.realm).is_some() {
            bail!(
                "realm {:?} exists already (use `kubeward idp apply` to change it)",
                rep.realm
            );
        }
        realm_file::import(directory, rep)
    }

    fn clients(&self, realm: &str) -> anyhow::Result<Vec<ClientRow>> {
        Ok(self
            .load(realm)?
            .clients
            .iter()
            .map(|c| ClientRow {
                client_id: c.client_id.clone(),
                public: c.public_client,
                enabled: c.enabled,
                grants: grants(c),
                redirect_uris: c.redirect_uris.clone(),
            })
            .collect())
    }

    fn create_client(&self, realm: &str, new: &NewClient) -> anyhow::Result<()> {
        let mut client = Client::new(new_id(), new.client_id.clone());
        client.public_client = new.public;
        client.redirect_uris = new.redirect_uris.clone();
        client.service_accounts_enabled = new.service_account && !new.public;
        if !new.public {
            client.secret = Some(new.secret.clone().unwrap_or_else(|| random_token(24)));
        }
        self.edit(realm, |r| {
            let mut client = client.clone();
            kubeward_idp::defaults::assign_default_scopes(r, &mut client);
            r.add_client(client)?;
            representation::ensure_service_accounts(r, &mut RandomMinter);
            Ok(())
        })
    }

    fn delete_client(&self, realm: &str, client_id: &str) -> anyhow::Result<()> {
        self.edit(realm, |r| {
            let before = r.clients.len();
            r.clients.retain(|c| c.client_id != client_id);
            if r.clients.len() == before {
                return Err(ModelError::NotFound("Client").into());
            }
            r.users
                .retain(|u| u.service_account_client_id.as_deref() != Some(client_id));
            Ok(())
        })
    }

    fn client_secret(
        &self,
        realm: &str,
        client_id: &str,
        regenerate: bool,
    ) -> anyhow::Result<String> {
        let mut secret = None;
        self.edit(realm, |r| {
            let client = r
                .clients
                .iter_mut()
                .find(|c| c.client_id == client_id)
                .ok_or(ModelError::NotFound("Client"))?;
            if client.public_client {
                return Err(ModelError::Invalid(format!(
                    "client {client_id:?} is public: it has no secret"
                ))
                .into());
            }
            if regenerate || client.secret.is_none() {
                client.secret = Some(random_token(24));
            }
            secret = client.secret.clone();
            Ok(())
        })?;
        secret.ok_or_else(|| anyhow::anyhow!("client {client_id:?} has no secret"))
    }

    fn users(&self, realm: &str) -> anyhow::Result<Vec<UserRow>> {
        let r = self.load(realm)?;
        Ok(r.users
            .iter()
            .map(|u| UserRow {
                username: u.username.clone(),
                enabled: u.enabled,
                email: u.email.clone().unwrap_or_default(),
                groups: r.user_groups(u).iter().map(|g| r.group_path(g)).collect(),
                id: u.id.clone(),
            })
            .collect())
    }

    fn create_user(&self, realm: &str, new: &NewUser) -> anyhow::Result<()> {
        let mut user = User::new(new_id(), &new.username);
        user.email = new.email.clone();
        user.created_timestamp = (now() * 1000) as i64;
        if let Some(password) = &new.password {
            user.password_hash = Some(hash_password(password).map_err(anyhow::Error::msg)?);
        }
        self.edit(realm, |r| {
            let mut user = user.clone();
            user.groups = r.group_ids(&new.groups)?;
            r.give_default_role(&mut user);
            r.add_user(user)?;
            Ok(())
        })
    }

    fn delete_user(&self, realm: &str, username: &str) -> anyhow::Result<()> {
        let name = username.to_lowercase();
        self.edit(realm, |r| {
            let before = r.users.len();
            r.users.retain(|u| u.username != name);
            if r.users.len() == before {
                return Err(ModelError::NotFound("User").into());
            }
            Ok(())
        })
    }

    fn groups(&self, realm: &str) -> anyhow::Result<Vec<GroupRow>> {
        let r = self.load(realm)?;
        Ok(r.groups
            .iter()
            .map(|g| GroupRow {
                path: r.group_path(g),
                members: r.users.iter().filter(|u| u.groups.contains(&g.id)).count(),
                realm_roles: g.roles.realm.clone(),
                client_roles: g
                    .roles
                    .client
                    .iter()
                    .flat_map(|(c, names)| names.iter().map(move |n| format!("{c}:{n}")))
                    .collect(),
            })
            .collect())
    }

    fn create_group(&self, realm: &str, name: &str) -> anyhow::Result<()> {
        self.edit(realm, |r| {
            r.add_group(Group::new(new_id(), name, None))?;
            Ok(())
        })
    }

    fn delete_group(&self, realm: &str, path: &str) -> anyhow::Result<()> {
        self.edit(realm, |r| {
            let id = r
                .group_by_path(path)
                .map(|g| g.id.clone())
                .ok_or(ModelError::NotFound("Group"))?;
            r.remove_group(&id);
            Ok(())
        })
    }

    fn roles(&self, realm: &str, client: Option<&str>) -> anyhow::Result<Vec<RoleRow>> {
        let r = self.load(realm)?;
        let roles = match client {
            Some(c) => {
                &r.client(c)
                    .ok_or_else(|| anyhow::anyhow!("client {c:?} not found"))?
                    .roles
            }
            None => &r.roles,
        };
        Ok(roles
            .iter()
            .map(|role| RoleRow {
                name: role.name.clone(),
                description: role.description.clone().unwrap_or_default(),
            })
            .collect())
    }

    fn create_role(&self, realm: &str, client: Option<&str>, name: &str) -> anyhow::Result<()> {
        let role = Role::new(new_id(), name, None);
        self.edit(realm, |r| {
            match client {
                Some(_) => {
                    let list = role_list(r, client)?;
                    if list.iter().any(|x| x.name == role.name) {
                        return Err(ModelError::Conflict {
                            what: "Role",
                            field: "name",
                        }
                        .into());
                    }
                    list.push(role.clone());
                }
                None => r.add_role(role.clone())?,
            }
            Ok(())
        })
    }

    fn delete_role(&self, realm: &str, client: Option<&str>, name: &str) -> anyhow::Result<()> {
        self.edit(realm, |r| {
            let list = role_list(r, client)?;
            let before = list.len();
            list.retain(|x| x.name != name);
            if list.len() == before {
                return Err(ModelError::NotFound("Role").into());
            }
            r.forget_role(client, name);
            Ok(())
        })
    }

    fn mappings(&self, realm: &str, holder: Holder, name: &str) -> anyhow::Result<Vec<MappingRow>> {
        let r = self.load(realm)?;
        let m = holder_mappings(&r, holder, name)?;
        let mut rows: Vec<MappingRow> = m
            .realm
            .iter()
            .map(|role| MappingRow {
                role: role.clone(),
                client: String::new(),
            })
            .collect();
        for (client, names) in &m.client {
            rows.extend(names.iter().map(|role| MappingRow {
                role: role.clone(),
                client: client.clone(),
            }));
        }
        Ok(rows)
    }

    fn change_roles(&self, realm: &str, change: &RoleChange<'_>) -> anyhow::Result<()> {
        let client = change.client;
        self.edit(realm, |r| {
            if let Some(c) = client
                && r.client(c).is_none()
            {
                return Err(ModelError::NotFound("Client").into());
            }
            if let Some(missing) = change
                .roles
                .iter()
                .find(|n| r.role_named(client, n).is_none())
            {
                return Err(ModelError::Invalid(format!("role {missing:?} not found")).into());
            }
            let m = holder_mappings_mut(r, change.holder, change.name)?;
            for role in change.roles {
                if change.add {
                    m.add(client, role);
                } else {
                    m.remove(client, role);
                }
            }
            Ok(())
        })
    }
}
