//! Keeps the cache current: one etcd watch of the whole prefix from the revision the cache is
//! at, with the previous values (so a deletion carries the last object), applied event by event.
//! A broken stream (a member died, the network failed) is watched again from the last revision
//! on any member; a watch that fell behind a compaction lists everything again, as
//! kube-apiserver's reflector does.

use std::sync::Arc;
use std::time::Duration;

use etcd_client::{Client, WatchOptions};

use super::cache::Cache;
use super::convert::{etcd_revision, revision_of, watch_event};
use super::history::list_everything;
use super::layout::Layout;

/// The first wait before watching again after a failure; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(50);
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Why a watch stream ended.
enum Ended {
    /// etcd compacted the revision the watch was at: list again.
    Compacted,
    /// The stream failed or closed: watch again from the last revision.
    Broken(String),
}

/// Follows etcd from the cache's revision for as long as the store's runtime runs.
pub async fn run(client: Client, layout: Layout, cache: Arc<Cache>) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        let ended = follow(&client, &layout, &cache, &mut backoff).await;
        match ended {
            Ended::Compacted => {
                tracing::warn!(
                    revision = cache.revision(),
                    "etcd: the cache's watch fell behind a compaction; listing again"
                );
                match list_everything(&client, &layout).await {
                    Ok((objects, revision)) => cache.reset(objects, revision),
                    Err(error) => {
                        tracing::warn!(%error, "etcd: listing for the cache failed");
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                    }
                }
            }
            Ended::Broken(error) => {
                tracing::warn!(%error, revision = cache.revision(), "etcd: the cache's watch broke; watching again");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// Watches from the cache's revision and applies what comes until the stream ends.
async fn follow(client: &Client, layout: &Layout, cache: &Cache, backoff: &mut Duration) -> Ended {
    let options = WatchOptions::new()
        .with_prefix()
        .with_start_revision(etcd_revision(cache.revision() + 1))
        .with_prev_key();
    let mut stream = match client
        .watch_client()
        .watch(layout.root(), Some(options))
        .await
    {
        Ok(stream) => stream,
        Err(error) => return Ended::Broken(error.to_string()),
    };
    loop {
        let response = match stream.message().await {
            Ok(Some(response)) => response,
            Ok(None) => return Ended::Broken("the stream closed".to_string()),
            Err(error) => return Ended::Broken(error.to_string()),
        };
        if response.compact_revision() != 0 {
            return Ended::Compacted;
        }
        if response.canceled() {
            return Ended::Broken(format!("cancelled: {}", response.cancel_reason()));
        }
        *backoff = FIRST_BACKOFF;
        let mut applied = Vec::with_capacity(response.events().len());
        for event in response.events() {
            match watch_event(layout, event) {
                Some(pair) => applied.push(pair),
                None => {
                    cache.apply(std::mem::take(&mut applied));
                    let revision = event.kv().map_or(0, |kv| revision_of(kv.mod_revision()));
                    tracing::warn!(
                        revision,
                        "etcd: an event under the prefix is not one of kubeward's objects; left out"
                    );
                    cache.advance(revision);
                }
            }
        }
        cache.apply(applied);
    }
}
