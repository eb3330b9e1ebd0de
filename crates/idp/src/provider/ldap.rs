//! LDAP user federation put to work: the connection to an LDAP provider's server (ldap3's
//! blocking client, so only ever called from blocking threads), the lookup of a user at login
//! (imported, or refreshed with its groups, before its password is checked), the password
//! checked by a bind as the user's DN, and the full and changed-users syncs
//! (`user-storage/{id}/sync`, and periodically as `fullSyncPeriod` asks).

mod connection;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use ldap3::Mod;

pub use connection::Connections;

use super::{Provider, new_id};
use crate::directory::DirectoryError;
use crate::flows::ldap::{
    self, Entry, FederationError, GroupSettings, Imported, LDAP_ENTRY_DN, LdapSettings, SyncResult,
};
use crate::model::{Component, ModelError, Realm};

/// The login page's message when a federated user's LDAP server cannot be reached.
pub const LDAP_UNAVAILABLE: &str = "The user directory (LDAP) cannot be reached. Try again later.";
/// LDAP's `invalidCredentials` result code.
const INVALID_CREDENTIALS: u32 = 49;

/// Why an LDAP provider could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LdapError {
    /// The provider is not usable as configured.
    #[error(transparent)]
    Config(#[from] FederationError),
    /// The server cannot be reached, or refused the provider's bind DN (why).
    #[error("{0}")]
    Unavailable(String),
    /// The realm or component is gone.
    #[error("{0}")]
    NotFound(&'static str),
    /// The LDAP server refused a change (why).
    #[error("{0}")]
    Refused(String),
    /// The store refused the change.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
}

/// The TLS settings of LDAP connections that trust the system's roots and the certificates of
/// `truststore_pem` (Keycloak's `--truststore-paths`); `None` without a truststore (ldap3's
/// own settings: the system's roots).
pub fn tls_config(truststore_pem: &[u8]) -> Result<Option<Arc<rustls::ClientConfig>>, String> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject as _;
    if truststore_pem.is_empty() {
        return Ok(None);
    }
    let mut roots = rustls::RootCertStore::empty();
    let mut given = 0;
    for cert in CertificateDer::pem_slice_iter(truststore_pem) {
        let cert = cert.map_err(|e| format!("the truststore: {e}"))?;
        roots
            .add(cert)
            .map_err(|e| format!("the truststore: {e}"))?;
        given += 1;
    }
    if given == 0 {
        return Err("the truststore has no CERTIFICATE block".into());
    }
    for cert in rustls_native_certs::load_native_certs().certs {
        // The system's roots rustls cannot use are left out, as ldap3 leaves them out.
        let _ = roots.add(cert);
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Some(Arc::new(config)))
}

/// A provider's settings, attribute mappings and group mapper.
struct Provided {
    settings: LdapSettings,
    mappings: Vec<ldap::AttributeMapping>,
    groups: Option<GroupSettings>,
}

fn provided(realm: &Realm, c: &Component) -> Result<Provided, LdapError> {
    let mappers = realm.sub_components(&c.id);
    Ok(Provided {
        settings: ldap::settings(c)?,
        mappings: ldap::attribute_mappings(&mappers),
        groups: ldap::group_settings(&mappers)?,
    })
}

/// An LDAP entry as a user of a provider without import (`c`), as `import_user` makes it in
/// a realm of no users but `realm`'s default role; `None` for an entry that cannot be one.
fn read_user(
    realm: &Realm,
    component_id: &str,
    p: &Provided,
    entry: &Entry,
) -> Option<crate::model::User> {
    let mut scratch = Realm::new(realm.id.clone(), realm.name.clone());
    scratch.default_role = realm.default_role.clone();
    let id = ldap::federated_id(component_id, entry, &p.settings);
    match ldap::import_user(
        &mut scratch,
        component_id,
        &p.settings,
        &p.mappings,
        entry,
        || id,
        0,
    ) {
        Ok(_) => scratch.users.pop(),
        Err(e) => {
            tracing::warn!(dn = %entry.dn, error = %e, "reading an LDAP user");
            None
        }
    }
}

