//! The provider: realms from the directory, their keys, and the grants of `flows` put to work
//! with real randomness and storage. Every method takes `now` (seconds since the epoch) from its
//! caller; only the `http` layer reads the clock.
//!
//! - `tokens`: issuing and verifying the tokens of a realm.
//! - `grants`: the token endpoint (password, client_credentials, refresh_token,
//!   authorization_code, device_code).
//! - `browser`: authorization requests, login sessions, codes, the device flow.
//! - `request`: a token request (form and `Authorization` header).
//! - `lifetimes`: how long a realm keeps its SSO and offline sessions alive.
//! - `broker`: logins through upstream identity providers, and their refresh.
//! - `ldap`: LDAP user federation: lookups at login, password binds, syncs.
//! - `upstream`: the HTTPS back channel to upstream identity providers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use crate::directory::transient::Transient;
use crate::directory::{Directory, DirectoryError};
use crate::events::listener::{Context, EventListener, Origin, Recorded};
use crate::flows::error::OAuthError;
use crate::flows::lockout::Failures;
use crate::flows::password;
use crate::keyring::{self, Keyring, KeyringError};
use crate::model::{Realm, User};
use crate::representation::Minter;

pub mod broker;
pub mod browser;
pub mod grants;
pub mod ldap;
pub mod lifetimes;
pub mod request;
pub mod tokens;
pub mod upstream;

/// What a login event says besides its type: client, user, session, error and details.
#[derive(Debug, Clone, Default)]
pub struct EventFacts<'a> {
    /// The client's `clientId`.
    pub client: Option<&'a str>,
    /// The user's id.
    pub user: Option<&'a str>,
    /// The session's id.
    pub session: Option<&'a str>,
    /// Keycloak's error code.
    pub error: Option<&'a str>,
    /// Details (`grant_type`, `username`, …).
    pub details: Vec<(&'a str, String)>,
}

/// Why a provider operation failed (besides OAuth errors, which are answers, not failures).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// No such realm, or a disabled one.
    #[error("Realm does not exist")]
    RealmNotFound,
    /// The directory failed.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// The keys failed.
    #[error(transparent)]
    Keys(#[from] KeyringError),
    /// Signing failed.
    #[error("signing: {0}")]
    Signing(String),
}

impl From<ProviderError> for OAuthError {
    fn from(error: ProviderError) -> Self {
        tracing::error!(%error, "identity provider failure");
        OAuthError::new(
            crate::flows::error::ErrorCode::InvalidRequest,
            "unknown_error",
        )
    }
}

/// The identity provider's shared state.
pub struct Provider {
    directory: Directory,
    /// Each realm's keyring, with the directory's keys epoch it was read at.
    keyrings: RwLock<HashMap<String, (u64, Arc<Keyring>)>>,
    /// Serializes key creation and rotation.
    key_writes: Mutex<()>,
    /// Each user's recent login failures (brute-force detection), by realm and user id.
    failures: Transient<Failures>,
    browser: browser::BrowserState,
    upstream: upstream::Upstream,
    /// When each LDAP provider's periodic sync was last tried (by component id).
    ldap_attempts: Mutex<HashMap<String, u64>>,
    /// The users of LDAP providers that do not import (`importEnabled` off), as read at their
    /// latest login, by realm and id: never stored, as Keycloak keeps them.
    unimported: Mutex<HashMap<String, HashMap<String, User>>>,
    /// Who hears every event (the audit log, the metrics).
    listeners: RwLock<Vec<Arc<dyn EventListener>>>,
    /// When expired codes and logins were last swept.
    swept: Mutex<u64>,
    /// The LDAP providers' pooled connections (with the truststore's TLS settings when one
    /// was given).
    ldap: ldap::Connections,
}

/// Random ids, secrets and password hashes for imports and the admin API.
pub struct RandomMinter;

impl Minter for RandomMinter {
    fn id(&mut self) -> String {
        new_id()
    }
    fn hash(&mut self, password: &str) -> Result<String, String> {
        hash_password(password)
    }
    fn secret(&mut self) -> String {
        random_token(24)
    }
}

/// A fresh uuid (v4).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `n` random bytes, base64url.
pub fn random_token(n: usize) -> String {
    use base64::Engine as _;
    let mut bytes = vec![0u8; n];
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The argon2id hash of a password with a random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    aws_lc_rs::rand::fill(&mut salt).map_err(|_| "no randomness".to_string())?;
    password::hash(password, &salt).map_err(|e| e.to_string())
}

