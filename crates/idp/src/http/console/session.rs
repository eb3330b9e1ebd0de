//! The console's sign-in sessions: a random id in a cookie (`Path=/admin/console`, `Secure`,
//! `HttpOnly`, `SameSite=Strict`), kept in memory with an idle and a maximum lifetime, each with
//! its own CSRF token (every form carries it) and a message for the next page.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::provider::random_token;

/// The session cookie.
pub const COOKIE: &str = "KUBEWARD_ADMIN_CONSOLE";
/// A session ends this long after its last request (seconds).
pub const IDLE: u64 = 30 * 60;
/// A session ends this long after sign-in, however busy (seconds).
pub const MAX: u64 = 10 * 3600;

/// A signed-in admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The admin's user id in the master realm.
    pub user_id: String,
    /// The admin's username.
    pub username: String,
    /// The synchronizer token of this session's forms.
    pub csrf: String,
    /// When it signed in.
    pub started: u64,
    /// Its last request.
    pub seen: u64,
    /// What the last change did (or why it failed), shown once.
    pub flash: Option<Flash>,
}

/// A message for the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flash {
    /// A change was made.
    Done(String),
    /// A change was refused.
    Failed(String),
}

/// Every session, by id.
#[derive(Debug, Default)]
pub struct Sessions {
    by_id: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// Starts a session; returns its id.
    pub fn start(&self, user_id: &str, username: &str, now: u64) -> String {
        let id = random_token(32);
        let mut all = self.by_id.lock().unwrap_or_else(|e| e.into_inner());
        all.retain(|_, s| live(s, now));
        all.insert(
            id.clone(),
            Session {
                user_id: user_id.to_string(),
                username: username.to_string(),
                csrf: random_token(32),
                started: now,
                seen: now,
                flash: None,
            },
        );
        id
    }

    /// The live session of `id`, marked as seen now, with its flash taken out.
    pub fn touch(&self, id: &str, now: u64) -> Option<Session> {
        let mut all = self.by_id.lock().unwrap_or_else(|e| e.into_inner());
        let session = all.get_mut(id)?;
        if !live(session, now) {
            all.remove(id);
            return None;
        }
        session.seen = now;
        let seen = session.clone();
        session.flash = None;
        Some(seen)
    }

    /// Leaves a message for the session's next page.
    pub fn flash(&self, id: &str, flash: Flash) {
        if let Some(s) = self
            .by_id
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(id)
        {
            s.flash = Some(flash);
        }
    }

    /// Ends a session.
    pub fn end(&self, id: &str) {
        self.by_id
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }
}

fn live(s: &Session, now: u64) -> bool {
    now < s.seen + IDLE && now < s.started + MAX
}

/// Whether a form's token is the session's (compared in constant time).
pub fn csrf_matches(session: &Session, given: Option<&str>) -> bool {
    let Some(given) = given else { return false };
    let (a, b) = (session.csrf.as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `Set-Cookie` of a session id (an empty id deletes the cookie).
pub fn cookie(id: &str) -> String {
    let expiry = if id.is_empty() { "; Max-Age=0" } else { "" };
    format!("{COOKIE}={id}; Path=/admin/console; Secure; HttpOnly; SameSite=Strict{expiry}")
}

#[cfg(test)]
mod tests;