fn millis(now: u64) -> i64 {
    i64::try_from(now).unwrap_or(0).saturating_mul(1000)
}

impl Provider {
    /// Before a password login at `realm`: when the login names a user of an LDAP provider
    /// (or no user, and the realm has LDAP providers), reads the user from LDAP and imports
    /// it, or refreshes its copy and its LDAP groups; a user gone from LDAP is removed. Local
    /// users are left alone.
    pub fn federate_login(&self, realm_name: &str, login: &str, now: u64) -> Result<(), LdapError> {
        let Some(realm) = self.directory.realm(realm_name) else {
            return Ok(());
        };
        let providers = realm.ldap_providers();
        if providers.is_empty() || login.is_empty() {
            return Ok(());
        }
        let local = realm.user_by_login(login);
        let candidates: Vec<&Component> = match local {
            Some(u) => match &u.federation_link {
                Some(link) => providers.into_iter().filter(|c| &c.id == link).collect(),
                None => return Ok(()),
            },
            None => providers,
        };
        let username = local.map_or(login, |u| u.username.as_str());
        if local.is_none() {
            // Read again below, or gone from LDAP.
            self.forget_unimported(realm_name, &login.to_lowercase());
        }
        for c in candidates {
            let p = provided(&realm, c)?;
            let attrs = ldap::user_attributes(&p.settings, &p.mappings);
            let filter = ldap::user_filter(&p.settings, username);
            let read = self.ldap.service(&p.settings, |conn| {
                let Some(entry) = conn.users(&filter, &attrs, 0)?.into_iter().next() else {
                    return Ok(None);
                };
                let groups = match &p.groups {
                    Some(g) => conn.groups(g, &ldap::member_filter(g, &entry))?,
                    None => Vec::new(),
                };
                Ok(Some((entry, groups)))
            })?;
            let Some((entry, groups)) = read else {
                if let Some(u) = local {
                    let id = u.id.clone();
                    self.directory.update_realm(realm_name, move |r| {
                        r.users.retain(|x| x.id != id);
                        Ok(())
                    })?;
                }
                continue;
            };
            if !p.settings.import {
                return self.read_unimported(realm_name, &c.id, &p, &entry, &groups, now);
            }
            let id = c.id.clone();
            let written = self.directory.update_realm(realm_name, move |r| {
                let imported = ldap::import_user(
                    r,
                    &id,
                    &p.settings,
                    &p.mappings,
                    &entry,
                    new_id,
                    millis(now),
                )
                .map_err(|e| ModelError::Invalid(e.to_string()))?;
                if let Some(g) = &p.groups {
                    let all: Vec<usize> = (0..groups.len()).collect();
                    let members = [(imported.id().to_string(), all)];
                    ldap::sync_memberships(r, g, &groups, &members, &mut new_id)
                        .map_err(|e| ModelError::Invalid(e.to_string()))?;
                }
                Ok(())
            });
            if let Err(e) = written {
                tracing::warn!(provider = %c.name, error = %e, "importing an LDAP user");
            }
            return Ok(());
        }
        Ok(())
    }