impl Provider {
    /// A provider over a directory.
    pub fn new(directory: Directory) -> Self {
        Self {
            failures: directory.transient("failures"),
            browser: browser::BrowserState::new(&directory),
            directory,
            keyrings: RwLock::new(HashMap::new()),
            key_writes: Mutex::new(()),
            upstream: upstream::Upstream::default(),
            ldap_attempts: Mutex::new(HashMap::new()),
            unimported: Mutex::new(HashMap::new()),
            listeners: RwLock::new(Vec::new()),
            swept: Mutex::new(0),
            ldap: ldap::Connections::default(),
        }
    }

    /// A provider whose calls to upstream identity providers and LDAPS servers also trust the certificates of
    /// `truststore_pem` (Keycloak's `--truststore-paths`).
    pub fn with_truststore(directory: Directory, truststore_pem: &[u8]) -> Result<Self, String> {
        Ok(Self {
            upstream: upstream::Upstream::new(truststore_pem)?,
            ldap: ldap::Connections::new(ldap::tls_config(truststore_pem)?),
            ..Self::new(directory)
        })
    }

    /// The directory.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// Records a login event: in the realm's event store when its settings record that type,
    /// and for the event listeners always.
    pub fn log_event(&self, realm: &Realm, kind: &str, facts: EventFacts<'_>, now: u64) {
        let listening = self.has_listeners();
        if !realm.events.events_enabled && !listening {
            return;
        }
        let own = |v: Option<&str>| v.filter(|s| !s.is_empty()).map(str::to_string);
        let scope = crate::request_scope::current();
        let event = crate::events::Event {
            id: new_id(),
            time: now * 1000,
            kind: kind.to_string(),
            realm_id: realm.id.clone(),
            client_id: own(facts.client),
            user_id: own(facts.user),
            session_id: own(facts.session),
            ip_address: scope
                .as_ref()
                .and_then(|s| s.origin().source_ips.last_text()),
            error: own(facts.error),
            details: facts
                .details
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        };
        if realm.events.events_enabled {
            let stored = event.clone();
            self.directory
                .modify_events(&realm.name, |log| ((), log.record(&realm.events, stored)));
        }
        if listening {
            let username = event
                .user_id
                .as_deref()
                .and_then(|id| realm.user(id))
                .map(|u| u.username.clone())
                .or_else(|| event.details.get("username").cloned())
                .unwrap_or_default();
            self.emit(realm, Recorded::Login(event), username, scope);
        }
    }

    /// Records an admin event made by `username`: in the realm's event store when its settings
    /// record them, and for the event listeners always.
    pub fn log_admin_event(
        &self,
        realm: &Realm,
        mut event: crate::events::AdminEvent,
        username: &str,
    ) {
        let scope = crate::request_scope::current();
        if let Some(ip) = scope
            .as_ref()
            .and_then(|s| s.origin().source_ips.last_text())
        {
            event.auth_details.insert("ipAddress".to_string(), ip);
        }
        if realm.events.admin_events_enabled {
            let stored = event.clone();
            self.directory.modify_events(&realm.name, |log| {
                ((), log.record_admin(&realm.events, stored))
            });
        }
        if self.has_listeners() {
            // The body may hold credentials: listeners never get it.
            event.representation = None;
            self.emit(realm, Recorded::Admin(event), username.to_string(), scope);
        }
    }

    /// Adds a listener that hears every event from now on.
    pub fn add_listener(&self, listener: Arc<dyn EventListener>) {
        self.listeners
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(listener);
    }

