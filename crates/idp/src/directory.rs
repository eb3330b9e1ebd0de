//! Where the provider keeps its state: realms (one object each), SSO sessions and signing keys,
//! in the shared `kubeward-store` under the API group `idp.kubeward.io`, so that `kubeward up`
//! keeps the API server's objects and the provider's in one database file. Realms are cached in
//! memory (every token request reads one); every change is written through before it is visible.
//!
//! A directory on a store that other providers share (etcd, [`Directory::open_shared`]) follows
//! the store: the realm cache and the keys are kept current by the store's watch, every change
//! of a realm or a session is one compare-and-swap on what is stored (another replica's change
//! in between makes it read and decide again), and sessions are never cached, so that a refresh
//! token redeemed through two replicas is rotated once and its reuse revokes the family.

mod follow;
mod revoked;
pub mod transient;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock, Weak};
use std::time::Duration;

use kubeward_store::{ListScope, ObjectKey, Store, StoreError, StoreExt as _};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::events::RealmEvents;
use crate::flows::refresh::Session;
use crate::model::user_index::{Edit, FOLLOW_AT_MOST, UserIndex};
use crate::model::{ModelError, Realm};
use crate::representation::Minter;
use crate::revocations::{self, Feed};

/// The API group of the provider's objects in the store.
pub const GROUP: &str = "idp.kubeward.io";
const REALMS: &str = "realms";
const SESSIONS: &str = "sessions";
const KEYS: &str = "keys";
const EVENTS: &str = "events";
/// The name of a realm's event log object.
const EVENT_LOG: &str = "log";

/// Why a directory operation failed.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum DirectoryError {
    /// No realm of that name.
    #[error("Realm not found.")]
    RealmNotFound,
    /// A realm of that name exists.
    #[error("Conflict detected. See logs for details")]
    RealmExists,
    /// The change breaks a rule of the model.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// A stored object is not what the provider wrote.
    #[error("stored {what} is unreadable: {message}")]
    Corrupt {
        /// Which kind of object.
        what: &'static str,
        /// The decoder's message.
        message: String,
    },
}

/// A signing key as stored: the private key PEM stays in the database (the data directory is
/// the owner's only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredKey {
    /// Key id.
    pub kid: String,
    /// `RS256`, `ES256`, `EdDSA` for signature keys; `HS512` for the refresh-token secret.
    pub algorithm: String,
    /// PKCS#8 PEM of the private key (signature keys).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub private_pem: String,
    /// The HMAC secret, base64url (the `HS512` key).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub secret: String,
    /// When it was created.
    pub created: u64,
    /// When it stopped signing (rotation); still published until every token it signed expired.
    #[serde(default)]
    pub retired: Option<u64>,
}

/// When a session change reaches the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// Nothing changed.
    No,
    /// Soon (within [`FLUSH_INTERVAL`]), in the background: refresh token rotation, whose loss
    /// in a crash only lets the previous token of a family be redeemed once more.
    Later,
    /// Before the call returns: revocations, which must never be lost.
    Now,
}

/// How many times a change of a shared directory is decided again after another replica's
/// change came in between, before it gives up with [`StoreError::Conflict`].
const CHANGE_ATTEMPTS: usize = 64;

/// How often deferred session writes are flushed.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(50);

type SessionKey = (String, String);

/// Sessions in memory (authoritative while the process runs), written to the store.
struct Sessions {
    store: Arc<dyn Store>,
    cache: Mutex<HashMap<SessionKey, Session>>,
    dirty: Mutex<HashSet<SessionKey>>,
    flusher: std::sync::Once,
}