    /// A user of a provider without import, read from its LDAP entry (and its LDAP groups,
    /// which the group mapper keeps as realm groups) and remembered in memory, never stored;
    /// its id is Keycloak's federated storage id, `f:<provider id>:<LDAP uuid>`.
    fn read_unimported(
        &self,
        realm_name: &str,
        component_id: &str,
        p: &Provided,
        entry: &Entry,
        groups: &[Entry],
        now: u64,
    ) -> Result<(), LdapError> {
        if let Some(g) = &p.groups
            && !groups.is_empty()
        {
            self.directory.update_realm(realm_name, |r| {
                ldap::sync_memberships(r, g, groups, &[], &mut new_id)
                    .map_err(|e| ModelError::Invalid(e.to_string()))?;
                Ok(())
            })?;
        }
        let Some(stored) = self.directory.realm(realm_name) else {
            return Ok(());
        };
        let mut scratch = Realm::clone(&stored);
        let uuid = entry
            .first(&p.settings.uuid_attribute)
            .unwrap_or(&entry.dn)
            .to_string();
        let storage_id = format!("f:{component_id}:{uuid}");
        let read = ldap::import_user(
            &mut scratch,
            component_id,
            &p.settings,
            &p.mappings,
            entry,
            || storage_id,
            millis(now),
        );
        let imported = match read {
            Ok(imported) => imported,
            Err(e) => {
                tracing::warn!(dn = %entry.dn, error = %e, "reading an LDAP user");
                return Ok(());
            }
        };
        let id = imported.id().to_string();
        if let Some(g) = &p.groups {
            let all: Vec<usize> = (0..groups.len()).collect();
            ldap::sync_memberships(&mut scratch, g, groups, &[(id.clone(), all)], &mut new_id)
                .map_err(LdapError::Config)?;
        }
        if let Some(user) = scratch.users.into_iter().find(|u| u.id == id) {
            self.unimported_users()
                .entry(realm_name.to_string())
                .or_default()
                .insert(id, user);
        }
        Ok(())
    }

    /// The users of `realm`'s LDAP providers without import that `q` matches, read from LDAP
    /// now as Keycloak's admin API reads them (with their federated ids, their realm's default
    /// role; their groups are read at their login): at most `limit` of each provider (0: all),
    /// in the providers' priority order and LDAP's.
    pub fn ldap_users(
        &self,
        realm: &Realm,
        q: &ldap::UserQuery,
        limit: usize,
    ) -> Result<Vec<crate::model::User>, LdapError> {
        let mut users = Vec::new();
        for c in realm.ldap_providers() {
            let p = provided(realm, c)?;
            if p.settings.import {
                continue;
            }
            let Some(filter) = ldap::query_filter(&p.settings, &p.mappings, q) else {
                continue;
            };
            let want = limit.saturating_sub(users.len());
            if limit > 0 && want == 0 {
                break;
            }
            let attrs = ldap::user_attributes(&p.settings, &p.mappings);
            let size = i32::try_from(want).unwrap_or(i32::MAX);
            let entries = self
                .ldap
                .service(&p.settings, |conn| conn.users(&filter, &attrs, size))?;
            users.extend(
                entries
                    .iter()
                    .filter_map(|entry| read_user(realm, &c.id, &p, entry)),
            );
        }
        Ok(users)
    }

    /// The user of an LDAP provider without import whose federated id is `id`
    /// (`f:<provider id>:<LDAP uuid>`), read from LDAP now.
    pub fn ldap_user(
        &self,
        realm: &Realm,
        id: &str,
    ) -> Result<Option<crate::model::User>, LdapError> {
        let Some((component_id, uuid)) = ldap::split_federated_id(id) else {
            return Ok(None);
        };
        let Some(c) = realm
            .ldap_providers()
            .into_iter()
            .find(|c| c.id == component_id)
        else {
            return Ok(None);
        };
        let p = provided(realm, c)?;
        if p.settings.import {
            return Ok(None);
        }
        let attrs = ldap::user_attributes(&p.settings, &p.mappings);
        let filter = ldap::uuid_filter(&p.settings, uuid);
        let entries = self
            .ldap
            .service(&p.settings, |conn| conn.users(&filter, &attrs, 1))?;
        Ok(entries
            .first()
            .and_then(|entry| read_user(realm, &c.id, &p, entry))
            .filter(|u| u.id == id))
    }

