//! Connections to LDAP providers' servers, pooled as Keycloak pools them: a connection bound as
//! a provider's `bindDn` serves that provider's searches and changes again and again, and the
//! binds that check users' passwords go through connections of their own (never used for
//! anything but binds), so that a login costs no TCP or TLS handshake once the pool is warm.
//! A pooled connection the server closed meanwhile fails its first operation, which is then
//! tried once more on a new connection. ldap3's blocking client: only ever called from
//! blocking threads.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ldap3::{LdapConn, LdapConnSettings, LdapError as Ldap3Error, Scope, SearchEntry};

use super::{INVALID_CREDENTIALS, LdapError};
use crate::flows::ldap::{Entry, GroupSettings, LdapSettings};

/// How long connecting and each operation may take when the provider does not say.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// How many idle connections are kept per server and bind DN.
const IDLE_PER_KEY: usize = 8;

/// What a pooled connection is for: the provider's bind DN's operations, or users' binds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Bound {
    /// Bound as this DN with this credential (none: anonymous).
    Service(Option<(String, String)>),
    /// Bound as whichever user was checked last; only ever binds again.
    UserBinds,
}

/// The connections that may serve one another's requests.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    url: String,
    start_tls: bool,
    timeout_ms: Option<u64>,
    bound: Bound,
}

impl Key {
    fn of(s: &LdapSettings, bound: Bound) -> Self {
        Self {
            url: s.url.clone(),
            start_tls: s.start_tls,
            timeout_ms: s.timeout_ms,
            bound,
        }
    }

    fn service(s: &LdapSettings) -> Self {
        let bind = s
            .bind_dn
            .clone()
            .map(|dn| (dn, s.bind_credential.clone().unwrap_or_default()));
        Self::of(s, Bound::Service(bind))
    }
}

/// A connection to an LDAP provider's server.
pub(super) struct Connection {
    conn: LdapConn,
    pub(super) settings: LdapSettings,
    timeout: Duration,
}

pub(super) fn unavailable(s: &LdapSettings, e: &Ldap3Error) -> LdapError {
    LdapError::Unavailable(format!("LDAP server {} cannot be reached: {e}", s.url))
}

impl Connection {
    /// Connects, without binding (TLS with `tls` when given).
    fn open(
        settings: LdapSettings,
        tls: Option<&Arc<rustls::ClientConfig>>,
    ) -> Result<Self, LdapError> {
        let timeout = settings
            .timeout_ms
            .map(Duration::from_millis)
            .unwrap_or(DEFAULT_TIMEOUT);
        let mut conn_settings = LdapConnSettings::new()
            .set_conn_timeout(timeout)
            .set_starttls(settings.start_tls);
        if let Some(tls) = tls {
            conn_settings = conn_settings.set_config(Arc::clone(tls));
        }
        let conn = LdapConn::with_settings(conn_settings, &settings.url)
            .map_err(|e| unavailable(&settings, &e))?;
        Ok(Self {
            conn,
            settings,
            timeout,
        })
    }

    /// A simple bind: its LDAP result code.
    fn bind(&mut self, dn: &str, password: &str) -> Result<(u32, String), LdapError> {
        let result = self
            .conn
            .with_timeout(self.timeout)
            .simple_bind(dn, password)
            .map_err(|e| unavailable(&self.settings, &e))?;
        Ok((result.rc, result.text))
    }

    /// Binds as the provider's `bindDn` (nothing to do without one: anonymous).
    fn bind_service(&mut self) -> Result<(), LdapError> {
        let Some(dn) = self.settings.bind_dn.clone() else {
            return Ok(());
        };
        let credential = self.settings.bind_credential.clone().unwrap_or_default();
        let (rc, text) = self.bind(&dn, &credential)?;
        if rc != 0 {
            return Err(LdapError::Unavailable(format!(
                "LDAP server {} refused the bind DN {dn}: {}",
                self.settings.url,
                if rc == INVALID_CREDENTIALS {
                    "invalid credentials".to_string()
                } else {
                    format!("result code {rc} {text}")
                }
            )));
        }
        Ok(())
    }

    /// Searches entries (`subtree`, else one level under `base`); at most `limit` of them
    /// (0: no limit of kubeward's).
    pub(super) fn search(
        &mut self,
        base: &str,
        subtree: bool,
        filter: &str,
        attributes: &[String],
        limit: i32,
    ) -> Result<Vec<Entry>, LdapError> {
        let scope = if subtree {
            Scope::Subtree
        } else {
            Scope::OneLevel
        };
        let attrs: Vec<&str> = attributes.iter().map(String::as_str).collect();
        let mut options = ldap3::SearchOptions::new();
        if limit > 0 {
            options = options.sizelimit(limit);
        }
        let result = self
            .conn
            .with_timeout(self.timeout)
            .with_search_options(options)
            .search(base, scope, filter, attrs)
            .map_err(|e| unavailable(&self.settings, &e))?;
        // 32 noSuchObject: the base is not there, so nothing is under it. 4
        // sizeLimitExceeded: the entries up to the limit came.
        let (entries, rc) = (result.0, result.1.rc);
        if rc == 32 {
            return Ok(Vec::new());
        }
        if rc != 0 && !(rc == 4 && limit > 0) {
            return Err(LdapError::Unavailable(format!(
                "LDAP search under {base} failed: result code {rc} {}",
                result.1.text
            )));
        }
        Ok(entries
            .into_iter()
            .map(|e| {
                let e = SearchEntry::construct(e);
                Entry::new(&e.dn, e.attrs)
            })
            .collect())
    }

