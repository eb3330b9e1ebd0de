//! kube-apiserver's authentication result cache: a successful result is kept briefly (10 s, as
//! `--token-success-cache-ttl`'s default), keyed by the SHA-256 of the credential — never the
//! credential itself. Failures are not cached. Pure: callers pass `now`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use kubeward_core::UserInfo;

/// How long a success is reused.
pub const SUCCESS_TTL: Duration = Duration::from_secs(10);
/// How many results are kept before the cache is emptied of expired (then all) entries.
pub const CAPACITY: usize = 65_536;

/// The key of a credential: SHA-256 of a domain tag and the credential's bytes.
pub type CacheKey = [u8; 32];

/// The cache key of `parts` (hashed in order, each length-prefixed) in `domain`.
pub fn key(domain: &str, parts: &[&[u8]]) -> CacheKey {
    let mut context = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    context.update(domain.as_bytes());
    for part in parts {
        context.update(&(part.len() as u64).to_be_bytes());
        context.update(part);
    }
    let digest = context.finish();
    let mut key = [0u8; 32];
    key.copy_from_slice(digest.as_ref());
    key
}

#[derive(Clone)]
struct Entry {
    user: UserInfo,
    audiences: Vec<String>,
    expires: SystemTime,
}

/// Recent successful authentications.
pub struct ResultCache {
    entries: Mutex<HashMap<CacheKey, Entry>>,
    epoch: AtomicU64,
    ttl: Duration,
    capacity: usize,
}

impl std::fmt::Debug for ResultCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultCache")
            .field("ttl", &self.ttl)
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl Default for ResultCache {
    fn default() -> Self {
        Self::new(SUCCESS_TTL, CAPACITY)
    }
}

impl ResultCache {
    /// A cache keeping successes for `ttl`, at most `capacity` of them.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            epoch: AtomicU64::new(0),
            ttl,
            capacity: capacity.max(1),
        }
    }

    /// The cached user and audiences for `key`, unless expired at `now`.
    pub fn get(&self, key: &CacheKey, now: SystemTime) -> Option<(UserInfo, Vec<String>)> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let entry = entries.get(key)?;
        (now < entry.expires).then(|| (entry.user.clone(), entry.audiences.clone()))
    }

    /// Forgets every result when `epoch` (of the revocations, say) is newer than the last one
    /// seen: a result from before a revocation must not answer after it.
    pub fn forget_before(&self, epoch: u64) {
        if self.epoch.load(Ordering::Acquire) >= epoch {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if self.epoch.fetch_max(epoch, Ordering::AcqRel) < epoch {
            entries.clear();
        }
    }

    /// Remembers a success at `now` (until `now + ttl`).
    pub fn insert(&self, key: CacheKey, user: UserInfo, audiences: Vec<String>, now: SystemTime) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity {
            entries.retain(|_, entry| now < entry.expires);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                user,
                audiences,
                expires: now + self.ttl,
            },
        );
    }
}

#[cfg(test)]
mod tests;
