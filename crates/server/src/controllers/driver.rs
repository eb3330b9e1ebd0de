//! The driver: one thread that lists every stored kind at one revision and hands the objects to
//! the controllers, then follows the store's watch of everything from that revision and hands
//! them each event in revision order, publishing how far it got (`State::synced`) when it drives
//! the controllers a write waits for; between events it lets them `tick` every few seconds. When the watch ends (the driver fell too far behind the
//! writers), it lists again — an informer's list-then-watch.

use std::sync::Arc;
use std::thread::JoinHandle;

use kubeward_store::{EventType, ListOptions, ReadRevision, StoreError, WatchEvent};
use tokio::sync::watch;

use super::controller::Controller;
use crate::registry::{custom, kinds};
use crate::state::State;

/// The running driver; dropping it stops the thread.
pub struct Driver {
    stop: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Whether a driver says how far it got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// In `State::synced`: writes answer once its controllers have handled them.
    Published,
    /// Not at all (the elected leader's controllers, which writes do not wait for).
    Private,
}

/// Starts the driver for `controllers`.
pub fn start(
    state: Arc<State>,
    controllers: Vec<Box<dyn Controller>>,
    progress: Progress,
) -> std::io::Result<Driver> {
    let (stop, mut stopped) = watch::channel(false);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let thread = std::thread::Builder::new()
        .name("controllers".to_string())
        .spawn(move || {
            runtime.block_on(async move {
                while !*stopped.borrow() {
                    let since = match list(&state, &controllers, progress) {
                        Ok(revision) => revision,
                        Err(error) => {
                            tracing::error!(%error, "controllers: listing the store failed");
                            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                            continue;
                        }
                    };
                    follow(&state, &controllers, progress, since, &mut stopped).await;
                }
            });
        })?;
    Ok(Driver {
        stop,
        thread: Some(thread),
    })
}

/// Hands every stored object to the controllers as `Added`, read at one revision; returns it.
fn list(
    state: &State,
    controllers: &[Box<dyn Controller>],
    progress: Progress,
) -> Result<u64, StoreError> {
    let revision = state.store.revision()?;
    for controller in controllers {
        controller.reset(state);
    }
    let at = ListOptions {
        revision: ReadRevision::Exact(revision),
        ..ListOptions::default()
    };
    // The built-in kinds first: their CustomResourceDefinitions make the custom kinds listed
    // after them.
    let custom = || custom::one_per_resource().into_iter();
    for kind in kinds::stored().chain(std::iter::once(()).flat_map(|()| custom())) {
        let listing = state.store.list(&kind.scope(""), &at)?;
        for object in listing.items {
            let key = kind.key(
                crate::registry::objects::namespace(&object),
                crate::registry::objects::name(&object),
            );
            let event = WatchEvent {
                kind: EventType::Added,
                key,
                revision,
                object,
            };
            dispatch(state, controllers, &event);
        }
    }
    for controller in controllers {
        controller.synced(state);
    }
    if progress == Progress::Published {
        state.synced.publish(revision);
    }
    Ok(revision)
}

/// Hands each event after `since` to the controllers until the watch ends or the driver stops.
async fn follow(
    state: &State,
    controllers: &[Box<dyn Controller>],
    progress: Progress,
    since: u64,
    stopped: &mut watch::Receiver<bool>,
) {
    let mut events = match state.store.watch_all(since) {
        Ok(events) => events,
        Err(error) => {
            tracing::warn!(%error, "controllers: watching the store failed; listing again");
            return;
        }
    };
    let mut ticks = tokio::time::interval(super::controller::TICK);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {
                for controller in controllers {
                    controller.tick(state);
                }
            }
            event = events.next() => {
                let Some(event) = event else {
                    tracing::warn!("controllers: the watch ended; listing again");
                    return;
                };
                dispatch(state, controllers, &event);
                if progress == Progress::Published {
                    state.synced.publish(event.revision);
                }
            }
            _ = stopped.changed() => return,
        }
    }
}

fn dispatch(state: &State, controllers: &[Box<dyn Controller>], event: &WatchEvent) {
    for controller in controllers {
        if controller.watches(&event.key) {
            tracing::trace!(
                controller = controller.name(),
                revision = event.revision,
                "handling an event"
            );
            controller.handle(state, event);
        }
    }
}