    /// The user entries under `usersDn` matching `filter` (at most `limit`; 0: all).
    pub(super) fn users(
        &mut self,
        filter: &str,
        attributes: &[String],
        limit: i32,
    ) -> Result<Vec<Entry>, LdapError> {
        let base = self.settings.users_dn.clone();
        let subtree = self.settings.subtree;
        self.search(&base, subtree, filter, attributes, limit)
    }

    /// The group entries of a group mapper matching `filter`.
    pub(super) fn groups(
        &mut self,
        g: &GroupSettings,
        filter: &str,
    ) -> Result<Vec<Entry>, LdapError> {
        let attrs = vec![g.name_attribute.clone(), g.membership_attribute.clone()];
        self.search(&g.groups_dn, true, filter, &attrs, 0)
    }

    /// Replaces attributes of an entry: the LDAP result code and text.
    pub(super) fn modify(
        &mut self,
        dn: &str,
        mods: Vec<ldap3::Mod<String>>,
    ) -> Result<(u32, String), LdapError> {
        let result = self
            .conn
            .with_timeout(self.timeout)
            .modify(dn, mods)
            .map_err(|e| unavailable(&self.settings, &e))?;
        Ok((result.rc, result.text))
    }
}

/// The connections of every LDAP provider, with the TLS settings they connect with.
#[derive(Default)]
pub struct Connections {
    tls: Option<Arc<rustls::ClientConfig>>,
    idle: Mutex<HashMap<Key, Vec<LdapConn>>>,
}

impl Connections {
    /// Connections that connect with `tls` (`None`: ldap3's own settings, the system's roots).
    pub fn new(tls: Option<Arc<rustls::ClientConfig>>) -> Self {
        Self {
            tls,
            idle: Mutex::default(),
        }
    }

    fn take(&self, key: &Key) -> Option<LdapConn> {
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(key)
            .and_then(Vec::pop)
    }

    fn give_back(&self, key: Key, conn: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let kept = idle.entry(key).or_default();
        if kept.len() < IDLE_PER_KEY {
            kept.push(conn.conn);
        }
    }

    /// Runs `work` on a connection of `key`: a pooled one (and when it fails, once more on a
    /// new one: the server may have closed it), else a new one readied by `ready`. The
    /// connection goes back to the pool when `work` succeeds or `keep` says it may.
    fn with<T>(
        &self,
        key: Key,
        settings: &LdapSettings,
        ready: impl Fn(&mut Connection) -> Result<(), LdapError>,
        mut work: impl FnMut(&mut Connection) -> Result<T, LdapError>,
    ) -> Result<T, LdapError> {
        let timeout = settings
            .timeout_ms
            .map(Duration::from_millis)
            .unwrap_or(DEFAULT_TIMEOUT);
        if let Some(conn) = self.take(&key) {
            let mut c = Connection {
                conn,
                settings: settings.clone(),
                timeout,
            };
            if let Ok(done) = work(&mut c) {
                self.give_back(key, c);
                return Ok(done);
            }
        }
        let mut c = Connection::open(settings.clone(), self.tls.as_ref())?;
        ready(&mut c)?;
        let done = work(&mut c)?;
        self.give_back(key, c);
        Ok(done)
    }

    /// Runs `work` on a connection bound as the provider's `bindDn` (anonymous without one).
    pub(super) fn service<T>(
        &self,
        settings: &LdapSettings,
        work: impl FnMut(&mut Connection) -> Result<T, LdapError>,
    ) -> Result<T, LdapError> {
        self.with(
            Key::service(settings),
            settings,
            Connection::bind_service,
            work,
        )
    }

    /// Whether `dn` binds with `password` on the provider's server: `Ok(false)` for invalid
    /// credentials (and for an empty password, which would be an unauthenticated bind that
    /// servers accept).
    pub(super) fn check_password(
        &self,
        settings: &LdapSettings,
        dn: &str,
        password: &str,
    ) -> Result<bool, LdapError> {
        if password.is_empty() {
            return Ok(false);
        }
        let key = Key::of(settings, Bound::UserBinds);
        self.with(
            key,
            settings,
            |_| Ok(()),
            |c| match c.bind(dn, password)? {
                (0, _) => Ok(true),
                (INVALID_CREDENTIALS, _) => Ok(false),
                (rc, text) => Err(LdapError::Unavailable(format!(
                    "LDAP bind of {dn} failed: result code {rc} {text}"
                ))),
            },
        )
    }

    /// Whether the server at `probe.url` answers (`testConnection`), and accepts a bind as
    /// `probe.bind_dn` when it has one (`testAuthentication`): on a new connection, closed
    /// after, as a test must reach the server itself.
    pub(super) fn probe(&self, probe: LdapSettings) -> Result<(), LdapError> {
        let mut c = Connection::open(probe, self.tls.as_ref())?;
        let bound = c.bind_service();
        let _ = c.conn.unbind();
        bound
    }
}