    /// Whether any listener hears events.
    pub fn has_listeners(&self) -> bool {
        !self
            .listeners
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    /// Holds an event in the request's scope until its answer, or hands it to the listeners at
    /// once outside a request.
    fn emit(
        &self,
        realm: &Realm,
        event: Recorded,
        username: String,
        scope: Option<Arc<crate::request_scope::Scope>>,
    ) {
        let held = crate::request_scope::Held {
            event,
            realm: realm.name.clone(),
            username,
        };
        match scope {
            Some(scope) => scope.hold(held),
            None => self.hand_over(held, &Origin::default()),
        }
    }

    /// Hands a held event to the listeners with the request it came from.
    pub fn hand_over(&self, held: crate::request_scope::Held, origin: &Origin) {
        let context = Context {
            realm: held.realm,
            username: held.username,
            origin: origin.clone(),
        };
        let listeners = self
            .listeners
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for listener in listeners {
            listener.on_event(&held.event, &context);
        }
    }

    /// An enabled realm.
    /// Its users include those an LDAP provider without import read at their latest login.
    pub fn realm(&self, name: &str) -> Result<Arc<Realm>, ProviderError> {
        let realm = self
            .directory
            .realm(name)
            .filter(|r| r.enabled)
            .ok_or(ProviderError::RealmNotFound)?;
        Ok(self.with_unimported(realm))
    }

    /// The realm's keys, creating its first signature key and refresh-token secret when it has
    /// none.
    /// A keyring is read again once the keys changed, through this provider or another one
    /// sharing the store.
    pub fn keyring(&self, realm: &Realm, now: u64) -> Result<Arc<Keyring>, ProviderError> {
        let epoch = self.directory.keys_epoch();
        if let Some((at, ring)) = self
            .keyrings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&realm.name)
            && *at == epoch
        {
            return Ok(ring.clone());
        }
        let _serialized = self.key_writes.lock().unwrap_or_else(|e| e.into_inner());
        let mut stored = self.directory.keys(&realm.name)?;
        let has_active = |secret: bool| {
            stored
                .iter()
                .any(|k| k.retired.is_none() && k.is_secret() == secret)
        };
        let mut new_keys = Vec::new();
        if !has_active(false) {
            new_keys.push(keyring::generate(
                &realm.settings.default_signature_algorithm,
                now,
            )?);
        }
        if !has_active(true) {
            new_keys.push(keyring::generate_secret(now)?);
        }
        for key in new_keys {
            self.directory.put_key(&realm.name, &key)?;
            stored.push(key);
        }
        let ring = Arc::new(Keyring::load(&stored, keep_keys(realm), now)?);
        self.keyrings
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(realm.name.clone(), (epoch, ring.clone()));
        Ok(ring)
    }

    /// Publishes a new signing key (of `algorithm`, or the realm's default) and a new
    /// refresh-token secret, and retires the current ones, which keep verifying (the signing key
    /// stays in the JWKS) until the tokens they signed have expired. Returns the new signing
    /// key's id.
    pub fn rotate_keys(
        &self,
        realm_name: &str,
        algorithm: Option<&str>,
        now: u64,
    ) -> Result<String, ProviderError> {
        let realm = self
            .directory
            .realm(realm_name)
            .ok_or(ProviderError::RealmNotFound)?;
        let _serialized = self.key_writes.lock().unwrap_or_else(|e| e.into_inner());
        let key = keyring::generate(
            algorithm.unwrap_or(&realm.settings.default_signature_algorithm),
            now,
        )?;
        let secret = keyring::generate_secret(now)?;
        let keep = keep_keys(&realm);
        for mut old in self.directory.keys(realm_name)? {
            if old.retired.is_none() {
                old.retired = Some(now);
                self.directory.put_key(realm_name, &old)?;
            } else if old.retired.is_some_and(|r| now >= r.saturating_add(keep)) {
                self.directory.delete_key(realm_name, &old.kid)?;
            }
        }
        self.directory.put_key(realm_name, &secret)?;
        self.directory.put_key(realm_name, &key)?;
        self.forget_keys(realm_name);
        Ok(key.kid)
    }

    /// Drops the cached keys of a realm (they are read again from the store).
    pub fn forget_keys(&self, realm_name: &str) {
        self.keyrings
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(realm_name);
    }

