//! A shared directory follows the store: one thread watches the realms, the keys and the
//! revocations of `idp.kubeward.io`, caches every realm another replica stored, counts the
//! keys' changes (so that keyrings are read again) and hands other replicas' revocations to
//! this one's feed. When a watch ends (the watcher fell behind, or the events
//! were compacted away) the realms are listed again and the watches resume from that list.
//! The thread ends once the directory is gone.

use std::sync::{Arc, Weak};
use std::time::Duration;

use kubeward_store::{EventType, ListScope, Store, StoreError, Watch, WatchEvent};

use super::{GROUP, KEYS, Memory, REALMS, apart, assemble, list_realms, revoked, unwrap};
use crate::revocations::Feed;

/// How often the thread checks that the directory still exists when nothing happens, and how
/// long it waits before listing again after the store failed.
const PAUSE: Duration = Duration::from_secs(1);

fn scope(resource: &str) -> ListScope {
    ListScope {
        group: GROUP.to_string(),
        resource: resource.to_string(),
        namespace: None,
    }
}

/// The watches a directory follows.
pub(super) struct Watches {
    realms: Watch,
    users: Watch,
    keys: Watch,
    revocations: Watch,
}

/// Watches the realms and the keys after `revision` (that of the list the directory was loaded
/// from; the watches start before this returns, so that nothing written after it is missed).
pub(super) fn watch(store: &dyn Store, revision: u64) -> Result<Watches, StoreError> {
    Ok(Watches {
        realms: store.watch(&scope(REALMS), revision)?,
        users: store.watch(&scope(apart::USERS), revision)?,
        keys: store.watch(&scope(KEYS), revision)?,
        revocations: store.watch(&revoked::scope(), revision)?,
    })
}

/// Follows `store` on a thread of its own, from `watches`.
pub(super) fn spawn(
    store: Arc<dyn Store>,
    memory: Weak<Memory>,
    feed: Weak<Feed>,
    watches: Watches,
) {
    let spawned = std::thread::Builder::new()
        .name("kubeward-idp-follow".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    tracing::error!(%error, "the identity provider cannot follow its store");
                    return;
                }
            };
            runtime.block_on(run(store, memory, feed, watches));
        });
    if let Err(error) = spawned {
        tracing::error!(%error, "the identity provider cannot follow its store");
    }
}

async fn run(store: Arc<dyn Store>, memory: Weak<Memory>, feed: Weak<Feed>, watches: Watches) {
    let mut watches = Ok(watches);
    loop {
        let ended = match watches {
            Ok(watches) => match follow(store.as_ref(), &memory, &feed, watches).await {
                Ok(()) => return,
                Err(error) => error,
            },
            Err(error) => error,
        };
        tracing::debug!(error = %ended, "the identity provider's watch ended");
        // Read everything again: events may have been missed.
        watches = loop {
            let Some(held) = memory.upgrade() else {
                return;
            };
            match list_realms(store.as_ref()) {
                Ok((realms, at, _)) => {
                    let mut cached = held.write();
                    cached.retain(|name, c| realms.contains_key(name) || c.revision > at);
                    for (name, fresh) in realms {
                        if cached
                            .get(&name)
                            .is_none_or(|c| c.revision <= fresh.revision)
                        {
                            cached.insert(name, fresh);
                        }
                    }
                    drop(cached);
                    held.keys_changed();
                    let watches = watch(store.as_ref(), at);
                    if let Some(feed) = feed.upgrade()
                        && let Err(error) = revoked::load(store.as_ref(), &feed)
                    {
                        tracing::warn!(%error, "the identity provider cannot list the revocations");
                    }
                    break watches;
                }
                Err(error) => {
                    tracing::warn!(%error, "the identity provider cannot list its realms");
                    drop(held);
                    tokio::time::sleep(PAUSE).await;
                }
            }
        };
    }
}

/// Applies the watches' events until a watch ends (an error: list again) or the
/// directory is gone (`Ok`).
async fn follow(
    store: &dyn Store,
    memory: &Weak<Memory>,
    feed: &Weak<Feed>,
    watches: Watches,
) -> Result<(), StoreError> {
    let Watches {
        mut realms,
        mut users,
        mut keys,
        mut revocations,
    } = watches;
    loop {
        let event = tokio::select! {
            event = realms.next() => Some((Followed::Realms, event)),
            event = users.next() => Some((Followed::Users, event)),
            event = keys.next() => Some((Followed::Keys, event)),
            event = revocations.next() => Some((Followed::Revocations, event)),
            () = tokio::time::sleep(PAUSE) => None,
        };
        let (Some(held), Some(feed)) = (memory.upgrade(), feed.upgrade()) else {
            return Ok(());
        };
        match event {
            None => {}
            Some((_, None)) => return Err(ended(&realms, &keys, &revocations)),
            Some((Followed::Realms, Some(event))) => apply_realm(store, &held, event),
            Some((Followed::Users, Some(event))) => apply_user(&held, event),
            Some((Followed::Keys, Some(_))) => held.keys_changed(),
            Some((Followed::Revocations, Some(event))) if event.kind == EventType::Added => {
                revoked::receive(&feed, event.object);
            }
            Some((Followed::Revocations, Some(_))) => {}
        }
    }
}

/// Which watch an event came from.
enum Followed {
    Realms,
    Users,
    Keys,
    Revocations,
}

fn ended(realms: &Watch, keys: &Watch, revocations: &Watch) -> StoreError {
    StoreError::Backend(format!(
        "a watch ended (realms at {}, keys at {}, revocations at {})",
        realms.revision(),
        keys.revision(),
        revocations.revision()
    ))
}

fn apply_realm(store: &dyn Store, memory: &Memory, event: WatchEvent) {
    match event.kind {
        EventType::Deleted => memory.forget(&event.key.name, event.revision),
        EventType::Added | EventType::Modified => {
            let shell = match unwrap::<crate::model::Realm>("realm", event.object.clone()) {
                Ok(shell) => shell,
                Err(error) => return tracing::error!(%error, "a stored realm"),
            };
            if !shell.users.is_empty() || !memory.realm_changed(shell, event.revision) {
                // A realm new to this replica (or stored with its users inside): read whole.
                match assemble(store, event.object) {
                    Ok((realm, at, users, _)) => memory.remember(realm, at, users),
                    Err(error) => tracing::error!(%error, "a stored realm"),
                }
            }
        }
    }
}

fn apply_user(memory: &Memory, event: WatchEvent) {
    let Some(realm_id) = event.key.namespace.as_deref() else {
        return;
    };
    let user = match event.kind {
        EventType::Deleted => None,
        EventType::Added | EventType::Modified => {
            match unwrap::<crate::model::User>("user", event.object) {
                Ok(user) => Some(user),
                Err(error) => return tracing::error!(%error, "a stored user"),
            }
        }
    };
    // A user of a realm not cached yet comes with the realm, read whole.
    memory.user_changed(realm_id, &event.key.name, user, event.revision);
}
