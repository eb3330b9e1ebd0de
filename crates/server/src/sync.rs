//! How far the controllers have got: the revision of the last store event they handled. A
//! request that wrote at revision R waits until the controllers have handled R before it
//! answers, so that what follows a write (the RBAC index, a signed certificate, a namespace's
//! default ServiceAccount) is in place when the client sees the answer — as it would be a moment
//! later on a real cluster.

use std::time::Duration;

use tokio::sync::watch;

/// How long a request waits for the controllers before it answers anyway.
pub const WAIT_LIMIT: Duration = Duration::from_secs(10);

/// The revision the controllers have handled, published as they go.
#[derive(Debug)]
pub struct Synced {
    revision: watch::Sender<u64>,
}

impl Default for Synced {
    fn default() -> Self {
        Self {
            revision: watch::Sender::new(0),
        }
    }
}

impl Synced {
    /// Records that every event up to `revision` has been handled.
    pub fn publish(&self, revision: u64) {
        self.revision.send_if_modified(|current| {
            let newer = revision > *current;
            if newer {
                *current = revision;
            }
            newer
        });
    }

    /// Waits until `revision` has been handled, at most [`WAIT_LIMIT`]; false on timeout.
    pub async fn wait_for(&self, revision: u64) -> bool {
        let mut receiver = self.revision.subscribe();
        let reached = receiver.wait_for(|handled| *handled >= revision);
        match tokio::time::timeout(WAIT_LIMIT, reached).await {
            Ok(Ok(_)) => true,
            Ok(Err(_)) | Err(_) => {
                tracing::warn!(revision, "the controllers did not catch up in time");
                false
            }
        }
    }
}
