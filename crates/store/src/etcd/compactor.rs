//! kube-apiserver's compactor (`k8s.io/apiserver/pkg/storage/etcd3/compact.go`): every interval,
//! compact etcd's history up to the revision seen one interval before, so that between one and
//! two intervals of history stay for watches and lists at older revisions. Replicas agree
//! through the version of the key `compact_rev_key` (a compare-and-swap): one of them compacts
//! per interval, and another takes over when it dies.

use std::time::Duration;

use etcd_client::{Client, Compare, CompareOp, Txn, TxnOp, TxnOpResponse};

use super::convert::revision_of;

/// The key whose version counts compactions (kube-apiserver's, outside any prefix: compaction is
/// of the whole etcd).
pub const COMPACT_REV_KEY: &str = "compact_rev_key";

/// kube-apiserver's default `--etcd-compaction-interval`.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(300);

/// Compacts every `interval`, telling `compacted` each revision it compacted up to.
pub async fn run(client: Client, interval: Duration, compacted: impl Fn(u64)) {
    let mut time = 0;
    let mut revision = 0;
    loop {
        tokio::time::sleep(interval).await;
        match compact(&client, time, revision).await {
            Ok((next_time, next_revision, done)) => {
                time = next_time;
                revision = next_revision;
                if let Some(done) = done {
                    compacted(done);
                }
            }
            Err(error) => tracing::warn!(%error, "etcd: compaction failed"),
        }
    }
}

/// One round: if no other replica compacted since our last round (the key's version is still
/// `time`), take the round and compact up to `revision`, the one seen a round ago. Returns the
/// new compaction time, the current revision, and the revision compacted if any.
async fn compact(
    client: &Client,
    time: i64,
    revision: i64,
) -> Result<(i64, i64, Option<u64>), etcd_client::Error> {
    let txn = Txn::new()
        .when([Compare::version(COMPACT_REV_KEY, CompareOp::Equal, time)])
        .and_then([TxnOp::put(COMPACT_REV_KEY, revision.to_string(), None)])
        .or_else([TxnOp::get(COMPACT_REV_KEY, None)]);
    let response = client.kv_client().txn(txn).await?;
    let current = response.header().map_or(0, |h| h.revision());
    if !response.succeeded() {
        let remote_time = response
            .op_responses()
            .into_iter()
            .find_map(|op| match op {
                TxnOpResponse::Get(get) => get.kvs().first().map(|kv| kv.version()),
                _ => None,
            })
            .unwrap_or(time);
        return Ok((remote_time, current, None));
    }
    let next_time = time + 1;
    if revision == 0 {
        // Nothing to compact on the first round.
        return Ok((next_time, current, None));
    }
    client.kv_client().compact(revision, None).await?;
    Ok((next_time, current, Some(revision_of(revision))))
}