impl Sessions {
    fn lock_cache(&self) -> std::sync::MutexGuard<'_, HashMap<SessionKey, Session>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_dirty(&self) -> std::sync::MutexGuard<'_, HashSet<SessionKey>> {
        self.dirty.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes one session as cached now.
    fn write(&self, key: &SessionKey, session: &Session) -> Result<(), DirectoryError> {
        let k = self::key(SESSIONS, Some(&key.0), &key.1);
        let object = wrap(&key.1, session)?;
        let stored: Result<Value, StoreError> = self.store.modify(&k, |_| Ok(object.clone()));
        match stored {
            Ok(_) | Err(StoreError::NotFound) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes every deferred change.
    fn flush(&self) {
        let keys: Vec<SessionKey> = self.lock_dirty().drain().collect();
        for key in keys {
            let session = self.lock_cache().get(&key).cloned();
            if let Some(session) = session
                && let Err(error) = self.write(&key, &session)
            {
                tracing::error!(%error, "writing a session");
                self.lock_dirty().insert(key);
            }
        }
    }
}

/// A realm as cached, with the revision it was stored at and its users' index (built at its
/// first use, then followed through the realm's changes).
#[derive(Clone)]
struct Cached {
    realm: Arc<Realm>,
    revision: u64,
    index: Arc<OnceLock<Arc<UserIndex>>>,
}

impl Cached {
    fn new(realm: Arc<Realm>, revision: u64) -> Self {
        Self {
            realm,
            revision,
            index: Arc::default(),
        }
    }
}

/// What the directory keeps in memory: the realms and how many times the keys changed. Shared
/// with the thread that follows the store's watch (of a shared directory).
#[derive(Default)]
struct Memory {
    realms: RwLock<HashMap<String, Cached>>,
    keys_epoch: AtomicU64,
}

impl Memory {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Cached>> {
        self.realms.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Cached>> {
        self.realms.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Caches a realm as stored at `revision`, unless a newer state is cached already. The
    /// users' index of the state it replaces, when one was built, follows the change
    /// ([`UserIndex::follow`]): the next search finds it ready.
    fn remember(&self, realm: Realm, revision: u64) {
        let realm = Arc::new(realm);
        // A large change builds the index again, before the lock is taken.
        let rebuilt = {
            let previous = self.read().get(&realm.name).cloned();
            previous.and_then(|p| {
                (p.index.get().is_some()
                    && Edit::between(&p.realm.users, &realm.users).size() > FOLLOW_AT_MOST)
                    .then(|| (p.revision, UserIndex::of(&realm)))
            })
        };
        let mut realms = self.write();
        if realms
            .get(&realm.name)
            .is_some_and(|cached| cached.revision > revision)
        {
            return;
        }
        let fresh = Cached::new(realm.clone(), revision);
        let replaced = realms.insert(realm.name.clone(), fresh.clone());
        let index = match (rebuilt, replaced) {
            (Some((of, rebuilt)), Some(p)) if p.revision == of => Some(rebuilt),
            (_, Some(p)) => Arc::try_unwrap(p.index)
                .map_or_else(|shared| shared.get().cloned(), OnceLock::into_inner)
                .map(|built| Arc::unwrap_or_clone(built).follow(&p.realm, &realm)),
            (_, None) => None,
        };
        if let Some(index) = index {
            let _ = fresh.index.set(Arc::new(index));
        }
    }

    /// Forgets a realm deleted at `revision`, unless it was stored again since.
    fn forget(&self, name: &str, revision: u64) {
        let mut realms = self.write();
        if realms.get(name).is_some_and(|c| c.revision <= revision) {
            realms.remove(name);
        }
    }

    fn keys_changed(&self) {
        self.keys_epoch.fetch_add(1, Ordering::Release);
    }
}

/// Event logs in memory (authoritative while the process runs), written to the store in the
/// background like session rotations.
struct EventLogs {
    store: Arc<dyn Store>,
    cache: Mutex<HashMap<String, RealmEvents>>,
    dirty: Mutex<HashSet<String>>,
    flusher: std::sync::Once,
}

impl EventLogs {
    fn lock_cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, RealmEvents>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_dirty(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.dirty.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes every changed log.
    fn flush(&self) {
        let realms: Vec<String> = self.lock_dirty().drain().collect();
        for realm in realms {
            let Some(log) = self.lock_cache().get(&realm).cloned() else {
                continue;
            };
            let k = key(EVENTS, Some(&realm), EVENT_LOG);
            let written = wrap(EVENT_LOG, &log).and_then(|object| {
                match self.store.create(&k, object.clone()) {
                    Err(StoreError::AlreadyExists) => self
                        .store
                        .update(&k, object)
                        .map(|_| ())
                        .map_err(Into::into),
                    other => other.map(|_| ()).map_err(Into::into),
                }
            });
            if let Err(error) = written {
                tracing::error!(%error, "writing the event log");
            }
        }
    }
}

/// The background writer of event logs; ends when the directory is dropped.
fn flush_events_loop(logs: Weak<EventLogs>) {
    loop {
        std::thread::sleep(FLUSH_INTERVAL);
        let Some(logs) = logs.upgrade() else {
            return;
        };
        logs.flush();
    }
}

/// The provider's persistent state.
pub struct Directory {
    store: Arc<dyn Store>,
    memory: Arc<Memory>,
    /// Serializes this process's realm changes (readers never wait for them).
    realm_writes: Mutex<()>,
    sessions: Arc<Sessions>,
    events: Arc<EventLogs>,
    /// Other processes write to the store too.
    shared: bool,
    /// What this directory's changes revoked.
    revocations: Arc<Feed>,
}

impl Drop for Directory {
    fn drop(&mut self) {
        self.sessions.flush();
        self.events.flush();
    }
}

/// The background writer of deferred session changes; ends when the directory is dropped.
fn flush_loop(sessions: Weak<Sessions>) {
    loop {
        std::thread::sleep(FLUSH_INTERVAL);
        let Some(sessions) = sessions.upgrade() else {
            return;
        };
        sessions.flush();
    }
}

fn key(resource: &str, namespace: Option<&str>, name: &str) -> ObjectKey {
    ObjectKey {
        group: GROUP.to_string(),
        resource: resource.to_string(),
        namespace: namespace.map(str::to_string),
        name: name.to_string(),
    }
}

fn wrap<T: Serialize>(name: &str, spec: &T) -> Result<Value, DirectoryError> {
    let spec = serde_json::to_value(spec).map_err(|e| DirectoryError::Corrupt {
        what: "object",
        message: e.to_string(),
    })?;
    Ok(json!({ "metadata": { "name": name }, "spec": spec }))
}

/// The revision an object was stored at (its `metadata.resourceVersion`).
fn revision(object: &Value) -> u64 {
    object
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// `object` to be written only over the revision `revision` (a compare-and-swap).
fn at_revision(mut object: Value, revision: u64) -> Value {
    if revision > 0
        && let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut)
    {
        metadata.insert("resourceVersion".into(), json!(revision.to_string()));
    }
    object
}

fn unwrap<T: DeserializeOwned>(what: &'static str, object: Value) -> Result<T, DirectoryError> {
    let spec = object.get("spec").cloned().unwrap_or(Value::Null);
    serde_json::from_value(spec).map_err(|e| DirectoryError::Corrupt {
        what,
        message: e.to_string(),
    })
}

impl Directory {
    /// Loads the realms from the store, which this process alone writes to.
    pub fn open(store: Arc<dyn Store>) -> Result<Self, DirectoryError> {
        Self::load(store, false).map(|(directory, _)| directory)
    }

    /// Loads the realms from a store that other providers write to as well (etcd), and follows
    /// it: their changes of realms and keys, and what they revoke, reach this directory
    /// through the store's watch.
    pub fn open_shared(store: Arc<dyn Store>) -> Result<Self, DirectoryError> {
        let (directory, revision) = Self::load(store, true)?;
        // What this replica revokes goes to the others through the store, and theirs
        // (those of the last day, then each new one) come back to this one's feed.
        let shared = directory.store.clone();
        directory.revocations.send_to(Box::new(move |entry| {
            revoked::store(shared.as_ref(), entry)
        }));
        let watches = follow::watch(directory.store.as_ref(), revision)?;
        revoked::load(directory.store.as_ref(), &directory.revocations)?;
        follow::spawn(
            directory.store.clone(),
            Arc::downgrade(&directory.memory),
            Arc::downgrade(&directory.revocations),
            watches,
        );
        Ok(directory)
    }

    fn load(store: Arc<dyn Store>, shared: bool) -> Result<(Self, u64), DirectoryError> {
        let (realms, revision) = list_realms(store.as_ref())?;
        let directory = Self {
            sessions: Arc::new(Sessions {
                store: store.clone(),
                cache: Mutex::new(HashMap::new()),
                dirty: Mutex::new(HashSet::new()),
                flusher: std::sync::Once::new(),
            }),
            events: Arc::new(EventLogs {
                store: store.clone(),
                cache: Mutex::new(HashMap::new()),
                dirty: Mutex::new(HashSet::new()),
                flusher: std::sync::Once::new(),
            }),
            store,
            memory: Arc::new(Memory {
                realms: RwLock::new(realms),
                keys_epoch: AtomicU64::new(0),
            }),
            realm_writes: Mutex::new(()),
            shared,
            revocations: Arc::new(Feed::default()),
        };
        Ok((directory, revision))
    }

    /// What this directory revoked (users disabled, deleted or losing groups or roles,
    /// sessions ended), for the servers and gateways that trust the provider.
    pub fn revocations(&self) -> &Arc<Feed> {
        &self.revocations
    }

    /// Whether other processes write to the store too.
    pub fn shared(&self) -> bool {
        self.shared
    }

    /// How many times the signing keys of any realm changed since the directory was opened (by
    /// this process, or by another one sharing the store): a cached keyring older than this
    /// must be read again.
    pub fn keys_epoch(&self) -> u64 {
        self.memory.keys_epoch.load(Ordering::Acquire)
    }

    /// Gives every realm stored by an older kubeward the default objects it lacks
    /// (`defaults::ensure`) and writes it back; returns the names of the realms upgraded.
    pub fn upgrade(&self, minter: &mut dyn Minter) -> Result<Vec<String>, DirectoryError> {
        let stale: Vec<String> = self
            .memory
            .read()
            .values()
            .filter(|c| c.realm.defaults_version < crate::defaults::VERSION)
            .map(|c| c.realm.name.clone())
            .collect();
        for name in &stale {
            self.update_realm(name, |r| {
                crate::defaults::ensure(r, minter);
                Ok(())
            })?;
        }
        Ok(stale)
    }

    /// Transient records of `resource` (codes, logins, failures): in the store when it is
    /// shared, else in memory.
    pub fn transient<T: Clone + Serialize + DeserializeOwned>(
        &self,
        resource: &'static str,
    ) -> transient::Transient<T> {
        transient::Transient::new(resource, self.shared.then(|| self.store.clone()))
    }

    /// The store (shared with the API server in `kubeward up`).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The realm of that name.
    pub fn realm(&self, name: &str) -> Option<Arc<Realm>> {
        self.memory.read().get(name).map(|c| c.realm.clone())
    }

    /// The index of `realm`'s users, when `realm` is the realm as cached (as
    /// [`Directory::realm`] returned it); built at its first use and kept until the realm
    /// changes. `None` for another copy (an edited or overlaid realm): scan it.
    pub fn user_index(&self, realm: &Arc<Realm>) -> Option<Arc<UserIndex>> {
        let cell = self
            .memory
            .read()
            .get(&realm.name)
            .filter(|c| Arc::ptr_eq(&c.realm, realm))
            .map(|c| c.index.clone())?;
        Some(cell.get_or_init(|| Arc::new(UserIndex::of(realm))).clone())
    }

    /// Whether the users' index of the realm as cached is built.
    #[cfg(test)]
    fn index_ready(&self, name: &str) -> bool {
        self.memory
            .read()
            .get(name)
            .is_some_and(|c| c.index.get().is_some())
    }

    /// Every realm, sorted by name.
    pub fn realms(&self) -> Vec<Arc<Realm>> {
        let mut all: Vec<Arc<Realm>> = self
            .memory
            .read()
            .values()
            .map(|c| c.realm.clone())
            .collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }

    fn lock_writes(&self) -> std::sync::MutexGuard<'_, ()> {
        self.realm_writes.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Creates a realm; refuses a taken name.
    pub fn create_realm(&self, realm: Realm) -> Result<Arc<Realm>, DirectoryError> {
        let _writing = self.lock_writes();
        if self.realm(&realm.name).is_some() {
            return Err(DirectoryError::RealmExists);
        }
        let stored = match self
            .store
            .create(&key(REALMS, None, &realm.name), wrap(&realm.name, &realm)?)
        {
            Ok(stored) => stored,
            Err(StoreError::AlreadyExists) => return Err(DirectoryError::RealmExists),
            Err(e) => return Err(e.into()),
        };
        let name = realm.name.clone();
        self.memory.remember(realm, revision(&stored));
        self.realm(&name).ok_or(DirectoryError::RealmNotFound)
    }

    /// The realm as stored now (a shared directory reads the store; another one its cache).
    fn current_realm(&self, name: &str) -> Result<Cached, DirectoryError> {
        if self.shared {
            let stored = self
                .store
                .get(&key(REALMS, None, name))?
                .ok_or(DirectoryError::RealmNotFound)?;
            let at = revision(&stored);
            if let Some(cached) = self.memory.read().get(name).filter(|c| c.revision == at) {
                return Ok(cached.clone());
            }
            let realm: Realm = unwrap("realm", stored)?;
            self.memory.remember(realm.clone(), at);
            return Ok(Cached::new(Arc::new(realm), at));
        }
        self.memory
            .read()
            .get(name)
            .cloned()
            .ok_or(DirectoryError::RealmNotFound)
    }

    /// Changes a realm atomically: `change` edits a copy; an error leaves the realm as it was.
    /// A rename (changing `name`) moves the stored object. On a shared store, `change` runs
    /// again on the newer realm when another replica changed it in between.
    pub fn update_realm<T>(
        &self,
        name: &str,
        mut change: impl FnMut(&mut Realm) -> Result<T, DirectoryError>,
    ) -> Result<T, DirectoryError> {
        let _writing = self.lock_writes();
        for _ in 0..CHANGE_ATTEMPTS {
            let current = self.current_realm(name)?;
            let mut edited = Realm::clone(&current.realm);
            let result = change(&mut edited)?;
            if edited == *current.realm {
                return Ok(result);
            }
            let written = if edited.name != name {
                self.rename_realm(name, &edited, current.revision)
            } else {
                self.store
                    .update(
                        &key(REALMS, None, name),
                        at_revision(wrap(name, &edited)?, current.revision),
                    )
                    .map(|stored| revision(&stored))
                    .map_err(DirectoryError::from)
            };
            match written {
                Ok(at) => {
                    for (user, reason) in revocations::realm_changes(&current.realm, &edited) {
                        self.revocations.user(name, &user, reason);
                    }
                    if edited.name != name {
                        self.memory.forget(name, at);
                    }
                    self.memory.remember(edited, at);
                    return Ok(result);
                }
                Err(DirectoryError::Store(StoreError::Conflict)) if self.shared => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict.into())
    }

    /// Stores `edited` under its new name and deletes the realm `name` stored at `revision`;
    /// returns the revision of the deletion.
    fn rename_realm(
        &self,
        name: &str,
        edited: &Realm,
        revision: u64,
    ) -> Result<u64, DirectoryError> {
        if self.realm(&edited.name).is_some() {
            return Err(DirectoryError::RealmExists);
        }
        let new_key = key(REALMS, None, &edited.name);
        match self.store.create(&new_key, wrap(&edited.name, edited)?) {
            Ok(_) => {}
            Err(StoreError::AlreadyExists) => return Err(DirectoryError::RealmExists),
            Err(e) => return Err(e.into()),
        }
        match self.store.delete(&key(REALMS, None, name), Some(revision)) {
            Ok(deleted) => Ok(self::revision(&deleted)),
            Err(e) => {
                // The old realm changed meanwhile: the rename did not happen.
                let _ = self.store.delete(&new_key, None);
                Err(e.into())
            }
        }
    }

    /// Deletes a realm with its sessions and keys.
    pub fn delete_realm(&self, name: &str) -> Result<(), DirectoryError> {
        let _writing = self.lock_writes();
        if self.realm(name).is_none() {
            return Err(DirectoryError::RealmNotFound);
        }
        let deleted = match self.store.delete(&key(REALMS, None, name), None) {
            Ok(deleted) => deleted,
            Err(StoreError::NotFound) => {
                self.memory.forget(name, u64::MAX);
                return Err(DirectoryError::RealmNotFound);
            }
            Err(e) => return Err(e.into()),
        };
        self.memory.forget(name, revision(&deleted));
        self.events.lock_cache().remove(name);
        self.events.lock_dirty().remove(name);
        for resource in [SESSIONS, KEYS, EVENTS] {
            for object in self.list(resource, name)? {
                if let Some(n) = object.pointer("/metadata/name").and_then(Value::as_str) {
                    let _ = self.store.delete(&key(resource, Some(name), n), None);
                }
            }
        }
        Ok(())
    }

    fn list(&self, resource: &str, realm: &str) -> Result<Vec<Value>, DirectoryError> {
        Ok(self
            .store
            .list_all(&ListScope {
                group: GROUP.to_string(),
                resource: resource.to_string(),
                namespace: Some(realm.to_string()),
            })?
            .items)
    }

    /// A session of a realm.
    pub fn session(&self, realm: &str, id: &str) -> Result<Option<Session>, DirectoryError> {
        let key = (realm.to_string(), id.to_string());
        if let Some(s) = self.sessions.lock_cache().get(&key)
            && !self.shared
        {
            return Ok(Some(s.clone()));
        }
        self.store
            .get(&self::key(SESSIONS, Some(realm), id))?
            .map(|o| unwrap("session", o))
            .transpose()
    }

    /// Stores a new session (durably).
    pub fn create_session(&self, realm: &str, session: &Session) -> Result<(), DirectoryError> {
        self.store.create(
            &key(SESSIONS, Some(realm), &session.id),
            wrap(&session.id, session)?,
        )?;
        if self.shared {
            return Ok(());
        }
        self.sessions
            .lock_cache()
            .insert((realm.to_string(), session.id.clone()), session.clone());
        Ok(())
    }

    /// Changes a session atomically; `change` returns its result and when to write.
    ///
    /// On a shared store every call is one compare-and-swap of the stored session, whatever
    /// `change` asks for (a refusal too: it confirms that no replica changed the session since
    /// it was read); when another replica's change came in between, `change` runs again on it.
    pub fn modify_session<T>(
        &self,
        realm: &str,
        id: &str,
        mut change: impl FnMut(&mut Session) -> (T, Write),
    ) -> Result<Option<T>, DirectoryError> {
        if self.shared {
            return self.swap_session(realm, id, change);
        }
        let key = (realm.to_string(), id.to_string());
        let mut cache = self.sessions.lock_cache();
        if !cache.contains_key(&key) {
            let Some(object) = self.store.get(&self::key(SESSIONS, Some(realm), id))? else {
                return Ok(None);
            };
            cache.insert(key.clone(), unwrap("session", object)?);
        }
        let Some(session) = cache.get_mut(&key) else {
            return Ok(None);
        };
        let before = session.clone();
        let (result, write) = change(session);
        let ended = revocations::session_ended(&before, session);
        match write {
            Write::No => {}
            Write::Later => {
                drop(cache);
                self.sessions.lock_dirty().insert(key);
                let weak = Arc::downgrade(&self.sessions);
                self.sessions
                    .flusher
                    .call_once(|| drop(std::thread::spawn(move || flush_loop(weak))));
            }
            Write::Now => {
                let snapshot = session.clone();
                if let Err(e) = self.sessions.write(&key, &snapshot) {
                    *session = before;
                    return Err(e);
                }
                drop(cache);
                self.sessions.lock_dirty().remove(&key);
            }
        }
        if ended {
            self.revocations.session(realm, id, "session ended");
        }
        Ok(Some(result))
    }

    /// [`Directory::modify_session`] on a shared store.
    fn swap_session<T>(
        &self,
        realm: &str,
        id: &str,
        mut change: impl FnMut(&mut Session) -> (T, Write),
    ) -> Result<Option<T>, DirectoryError> {
        let k = key(SESSIONS, Some(realm), id);
        for _ in 0..CHANGE_ATTEMPTS {
            let Some(stored) = self.store.get(&k)? else {
                return Ok(None);
            };
            let at = revision(&stored);
            let mut session: Session = unwrap("session", stored)?;
            let before = session.clone();
            let (result, _) = change(&mut session);
            match self.store.update(&k, at_revision(wrap(id, &session)?, at)) {
                Ok(_) => {
                    if revocations::session_ended(&before, &session) {
                        self.revocations.session(realm, id, "session ended");
                    }
                    return Ok(Some(result));
                }
                Err(StoreError::Conflict) => continue,
                Err(StoreError::NotFound) => return Ok(None),
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict.into())
    }

    /// Removes a session (logout).
    pub fn delete_session(&self, realm: &str, id: &str) -> Result<bool, DirectoryError> {
        let key = (realm.to_string(), id.to_string());
        let mut cache = self.sessions.lock_cache();
        cache.remove(&key);
        self.sessions.lock_dirty().remove(&key);
        match self
            .store
            .delete(&self::key(SESSIONS, Some(realm), id), None)
        {
            Ok(_) => {
                self.revocations.session(realm, id, "session deleted");
                Ok(true)
            }
            Err(StoreError::NotFound) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes deferred session changes now.
    pub fn flush(&self) {
        self.sessions.flush();
    }

    /// The sessions of a realm, as stored (after writing deferred changes).
    pub fn sessions(&self, realm: &str) -> Result<Vec<Session>, DirectoryError> {
        self.flush();
        self.list(SESSIONS, realm)?
            .into_iter()
            .map(|o| unwrap("session", o))
            .collect()
    }

    /// Changes a realm's event log (loaded from the store on first use); the change is written
    /// in the background.
    pub fn modify_events<T>(
        &self,
        realm: &str,
        change: impl FnOnce(&mut RealmEvents) -> (T, bool),
    ) -> T {
        let mut cache = self.events.lock_cache();
        if !cache.contains_key(realm) {
            let stored = self
                .store
                .get(&key(EVENTS, Some(realm), EVENT_LOG))
                .ok()
                .flatten()
                .and_then(|o| unwrap::<RealmEvents>("events", o).ok())
                .unwrap_or_default();
            cache.insert(realm.to_string(), stored);
        }
        let log = cache.entry(realm.to_string()).or_default();
        let (result, changed) = change(log);
        drop(cache);
        if changed {
            self.events.lock_dirty().insert(realm.to_string());
            let weak = Arc::downgrade(&self.events);
            self.events
                .flusher
                .call_once(|| drop(std::thread::spawn(move || flush_events_loop(weak))));
        }
        result
    }

    /// The signing keys of a realm: retired ones first, oldest first, the active key last.
    pub fn keys(&self, realm: &str) -> Result<Vec<StoredKey>, DirectoryError> {
        let mut keys: Vec<StoredKey> = self
            .list(KEYS, realm)?
            .into_iter()
            .map(|o| unwrap("key", o))
            .collect::<Result<_, _>>()?;
        // Retired keys first (in retirement order), the active key last.
        keys.sort_by_key(|k| (k.retired.is_none(), k.retired, k.created, k.kid.clone()));
        Ok(keys)
    }

    /// Stores a key (new or changed).
    pub fn put_key(&self, realm: &str, stored: &StoredKey) -> Result<(), DirectoryError> {
        let k = key(KEYS, Some(realm), &stored.kid);
        let object = wrap(&stored.kid, stored)?;
        let written = match self.store.create(&k, object.clone()) {
            Err(StoreError::AlreadyExists) => self.store.update(&k, object).map(|_| ()),
            other => other.map(|_| ()),
        };
        self.memory.keys_changed();
        written.map_err(Into::into)
    }

    /// Deletes a key (expired after retirement).
    pub fn delete_key(&self, realm: &str, kid: &str) -> Result<(), DirectoryError> {
        let deleted = self.store.delete(&key(KEYS, Some(realm), kid), None);
        self.memory.keys_changed();
        deleted?;
        Ok(())
    }
}

/// Every realm stored, and the revision they were read at.
fn list_realms(store: &dyn Store) -> Result<(HashMap<String, Cached>, u64), DirectoryError> {
    let listing = store.list_all(&ListScope {
        group: GROUP.to_string(),
        resource: REALMS.to_string(),
        namespace: None,
    })?;
    let mut realms = HashMap::new();
    for object in listing.items {
        let at = revision(&object);
        let realm: Realm = unwrap("realm", object)?;
        realms.insert(realm.name.clone(), Cached::new(Arc::new(realm), at));
    }
    Ok((realms, listing.revision))
}

#[cfg(test)]
mod tests;