    fn unimported_users(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, HashMap<String, crate::model::User>>> {
        self.unimported.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets the user of a provider without import that logs in as `username`.
    fn forget_unimported(&self, realm_name: &str, username: &str) {
        if let Some(users) = self.unimported_users().get_mut(realm_name) {
            users.retain(|_, u| u.username != username && u.email.as_deref() != Some(username));
        }
    }

    /// `realm` with the users that its LDAP providers without import read at their latest
    /// login (those of providers still there and still without import).
    pub fn with_unimported(&self, realm: Arc<Realm>) -> Arc<Realm> {
        let users = self.unimported_users();
        let Some(read) = users.get(&realm.name).filter(|u| !u.is_empty()) else {
            return realm;
        };
        let live = |u: &crate::model::User| {
            let link = u.federation_link.as_deref();
            realm
                .ldap_providers()
                .into_iter()
                .any(|c| Some(c.id.as_str()) == link && ldap::settings(c).is_ok_and(|s| !s.import))
        };
        let mut overlaid = Realm::clone(&realm);
        for user in read.values().filter(|u| live(u)) {
            if !overlaid
                .users
                .iter()
                .any(|x| x.id == user.id || x.username == user.username)
            {
                overlaid.users.push(user.clone());
            }
        }
        Arc::new(overlaid)
    }

    /// The password of a user of an LDAP provider, checked by binding as its DN; `None` for a
    /// user that is not federated. A provider that is gone or disabled refuses the password.
    pub fn ldap_password(
        &self,
        realm: &Realm,
        user: &crate::model::User,
        password: &str,
    ) -> Option<Result<bool, LdapError>> {
        let link = user.federation_link.as_deref()?;
        let Some(c) = realm.ldap_providers().into_iter().find(|c| c.id == link) else {
            return Some(Ok(false));
        };
        let Some(dn) = user.attributes.get(LDAP_ENTRY_DN).and_then(|v| v.first()) else {
            return Some(Ok(false));
        };
        Some(
            ldap::settings(c)
                .map_err(LdapError::from)
                .and_then(|s| self.ldap.check_password(&s, dn, password)),
        )
    }

    /// Syncs an LDAP provider's users into the realm: every user (`full`), else those changed
    /// since the last sync (`modifyTimestamp`); with a group mapper, the groups and their
    /// memberships too. A full sync removes the provider's users that LDAP no longer has.
    pub fn sync_federation(
        &self,
        realm_name: &str,
        component_id: &str,
        full: bool,
        now: u64,
    ) -> Result<SyncResult, LdapError> {
        let realm = self
            .directory
            .realm(realm_name)
            .ok_or(LdapError::NotFound("Realm not found."))?;
        let c = realm
            .component(component_id)
            .filter(|c| c.is_ldap())
            .ok_or(LdapError::NotFound("Could not find component"))?;
        let p = provided(&realm, c)?;
        if !p.settings.import {
            // Keycloak's `SynchronizationResult.ignored()`: nothing is imported.
            let ignored = SyncResult {
                ignored: true,
                ..SyncResult::default()
            };
            return Ok(ignored.finish());
        }
        let attrs = ldap::user_attributes(&p.settings, &p.mappings);
        let mut filter = ldap::users_filter(&p.settings);
        let since = c.config("lastSync").and_then(|v| v.parse::<u64>().ok());
        if let (false, Some(since)) = (full, since) {
            filter = format!(
                "(&{filter}(modifyTimestamp>={}))",
                ldap::generalized_time(since)
            );
        }
        let (entries, groups) = self.ldap.service(&p.settings, |conn| {
            let entries = conn.users(&filter, &attrs, 0)?;
            let groups = match &p.groups {
                Some(g) => conn.groups(g, &ldap::groups_filter(g))?,
                None => Vec::new(),
            };
            Ok((entries, groups))
        })?;
        let id = c.id.clone();
        let result = self.directory.update_realm(realm_name, move |r| {
            let mut result = SyncResult::default();
            let mut members = Vec::new();
            let mut seen = std::collections::BTreeSet::new();
            let mut unchanged = std::collections::BTreeSet::new();
            for entry in &entries {
                match ldap::import_user(
                    r,
                    &id,
                    &p.settings,
                    &p.mappings,
                    entry,
                    new_id,
                    millis(now),
                ) {
                    Ok(imported) => {
                        match &imported {
                            Imported::Added(_) => result.added += 1,
                            Imported::Updated(_) => result.updated += 1,
                            Imported::Unchanged(id) => {
                                unchanged.insert(id.clone());
                            }
                        }
                        seen.insert(imported.id().to_string());
                        if let Some(g) = &p.groups {
                            let of: Vec<usize> = groups
                                .iter()
                                .enumerate()
                                .filter(|(_, group)| ldap::is_member(g, group, entry))
                                .map(|(i, _)| i)
                                .collect();
                            members.push((imported.id().to_string(), of));
                        }
                    }
                    Err(e) => {
                        tracing::warn!(dn = %entry.dn, error = %e, "LDAP sync");
                        result.failed += 1;
                    }
                }
            }
            if let Some(g) = &p.groups {
                let changed = ldap::sync_memberships(r, g, &groups, &members, &mut new_id)
                    .map_err(|e| ModelError::Invalid(e.to_string()))?;
                // A user whose only change is its groups is an updated one.
                let regrouped = changed.intersection(&unchanged).count();
                result.updated += u32::try_from(regrouped).unwrap_or(u32::MAX);
            }
            if full {
                let before = r.users.len();
                r.users.retain(|u| {
                    u.federation_link.as_deref() != Some(id.as_str()) || seen.contains(&u.id)
                });
                result.removed = u32::try_from(before - r.users.len()).unwrap_or(u32::MAX);
            }
            if let Some(c) = r.components.iter_mut().find(|c| c.id == id) {
                c.config.insert("lastSync".into(), vec![now.to_string()]);
            }
            Ok(result.finish())
        })?;
        Ok(result)
    }

    /// Keycloak's `testLDAPConnection`: whether the server at `probe.url` answers
    /// (`testConnection`) or also accepts a bind as `probe.bind_dn` (`testAuthentication`).
    pub fn test_ldap(&self, probe: LdapSettings) -> bool {
        match self.ldap.probe(probe) {
            Ok(()) => true,
            Err(e) => {
                tracing::info!(error = %e, "testLDAPConnection");
                false
            }
        }
    }

    /// The provider (settings and mappings) of a user linked to a `WRITABLE` LDAP provider,
    /// with the user's DN.
    fn writable(
        &self,
        realm: &Realm,
        user: &crate::model::User,
    ) -> Result<(Provided, String), LdapError> {
        let link = user
            .federation_link
            .as_deref()
            .ok_or(LdapError::NotFound("User not found"))?;
        let c = realm
            .component(link)
            .filter(|c| c.is_ldap())
            .ok_or(LdapError::NotFound("Could not find component"))?;
        let p = provided(realm, c)?;
        if p.settings.edit_mode != ldap::EditMode::Writable {
            return Err(FederationError::ReadOnly.into());
        }
        let dn = user
            .attributes
            .get(LDAP_ENTRY_DN)
            .and_then(|v| v.first())
            .cloned()
            .ok_or(LdapError::NotFound("User not found"))?;
        Ok((p, dn))
    }

    /// Replaces attributes of an entry as the provider's bind DN.
    fn modify(
        &self,
        settings: LdapSettings,
        dn: &str,
        changes: Vec<(String, Vec<String>)>,
    ) -> Result<(), LdapError> {
        if changes.is_empty() {
            return Ok(());
        }
        let mods: Vec<Mod<String>> = changes
            .into_iter()
            .map(|(attribute, values)| {
                Mod::Replace(attribute, values.into_iter().collect::<HashSet<_>>())
            })
            .collect();
        let url = settings.url.clone();
        // A refusal is an answer, not a failure of the connection: it goes back to the pool.
        let (rc, text) = self
            .ldap
            .service(&settings, |c| c.modify(dn, mods.clone()))?;
        if rc != 0 {
            return Err(LdapError::Refused(format!(
                "LDAP server {url} refused to modify {dn}: result code {rc} {text}"
            )));
        }
        Ok(())
    }

    /// Writes a change of a `WRITABLE` provider's user (`before` → `after`) to its LDAP entry:
    /// the mapped attributes that changed. A read-only provider or mapper refuses.
    pub fn ldap_update_user(
        &self,
        realm: &Realm,
        before: &crate::model::User,
        after: &crate::model::User,
    ) -> Result<(), LdapError> {
        let (p, dn) = self.writable(realm, before)?;
        let changes = ldap::ldap_changes(&p.mappings, before, after)?;
        self.modify(p.settings, &dn, changes)
    }

    /// Sets the password of a `WRITABLE` provider's user in LDAP (`userPassword`, replaced as
    /// the provider's bind DN).
    pub fn ldap_set_password(
        &self,
        realm: &Realm,
        user: &crate::model::User,
        password: &str,
    ) -> Result<(), LdapError> {
        let (p, dn) = self.writable(realm, user)?;
        self.modify(
            p.settings,
            &dn,
            vec![("userPassword".into(), vec![password.to_string()])],
        )
    }

    /// Keycloak's `user-storage/{parent}/mappers/{id}/sync`: a group mapper's groups read from
    /// LDAP (`fed_to_keycloak`); the other direction, and attribute mappers, have nothing to
    /// sync (kubeward's group mappers are read-only).
    pub fn sync_mapper(
        &self,
        realm_name: &str,
        parent_id: &str,
        mapper_id: &str,
        fed_to_keycloak: bool,
    ) -> Result<SyncResult, LdapError> {
        let realm = self
            .directory
            .realm(realm_name)
            .ok_or(LdapError::NotFound("Realm not found."))?;
        let parent = realm
            .component(parent_id)
            .ok_or(LdapError::NotFound("Parent model not found"))?;
        let mapper = realm
            .component(mapper_id)
            .filter(|m| m.parent_id == parent.id)
            .ok_or(LdapError::NotFound("Mapper model not found"))?;
        if !fed_to_keycloak || mapper.provider_id != ldap::GROUP_MAPPER {
            return Ok(SyncResult::default().finish());
        }
        let settings = ldap::settings(parent)?;
        let Some(g) = ldap::group_settings(&[mapper])? else {
            return Ok(SyncResult::default().finish());
        };
        let drop_missing = mapper.flag("drop.non.existing.groups.during.sync", false);
        let filter = ldap::groups_filter(&g);
        let groups = self
            .ldap
            .service(&settings, |conn| conn.groups(&g, &filter))?;
        let result = self.directory.update_realm(realm_name, move |r| {
            Ok(ldap::sync_groups(r, &g, &groups, drop_missing, &mut new_id)
                .map_err(|e| ModelError::Invalid(e.to_string()))?)
        })?;
        Ok(result)
    }

    /// When a provider's periodic sync was last tried; `at` records a new try.
    fn sync_attempt(&self, component_id: &str, at: Option<u64>) -> Option<u64> {
        let mut attempts = self.ldap_attempts.lock().unwrap_or_else(|e| e.into_inner());
        match at {
            Some(at) => attempts.insert(component_id.to_string(), at),
            None => attempts.get(component_id).copied(),
        }
    }

    /// Runs the syncs that are due (`fullSyncPeriod`, `changedSyncPeriod` since `lastSync`);
    /// returns how many ran. Failures are logged.
    pub fn periodic_syncs(&self, now: u64) -> usize {
        let mut ran = 0;
        for r in self.directory.realms() {
            let realm = r.name.clone();
            for c in r.ldap_providers() {
                let Ok(s) = ldap::settings(c) else { continue };
                let synced = c.config("lastSync").and_then(|v| v.parse::<u64>().ok());
                let tried = self.sync_attempt(&c.id, None);
                // A provider that never synced starts counting when it is first seen.
                let Some(last) = synced.max(tried) else {
                    self.sync_attempt(&c.id, Some(now));
                    continue;
                };
                let due =
                    |period: Option<u64>| period.is_some_and(|p| now >= last.saturating_add(p));
                let full = due(s.full_sync_period);
                if !full && !due(s.changed_sync_period) {
                    continue;
                }
                ran += 1;
                self.sync_attempt(&c.id, Some(now));
                match self.sync_federation(&realm, &c.id, full, now) {
                    Ok(result) => {
                        tracing::info!(realm, provider = %c.name, status = %result.status, "LDAP sync")
                    }
                    Err(e) => tracing::warn!(realm, provider = %c.name, error = %e, "LDAP sync"),
                }
            }
        }
        ran
    }
}
