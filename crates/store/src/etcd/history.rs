//! Reads that the cache cannot answer go to etcd: a range at a revision, read in chunks (the
//! whole prefix for the cache's list, one page of an older revision for a client), the revision
//! etcd has compacted up to, and watches from a revision older than the cache's window.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use etcd_client::{Client, GetOptions, WatchOptions};
use serde_json::Value;
use tokio::sync::broadcast;

use super::bridge::Bridge;
use super::convert::{
    decode_kv, etcd_error, etcd_revision, is_compacted, revision_of, watch_event,
};
use super::layout::{Layout, range_end};
use super::retry::{Kind, retrying};
use crate::model::{ListScope, ObjectKey, StoreError, WatchEvent};
use crate::watch::Watch;

/// How many keys one range request reads.
pub const CHUNK: i64 = 500;

/// One chunk of a range read.
pub struct Chunk {
    /// The pairs read, in key order.
    pub kvs: Vec<etcd_client::KeyValue>,
    /// The revision read at.
    pub revision: u64,
    /// How many keys the range holds from the chunk's first key on (at that revision).
    pub count: u64,
    /// Whether keys follow the chunk.
    pub more: bool,
}

/// Reads at most [`CHUNK`] keys of `[start, end)` at `revision` (the newest when `None`).
pub async fn range(
    client: &Client,
    start: Vec<u8>,
    end: Vec<u8>,
    revision: Option<u64>,
) -> Result<Chunk, etcd_client::Error> {
    let mut options = GetOptions::new().with_range(end).with_limit(CHUNK);
    if let Some(revision) = revision {
        options = options.with_revision(etcd_revision(revision));
    }
    let mut response = client.kv_client().get(start, Some(options)).await?;
    let revision = response.header().map_or(0, |h| revision_of(h.revision()));
    Ok(Chunk {
        count: revision_of(response.count()),
        more: response.more(),
        kvs: response.take_kvs(),
        revision,
    })
}

/// The key after `key` in etcd's order.
pub fn after(key: &[u8]) -> Vec<u8> {
    let mut next = key.to_vec();
    next.push(0);
    next
}

/// Every object under the layout's prefix at one revision (the newest), for the cache, with
/// the revision read at. Keys and values that are not the store's are left out.
pub async fn list_everything(
    client: &Client,
    layout: &Layout,
) -> Result<(Vec<(String, ObjectKey, Value)>, u64), etcd_client::Error> {
    let end = range_end(layout.root());
    let mut start = layout.root().as_bytes().to_vec();
    let mut revision = None;
    let mut objects = Vec::new();
    loop {
        let chunk = range(client, start.clone(), end.clone(), revision).await?;
        let at = *revision.get_or_insert(chunk.revision);
        for kv in &chunk.kvs {
            let decoded = std::str::from_utf8(kv.key())
                .ok()
                .and_then(|etcd_key| Some((etcd_key, layout.decode(etcd_key)?)));
            match (decoded, decode_kv(kv)) {
                (Some((etcd_key, key)), Ok(object)) => {
                    objects.push((etcd_key.to_string(), key, object));
                }
                _ => tracing::warn!(
                    key = %String::from_utf8_lossy(kv.key()),
                    "etcd: a key under the prefix is not one of kubeward's objects; left out"
                ),
            }
        }
        match chunk.kvs.last() {
            Some(last) if chunk.more => start = after(last.key()),
            _ => return Ok((objects, at)),
        }
    }
}

/// What a synchronous read of etcd needs: the runtime to run on, the client, the layout and
/// the deadline of one call.
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    /// The store's runtime.
    pub bridge: &'a Bridge,
    /// The etcd client.
    pub client: &'a Client,
    /// The key layout.
    pub layout: &'a Layout,
    /// The deadline of one call.
    pub timeout: Duration,
}

/// The entries of `[prefix + start, end of prefix)` at `revision`, read from etcd a chunk at a
/// time as the page needs them (relative key, object), keeping what `scope` holds.
pub struct Entries<'a> {
    reader: Reader<'a>,
    scope: &'a ListScope,
    prefix: &'a str,
    revision: u64,
    next_start: Option<Vec<u8>>,
    buffered: VecDeque<etcd_client::KeyValue>,
    /// Keys of the range not yet taken: the last chunk's count less what was taken since.
    untaken: u64,
}

impl<'a> Entries<'a> {
    /// The entries of the scope's `prefix` from `start`, at `revision`.
    pub fn new(
        reader: Reader<'a>,
        scope: &'a ListScope,
        prefix: &'a str,
        start: &str,
        revision: u64,
    ) -> Self {
        Self {
            reader,
            scope,
            prefix,
            revision,
            next_start: Some(format!("{prefix}{start}").into_bytes()),
            buffered: VecDeque::new(),
            untaken: 0,
        }
    }

