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

mod apart;
mod follow;
mod revoked;
pub mod transient;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock, Weak};
use std::time::Duration;

use kubeward_store::{ListScope, ObjectKey, Step, Store, StoreError, StoreExt as _};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::events::RealmEvents;
use crate::flows::refresh::Session;
use crate::model::user_index::{Edit, FOLLOW_AT_MOST, UserIndex};
use crate::model::{ModelError, Realm, User};
use crate::representation::Minter;
use crate::revocations::{self, Feed};

use self::apart::Revisions;

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

/// The most steps of one transaction on a shared store (etcd refuses more than 128 operations
/// in one; each step is a compare, an operation and a read).
const STEPS_AT_ONCE: usize = 100;

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

/// A realm as cached, with the revision its object was stored at, the revision of each of its
/// users, and its users' index (built at its first use, then followed through the realm's
/// changes).
#[derive(Clone)]
struct Cached {
    realm: Arc<Realm>,
    revision: u64,
    users: Arc<Revisions>,
    index: Arc<OnceLock<Arc<UserIndex>>>,
}

impl Cached {
    fn new(realm: Arc<Realm>, revision: u64, users: Arc<Revisions>) -> Self {
        Self {
            realm,
            revision,
            users,
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

    /// Caches a realm whose object was stored at `revision`, unless a newer state is cached
    /// already.
    fn remember(&self, realm: Realm, revision: u64, users: Revisions) {
        let mut realms = self.write();
        if realms
            .get(&realm.name)
            .is_some_and(|cached| cached.revision > revision)
        {
            return;
        }
        install(&mut realms, realm, revision, Arc::new(users));
    }

    /// Caches what a change of the realm `base` (as cached when the change began) wrote: the
    /// edited realm when nothing else was cached since, else the users it wrote (and its
    /// object, when that changed) over what was cached since (another replica's changes, heard
    /// meanwhile).
    fn written(
        &self,
        base: &Cached,
        edited: Realm,
        revision: u64,
        steps: &[Step],
        results: &[Value],
    ) {
        let mut realms = self.write();
        let current = realms.get(&base.realm.name).cloned();
        let Some(current) = current.filter(|c| !Arc::ptr_eq(&c.realm, &base.realm)) else {
            let mut users = Revisions::clone(&base.users);
            apart::note_written(&mut users, steps, results);
            install(&mut realms, edited, revision, Arc::new(users));
            return;
        };
        let mut users = Revisions::clone(&current.users);
        apart::note_written(&mut users, steps, results);
        let mut realm = if revision > current.revision {
            let mut shell = edited.clone();
            shell.users = current.realm.users.clone();
            shell
        } else {
            Realm::clone(&current.realm)
        };
        for step in steps {
            let key = step.key();
            if key.resource != apart::USERS {
                continue;
            }
            let user = edited.users.iter().find(|u| u.id == key.name).cloned();
            put_user(
                &mut realm,
                &key.name,
                user.filter(|_| !matches!(step, Step::Delete(..))),
            );
        }
        install(
            &mut realms,
            realm,
            revision.max(current.revision),
            Arc::new(users),
        );
    }

    /// Caches a user another replica wrote (`None`: deleted) at `revision`, unless the cache
    /// has a newer state of it. `false` when the realm is not cached.
    fn user_changed(&self, realm_id: &str, id: &str, user: Option<User>, revision: u64) -> bool {
        let mut realms = self.write();
        let Some(current) = realms.values().find(|c| c.realm.id == realm_id).cloned() else {
            return false;
        };
        if current.users.get(id).is_some_and(|&at| at >= revision) {
            return true;
        }
        let mut users = Revisions::clone(&current.users);
        users.insert(id.to_string(), revision);
        let mut realm = Realm::clone(&current.realm);
        put_user(&mut realm, id, user);
        install(&mut realms, realm, current.revision, Arc::new(users));
        true
    }

    /// Caches a realm's object another replica wrote at `revision` with the users cached;
    /// `false` when the realm is not cached.
    fn realm_changed(&self, mut shell: Realm, revision: u64) -> bool {
        let mut realms = self.write();
        let Some(current) = realms.get(&shell.name).cloned() else {
            return false;
        };
        if current.revision >= revision {
            return true;
        }
        shell.users = current.realm.users.clone();
        install(&mut realms, shell, revision, current.users.clone());
        true
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

/// Replaces, adds (`Some`, not there yet) or removes (`None`) the user `id` of `realm`.
fn put_user(realm: &mut Realm, id: &str, user: Option<User>) {
    let at = realm.users.iter().position(|u| u.id == id);
    match (at, user) {
        (Some(i), Some(user)) => realm.users[i] = user,
        (None, Some(user)) => realm.users.push(user),
        (Some(i), None) => {
            realm.users.remove(i);
        }
        (None, None) => {}
    }
}

/// Caches `realm` in `realms`. The users' index of the state it replaces, when one was built,
/// follows the change ([`UserIndex::follow`]): the next search finds it ready.
fn install(
    realms: &mut HashMap<String, Cached>,
    realm: Realm,
    revision: u64,
    users: Arc<Revisions>,
) {
    let realm = Arc::new(realm);
    let fresh = Cached::new(realm.clone(), revision, users);
    let replaced = realms.insert(realm.name.clone(), fresh.clone());
    let index = replaced.and_then(|p| {
        let built = Arc::try_unwrap(p.index)
            .map_or_else(|shared| shared.get().cloned(), OnceLock::into_inner)?;
        Some(
            if Edit::between(&p.realm.users, &realm.users).size() > FOLLOW_AT_MOST {
                UserIndex::of(&realm)
            } else {
                Arc::unwrap_or_clone(built).follow(&p.realm, &realm)
            },
        )
    });
    if let Some(index) = index {
        let _ = fresh.index.set(Arc::new(index));
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
        let (realms, revision, inline) = list_realms(store.as_ref())?;
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
        for name in inline {
            directory.move_users_out(&name)?;
        }
        Ok((directory, revision))
    }

    /// Stores the users of a realm that an older kubeward kept inside the realm's object as
    /// objects of their own, then the realm without them (on a shared store in steps, each
    /// user written whether or not another replica moved it already).
    fn move_users_out(&self, name: &str) -> Result<(), DirectoryError> {
        let Some(cached) = self.memory.read().get(name).cloned() else {
            return Ok(());
        };
        let mut realm = Realm::clone(&cached.realm);
        let mut steps = Vec::new();
        let mut usernames = HashSet::new();
        for user in &realm.users {
            if usernames.insert(user.username.as_str()) {
                apart::create(&realm.id, user, &mut steps)?;
            } else {
                // Two users of one name (never made by kubeward): the first keeps the entry.
                let object = wrap(&user.id, user)?;
                steps.push(Step::Create(apart::user_key(&realm.id, &user.id), object));
            }
        }
        let shell = at_revision(apart::shell(&mut realm)?, cached.revision);
        let realm_key = key(REALMS, None, name);
        if self.shared {
            for chunk in steps.chunks(STEPS_AT_ONCE) {
                if self.store.transact(chunk.to_vec()).is_err() {
                    for step in chunk {
                        if let Step::Create(k, object) = step {
                            put(self.store.as_ref(), k, object.clone())?;
                        }
                    }
                }
            }
            match self.store.update(&realm_key, shell) {
                Ok(_) | Err(StoreError::Conflict) => {}
                Err(e) => return Err(e.into()),
            }
        } else {
            steps.push(Step::Update(realm_key.clone(), shell));
            self.store.transact(steps)?;
        }
        let stored = self
            .store
            .get(&realm_key)?
            .ok_or(DirectoryError::RealmNotFound)?;
        let (realm, at, users, _) = assemble(self.store.as_ref(), stored)?;
        self.memory.write().remove(name);
        self.memory.remember(realm, at, users);
        tracing::info!(realm = name, "the realm's users are stored apart from it");
        Ok(())
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
    pub fn create_realm(&self, mut realm: Realm) -> Result<Arc<Realm>, DirectoryError> {
        let _writing = self.lock_writes();
        if self.realm(&realm.name).is_some() {
            return Err(DirectoryError::RealmExists);
        }
        let mut steps = vec![Step::Create(
            key(REALMS, None, &realm.name),
            apart::shell(&mut realm)?,
        )];
        for user in &realm.users {
            apart::create(&realm.id, user, &mut steps)?;
        }
        let results = match self.transact(steps.clone()) {
            Ok(results) => results,
            Err(DirectoryError::Store(StoreError::AlreadyExists))
                if self.store.get(&key(REALMS, None, &realm.name))?.is_some() =>
            {
                return Err(DirectoryError::RealmExists);
            }
            Err(DirectoryError::Store(StoreError::AlreadyExists)) => {
                return Err(username_taken());
            }
            Err(e) => return Err(e),
        };
        let mut users = Revisions::new();
        apart::note_written(&mut users, &steps, &results);
        let name = realm.name.clone();
        self.memory.remember(
            realm,
            revision(results.first().unwrap_or(&Value::Null)),
            users,
        );
        self.realm(&name).ok_or(DirectoryError::RealmNotFound)
    }

    /// Writes `steps` all at once, or, on a shared store, in transactions of at most
    /// [`STEPS_AT_ONCE`] steps (etcd limits a transaction's operations): what each answered, in
    /// order.
    fn transact(&self, steps: Vec<Step>) -> Result<Vec<Value>, DirectoryError> {
        if !self.shared || steps.len() <= STEPS_AT_ONCE {
            return Ok(self.store.transact(steps)?);
        }
        let mut results = Vec::with_capacity(steps.len());
        for chunk in steps.chunks(STEPS_AT_ONCE) {
            results.extend(self.store.transact(chunk.to_vec())?);
        }
        Ok(results)
    }

    /// The realm as stored now: a shared directory reads the realm's object (and, when its
    /// cache is not at that object's revision or `fresh` is asked for, the realm's users);
    /// another one its cache.
    fn current_realm(&self, name: &str, fresh: bool) -> Result<Cached, DirectoryError> {
        if self.shared {
            let stored = self
                .store
                .get(&key(REALMS, None, name))?
                .ok_or(DirectoryError::RealmNotFound)?;
            let at = revision(&stored);
            if !fresh
                && let Some(cached) = self.memory.read().get(name).filter(|c| c.revision == at)
            {
                return Ok(cached.clone());
            }
            let (realm, at, users, _) = assemble(self.store.as_ref(), stored)?;
            return Ok(Cached::new(Arc::new(realm), at, Arc::new(users)));
        }
        self.memory
            .read()
            .get(name)
            .cloned()
            .ok_or(DirectoryError::RealmNotFound)
    }

    /// Changes a realm atomically: `change` edits a copy; an error leaves the realm as it was.
    /// What is written is what changed: the users added, changed or removed (each an object of
    /// its own, with its username's index entry) and the realm's object when anything but its
    /// users changed, in one transaction that also checks that the realm's object is as read.
    /// A rename (changing `name`) moves the stored object. On a shared store, `change` runs
    /// again on the realm as stored when another replica changed what it wrote in between.
    pub fn update_realm<T>(
        &self,
        name: &str,
        mut change: impl FnMut(&mut Realm) -> Result<T, DirectoryError>,
    ) -> Result<T, DirectoryError> {
        let _writing = self.lock_writes();
        let mut fresh = false;
        for _ in 0..CHANGE_ATTEMPTS {
            let current = self.current_realm(name, fresh)?;
            let mut edited = Realm::clone(&current.realm);
            let result = change(&mut edited)?;
            if edited == *current.realm {
                return Ok(result);
            }
            let written = if edited.name != name {
                self.rename_realm(name, &current, &mut edited)
            } else {
                self.write_realm(&current, &mut edited)
            };
            match written {
                Ok((at, steps, results)) => {
                    for (user, reason) in revocations::realm_changes(&current.realm, &edited) {
                        self.revocations.user(name, &user, reason);
                    }
                    if edited.name != name {
                        self.memory.forget(name, at);
                        let mut users = Revisions::clone(&current.users);
                        apart::note_written(&mut users, &steps, &results);
                        self.memory.remember(edited, at, users);
                    } else {
                        self.memory.written(&current, edited, at, &steps, &results);
                    }
                    return Ok(result);
                }
                Err(DirectoryError::Store(StoreError::AlreadyExists)) if !self.shared || fresh => {
                    return Err(username_taken());
                }
                Err(DirectoryError::Store(
                    StoreError::Conflict | StoreError::NotFound | StoreError::AlreadyExists,
                )) if self.shared => {
                    fresh = true;
                    continue;
                }
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict.into())
    }

    /// Writes the change from `current` to `edited` (same name); returns the revision of the
    /// realm's object afterwards, the steps written and what the store answered.
    fn write_realm(
        &self,
        current: &Cached,
        edited: &mut Realm,
    ) -> Result<(u64, Vec<Step>, Vec<Value>), DirectoryError> {
        let mut steps = apart::user_steps(&current.realm, &current.users, edited)?;
        let realm_key = key(REALMS, None, &edited.name);
        let shell_changed = !apart::same_but_users(&current.realm, edited);
        let last = if shell_changed {
            Step::Update(
                realm_key.clone(),
                at_revision(apart::shell(edited)?, current.revision),
            )
        } else {
            Step::Expect(realm_key.clone(), Some(current.revision))
        };
        let results = if self.shared && steps.len() >= STEPS_AT_ONCE {
            // Several transactions, each checking the realm's object; that object last.
            let mut results = Vec::with_capacity(steps.len() + 1);
            let mut written = Vec::with_capacity(steps.len() + 1);
            for chunk in steps.chunks(STEPS_AT_ONCE - 1) {
                let mut chunk = chunk.to_vec();
                chunk.push(Step::Expect(realm_key.clone(), Some(current.revision)));
                let mut answered = self.store.transact(chunk.clone())?;
                answered.pop();
                chunk.pop();
                results.extend(answered);
                written.extend(chunk);
            }
            results.extend(self.store.transact(vec![last.clone()])?);
            written.push(last);
            steps = written;
            results
        } else {
            steps.push(last);
            self.store.transact(steps.clone())?
        };
        let at = match steps.last() {
            Some(Step::Update(..)) => results.last().map_or(current.revision, revision),
            _ => current.revision,
        };
        Ok((at, steps, results))
    }

    /// Stores `edited` under its new name, its users as they changed, and deletes the realm
    /// `name` as it was read; returns the revision of the deletion, the steps of the users and
    /// what the store answered to them.
    fn rename_realm(
        &self,
        name: &str,
        current: &Cached,
        edited: &mut Realm,
    ) -> Result<(u64, Vec<Step>, Vec<Value>), DirectoryError> {
        if self.realm(&edited.name).is_some() {
            return Err(DirectoryError::RealmExists);
        }
        let steps = apart::user_steps(&current.realm, &current.users, edited)?;
        let new_key = key(REALMS, None, &edited.name);
        match self.store.create(&new_key, apart::shell(edited)?) {
            Ok(_) => {}
            Err(StoreError::AlreadyExists) => return Err(DirectoryError::RealmExists),
            Err(e) => return Err(e.into()),
        }
        let results = match self.transact(steps.clone()) {
            Ok(results) => results,
            Err(e) => {
                let _ = self.store.delete(&new_key, None);
                return Err(e);
            }
        };
        match self
            .store
            .delete(&key(REALMS, None, name), Some(current.revision))
        {
            Ok(deleted) => Ok((self::revision(&deleted), steps, results)),
            Err(e) => {
                // The old realm changed meanwhile: the rename did not happen.
                let _ = self.store.delete(&new_key, None);
                Err(e.into())
            }
        }
    }

    /// Deletes a realm with its users, sessions and keys.
    pub fn delete_realm(&self, name: &str) -> Result<(), DirectoryError> {
        let _writing = self.lock_writes();
        let Some(realm) = self.realm(name) else {
            return Err(DirectoryError::RealmNotFound);
        };
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
        let by_name = [SESSIONS, KEYS, EVENTS].map(|resource| (resource, name));
        let by_id = [apart::USERS, apart::USERNAMES].map(|resource| (resource, realm.id.as_str()));
        for (resource, namespace) in by_name.into_iter().chain(by_id) {
            for object in self.list(resource, namespace)? {
                if let Some(n) = object.pointer("/metadata/name").and_then(Value::as_str) {
                    let _ = self.store.delete(&key(resource, Some(namespace), n), None);
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

/// The realms as listed: by name, the revision of the list, the realms stored with their users
/// inside.
type Listed = (HashMap<String, Cached>, u64, Vec<String>);

/// Every realm stored with its users, the revision the realms were read at, and the names of
/// those whose users an older kubeward kept inside the realm's object.
fn list_realms(store: &dyn Store) -> Result<Listed, DirectoryError> {
    let listing = store.list_all(&ListScope {
        group: GROUP.to_string(),
        resource: REALMS.to_string(),
        namespace: None,
    })?;
    let mut realms = HashMap::new();
    let mut inline = Vec::new();
    for object in listing.items {
        let (realm, at, users, inside) = assemble(store, object)?;
        if inside {
            inline.push(realm.name.clone());
        }
        realms.insert(
            realm.name.clone(),
            Cached::new(Arc::new(realm), at, Arc::new(users)),
        );
    }
    Ok((realms, listing.revision, inline))
}

/// A realm as stored: its object, with the users stored apart (or, written by an older
/// kubeward, inside it: then `true`), the object's revision and the users' revisions.
fn assemble(
    store: &dyn Store,
    object: Value,
) -> Result<(Realm, u64, Revisions, bool), DirectoryError> {
    let at = revision(&object);
    let mut realm: Realm = unwrap("realm", object)?;
    if !realm.users.is_empty() {
        return Ok((realm, at, Revisions::new(), true));
    }
    let listing = store.list_all(&ListScope {
        group: GROUP.to_string(),
        resource: apart::USERS.to_string(),
        namespace: Some(realm.id.clone()),
    })?;
    let mut users = Vec::with_capacity(listing.items.len());
    let mut revisions = Revisions::with_capacity(listing.items.len());
    for object in listing.items {
        let at = revision(&object);
        let user: User = unwrap("user", object)?;
        revisions.insert(user.id.clone(), at);
        users.push(user);
    }
    apart::in_creation_order(&mut users);
    realm.users = users;
    Ok((realm, at, revisions, false))
}

/// Creates or replaces an object, whatever is stored.
fn put(store: &dyn Store, key: &ObjectKey, object: Value) -> Result<(), DirectoryError> {
    match store.create(key, object.clone()) {
        Err(StoreError::AlreadyExists) => store.update(key, object).map(|_| ()),
        other => other.map(|_| ()),
    }
    .map_err(Into::into)
}

/// A username taken by another user (its index entry exists).
fn username_taken() -> DirectoryError {
    DirectoryError::Model(ModelError::Conflict {
        what: "User",
        field: "username",
    })
}

#[cfg(test)]
mod tests;
