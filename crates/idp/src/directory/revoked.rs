//! Revocations among providers sharing a store (etcd): each entry a replica publishes is also
//! stored (one object per entry, in its realm's namespace), every replica's follow thread
//! reads the entries others stored into its own feed, and a replica that starts reads those of
//! the last day. Entries past the retention are removed by whichever replica publishes next.

use kubeward_authn::revocation::{Entry, RETENTION};
use kubeward_store::{ListScope, Store, StoreError, StoreExt as _};

use super::{DirectoryError, GROUP, key, revision, unwrap, wrap};
use crate::revocations::Feed;

/// The resource the entries are stored under.
pub(super) const REVOCATIONS: &str = "revocations";

/// Every realm's entries.
pub(super) fn scope() -> ListScope {
    ListScope {
        group: GROUP.to_string(),
        resource: REVOCATIONS.to_string(),
        namespace: None,
    }
}

/// The stored name of `entry`: its second and a digest of whom and why it revokes, so that the
/// same entry stored twice is one object.
fn name_of(entry: &Entry) -> String {
    let who = format!(
        "{}\0{}\0{}",
        entry.sub.as_deref().unwrap_or(""),
        entry.sid.as_deref().unwrap_or(""),
        entry.reason
    );
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, who.as_bytes());
    let hex: String = digest.as_ref()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{}-{hex}", entry.not_before)
}

/// Stores `entry` for the other replicas, and removes the entries past the retention.
pub(super) fn store(store: &dyn Store, entry: &Entry) {
    let name = name_of(entry);
    let written = wrap(&name, entry).and_then(|mut object| {
        object["metadata"]["namespace"] = serde_json::Value::from(entry.realm.as_str());
        match store.create(&key(REVOCATIONS, Some(&entry.realm), &name), object) {
            Ok(_) | Err(StoreError::AlreadyExists) => Ok(()),
            Err(error) => Err(error.into()),
        }
    });
    if let Err(error) = written {
        tracing::error!(%error, realm = %entry.realm, "a revocation could not be shared with the other replicas");
    }
    if let Err(error) = prune(store, entry.not_before) {
        tracing::warn!(%error, "old revocations could not be removed");
    }
}

fn prune(store: &dyn Store, now: u64) -> Result<(), DirectoryError> {
    for object in store.list_all(&scope())?.items {
        let at = revision(&object);
        let namespace = object
            .pointer("/metadata/namespace")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string);
        let name = object
            .pointer("/metadata/name")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string();
        let expired = match unwrap::<Entry>("revocation", object) {
            Ok(entry) => entry.not_before.saturating_add(RETENTION) <= now,
            Err(_) => true,
        };
        if expired {
            // Removed by another replica meanwhile: nothing to do.
            let _ = store.delete(&key(REVOCATIONS, namespace.as_deref(), &name), Some(at));
        }
    }
    Ok(())
}

/// Reads every stored entry into `feed` (those it knows already are skipped).
pub(super) fn load(store: &dyn Store, feed: &Feed) -> Result<(), DirectoryError> {
    for object in store.list_all(&scope())?.items {
        receive(feed, object);
    }
    Ok(())
}

/// One stored entry (an object of the store) into `feed`.
pub(super) fn receive(feed: &Feed, object: serde_json::Value) {
    match unwrap::<Entry>("revocation", object) {
        Ok(entry) => feed.receive(entry),
        Err(error) => tracing::error!(%error, "a stored revocation"),
    }
}
