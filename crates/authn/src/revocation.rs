//! Revoked identity-provider tokens: what an issuer said no longer counts, so that a disabled
//! user, a group membership removed, a session deleted or a refresh family revoked stops the
//! user's live ID tokens at once instead of when they expire (or when a cache forgets them).
//!
//! An entry names an issuer and either a subject (`sub`) or a session (`sid`), with a
//! `notBefore` in Unix seconds: a token of that issuer whose `iat` is earlier is refused. The
//! provider sets `notBefore` to the second after the change, so every token issued up to it is
//! refused (one issued in the same second after the change too, until that second has passed).
//! Entries are kept for [`RETENTION`], longer than any ID token lives. Pure: callers pass `now`.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// How long an entry is kept (no ID token of kubeward's provider lives longer).
pub const RETENTION: u64 = 24 * 60 * 60;
/// How many entries are kept at most (the oldest go first).
pub const CAPACITY: usize = 100_000;

/// One revocation, as the provider's feed sends it (without the issuer, which is the feed's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// The realm (informative: the feed is per realm).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub realm: String,
    /// The user's id (`sub`), when a user's tokens are revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The session (`sid`), when a session's tokens are revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Tokens issued (`iat`) before this Unix second are refused.
    pub not_before: u64,
    /// Why (`user disabled`, `groups changed`, `session ended`, …), for the logs.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Target {
    Subject(String),
    Session(String),
}

/// The revocations a server or gateway honours, by issuer.
#[derive(Debug, Default)]
pub struct Revocations {
    entries: RwLock<HashMap<(String, Target), u64>>,
    epoch: AtomicU64,
}

impl Revocations {
    /// Records `entry` of `issuer` at `now` (Unix seconds); expired entries are dropped.
    pub fn apply(&self, issuer: &str, entry: &Entry, now: u64) {
        let targets = entry
            .sub
            .iter()
            .map(|s| Target::Subject(s.clone()))
            .chain(entry.sid.iter().map(|s| Target::Session(s.clone())));
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CAPACITY {
            entries.retain(|_, not_before| not_before.saturating_add(RETENTION) > now);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        for target in targets {
            let slot = entries.entry((issuer.to_string(), target)).or_insert(0);
            *slot = (*slot).max(entry.not_before);
        }
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// Counts the changes so far: a cache of authentication results made before a change must
    /// not answer after it.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Why a verified token with these `claims` no longer counts, if it does not.
    pub fn refuses(&self, claims: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
        if self.epoch() == 0 {
            return None;
        }
        let text = |name: &str| claims.get(name).and_then(serde_json::Value::as_str);
        let issuer = text("iss")?;
        let issued = claims
            .get("iat")
            .and_then(serde_json::Value::as_f64)
            .map_or(0, |iat| iat.max(0.0) as u64);
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let revoked = |target: Target, what: &str| {
            entries
                .get(&(issuer.to_string(), target))
                .filter(|not_before| issued < **not_before)
                .map(|_| format!("the token's {what} was revoked by its issuer"))
        };
        text("sub")
            .and_then(|sub| revoked(Target::Subject(sub.to_string()), "user"))
            .or_else(|| {
                text("sid").and_then(|sid| revoked(Target::Session(sid.to_string()), "session"))
            })
    }
}

#[cfg(test)]
mod tests;