    /// Checks a user's password with brute-force protection: locked users, unknown users and
    /// wrong passwords all fail; the time spent is one argon2 verification in each case.
    pub fn check_password<'r>(
        &self,
        realm: &'r Realm,
        login: &str,
        password: &str,
        now: u64,
    ) -> Result<&'r User, LoginFailure> {
        let user = realm
            .user_by_login(login)
            .filter(|u| u.service_account_client_id.is_none());
        let policy = lockout_policy(realm);
        let locked = policy.enabled
            && user.is_some_and(|u| {
                self.failures
                    .get(&realm.name, &u.id)
                    .ok()
                    .flatten()
                    .is_some_and(|f| f.locked(&policy, now))
            });
        let ok = match user.and_then(|u| self.ldap_password(realm, u, password)) {
            Some(Ok(ok)) => ok,
            Some(Err(e)) => {
                tracing::warn!(realm = %realm.name, error = %e, "LDAP password check");
                return Err(LoginFailure::FederationUnavailable);
            }
            None => password::verify(password, user.and_then(|u| u.password_hash.as_deref())),
        };
        let Some(user) = user else {
            return Err(LoginFailure::InvalidCredentials);
        };
        if locked {
            return Err(LoginFailure::TemporarilyDisabled);
        }
        if !ok {
            // One compare-and-swap on a shared store: failures count across replicas.
            let locked_now = policy.enabled
                && self
                    .failures
                    .modify(&realm.name, &user.id, |f| {
                        let f = f.get_or_insert_with(Failures::default);
                        let before = f.locked_until;
                        f.fail(&policy, now);
                        f.locked_until != before && f.locked(&policy, now)
                    })
                    .inspect_err(|error| {
                        tracing::warn!(%error, "identity provider: a login failure not counted")
                    })
                    .unwrap_or(false);
            if locked_now {
                // Keycloak's event when brute-force detection locks a user.
                let facts = EventFacts {
                    user: Some(&user.id),
                    details: vec![("username", user.username.clone())],
                    ..EventFacts::default()
                };
                self.log_event(realm, "USER_DISABLED_BY_TEMPORARY_LOCKOUT", facts, now);
            }
            return Err(LoginFailure::InvalidCredentials);
        }
        if policy.enabled {
            let _ = self.failures.modify(&realm.name, &user.id, |f| *f = None);
        }
        if !user.enabled {
            return Err(LoginFailure::Disabled);
        }
        Ok(user)
    }
}

impl Provider {
    /// A user's brute-force status, as Keycloak's `attack-detection` shows it.
    pub fn failure_status(&self, realm: &Realm, user_id: &str, now: u64) -> serde_json::Value {
        let found = self.failures.get(&realm.name, user_id).ok().flatten();
        let f = found.as_ref();
        let policy = lockout_policy(realm);
        serde_json::json!({
            "numFailures": f.map_or(0, |f| f.count),
            "disabled": f.is_some_and(|f| f.locked(&policy, now)),
            "lastIPFailure": "n/a",
            "lastFailure": f.map_or(0, |f| f.last * 1000),
        })
    }

    /// Forgets the login failures of one user, or of every user of the realm.
    pub fn clear_failures(&self, realm: &Realm, user_id: Option<&str>) {
        let cleared = match user_id {
            Some(id) => self.failures.modify(&realm.name, id, |f| *f = None),
            None => self.failures.retain(Some(&realm.name), |_| false),
        };
        if let Err(error) = cleared {
            tracing::warn!(%error, "identity provider: login failures not cleared");
        }
    }

    /// Forgets expired codes and logins, at most once a minute (of every replica, on a shared
    /// store; alone on its store a provider forgets them as it goes).
    pub fn sweep(&self, now: u64) {
        {
            let mut last = self.swept.lock().unwrap_or_else(|e| e.into_inner());
            if now < *last + 60 {
                return;
            }
            *last = now;
        }
        self.browser.sweep(now);
    }
}

/// Why a login failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoginFailure {
    /// Unknown user or wrong password (one answer for both).
    #[error("Invalid user credentials")]
    InvalidCredentials,
    /// Locked by brute-force protection.
    #[error("Account temporarily disabled")]
    TemporarilyDisabled,
    /// The user is disabled.
    #[error("Account disabled")]
    Disabled,
    /// The user's LDAP server cannot be reached.
    #[error("The user federation provider (LDAP) cannot be reached; try again later")]
    FederationUnavailable,
}

impl From<LoginFailure> for OAuthError {
    fn from(failure: LoginFailure) -> Self {
        match failure {
            LoginFailure::InvalidCredentials => OAuthError::invalid_user_credentials(),
            LoginFailure::FederationUnavailable => OAuthError::new(
                crate::flows::error::ErrorCode::TemporarilyUnavailable,
                failure.to_string(),
            ),
            other => OAuthError::invalid_grant(other.to_string()),
        }
    }
}

/// How long a retired key stays published: the longest-lived token it may have signed.
fn keep_keys(realm: &Realm) -> u64 {
    let s = &realm.settings;
    s.access_token_lifespan
        .max(s.sso_session_max_lifespan)
        .max(s.sso_session_idle_timeout)
}

fn lockout_policy(realm: &Realm) -> crate::flows::lockout::Policy {
    let s = &realm.settings;
    crate::flows::lockout::Policy {
        enabled: s.brute_force_protected,
        failure_factor: s.failure_factor,
        wait_increment: s.wait_increment_seconds,
        max_wait: s.max_failure_wait_seconds,
        max_delta: s.max_delta_time_seconds,
    }
}