    /// How many keys follow the ones taken so far.
    pub fn untaken(&self) -> u64 {
        self.untaken
    }

    fn fetch(&mut self, start: Vec<u8>) -> Result<(), StoreError> {
        let client = self.reader.client.clone();
        let end = range_end(self.prefix);
        let revision = self.revision;
        let deadline = tokio::time::Instant::now() + self.reader.timeout;
        let chunk = self.reader.bridge.run(self.reader.timeout, async move {
            retrying(&client, Kind::Read, deadline, |client| {
                let (start, end) = (start.clone(), end.clone());
                async move { range(&client, start, end, Some(revision)).await }
            })
            .await
            .map_err(|error| read_error(&error, revision))
        })?;
        self.untaken = chunk.count;
        self.next_start = match chunk.kvs.last() {
            Some(last) if chunk.more => Some(after(last.key())),
            _ => None,
        };
        self.buffered = chunk.kvs.into();
        Ok(())
    }
}

impl Iterator for Entries<'_> {
    type Item = Result<(String, Value), StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(kv) = self.buffered.pop_front() {
                self.untaken = self.untaken.saturating_sub(1);
                let Some(etcd_key) = std::str::from_utf8(kv.key()).ok() else {
                    continue;
                };
                let Some(key) = self.reader.layout.decode(etcd_key) else {
                    continue;
                };
                if !crate::keys::in_scope(self.scope, &key) {
                    continue;
                }
                let relative = etcd_key[self.prefix.len()..].to_string();
                return Some(decode_kv(&kv).map(|object| (relative, object)));
            }
            let start = self.next_start.take()?;
            if let Err(error) = self.fetch(start) {
                return Some(Err(error));
            }
        }
    }
}

/// A failed read at `revision`: [`StoreError::Gone`] when etcd compacted it (the oldest revision
/// is filled in by the caller), a backend error otherwise.
fn read_error(error: &etcd_client::Error, revision: u64) -> StoreError {
    if is_compacted(error) {
        StoreError::Gone {
            requested: revision,
            oldest: 0,
        }
    } else {
        etcd_error(error)
    }
}

/// The revision etcd has compacted up to, learnt as a client learns it: a watch from a
/// compacted revision is cancelled with it.
pub async fn compacted_revision(client: &Client, key: &str) -> Result<u64, StoreError> {
    let options = WatchOptions::new().with_start_revision(1);
    let mut stream = client
        .watch_client()
        .watch(key, Some(options))
        .await
        .map_err(|error| etcd_error(&error))?;
    while let Some(response) = stream.message().await.map_err(|error| etcd_error(&error))? {
        if response.compact_revision() != 0 || response.canceled() {
            return Ok(revision_of(response.compact_revision()));
        }
        if !response.events().is_empty() {
            // Revision 1 is still there: nothing has been compacted.
            return Ok(0);
        }
    }
    Ok(0)
}

/// A watch of `prefix` from etcd's history: the events after `since`, then live ones, filtered
/// to `scope`. Ends (the client lists again) when etcd ends it; the forwarding task stops once
/// the watch is dropped.
pub fn watch(
    reader: Reader<'_>,
    prefix: &str,
    scope: Option<&ListScope>,
    since: u64,
    buffer: usize,
) -> Result<Watch, StoreError> {
    let (sender, receiver) = broadcast::channel::<Arc<WatchEvent>>(buffer.max(1));
    let options = WatchOptions::new()
        .with_prefix()
        .with_start_revision(etcd_revision(since + 1))
        .with_prev_key();
    let watch_client = reader.client.clone();
    let start = prefix.to_string();
    let deadline = tokio::time::Instant::now() + reader.timeout;
    let stream = reader.bridge.run(reader.timeout, async move {
        retrying(&watch_client, Kind::Read, deadline, |client| {
            let (start, options) = (start.clone(), options.clone());
            async move { client.watch_client().watch(start, Some(options)).await }
        })
        .await
        .map_err(|error| etcd_error(&error))
    })?;
    let layout = reader.layout.clone();
    reader.bridge.handle().spawn(async move {
        let mut stream = stream;
        let mut idle = tokio::time::interval(Duration::from_secs(5));
        loop {
            let response = tokio::select! {
                response = stream.message() => response,
                _ = idle.tick() => {
                    if sender.receiver_count() == 0 {
                        return;
                    }
                    continue;
                }
            };
            let Ok(Some(response)) = response else { return };
            if response.canceled() || response.compact_revision() != 0 {
                return;
            }
            for event in response.events() {
                if let Some((_, event)) = watch_event(&layout, event)
                    && sender.send(Arc::new(event)).is_err()
                {
                    return;
                }
            }
        }
    });
    Ok(Watch::new(scope.cloned(), VecDeque::new(), receiver, since))
}
