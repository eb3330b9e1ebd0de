//! The replica's candidacy: a thread that reads and writes the Lease every retry period (as
//! client-go's `LeaderElector.Run` does) and, while this replica holds it, runs the controllers
//! that act once per cluster on a driver of their own. That driver lists the whole store when it
//! starts, so whatever happened while no replica led (a CSR approved, a namespace deleted) is
//! done by the new leader. Leadership ends when the Lease names another replica, or when it
//! could not be renewed within the renew deadline; the leader's driver stops then. A leader that
//! is stopped (the server shutting down on SIGTERM) stops its controllers, then gives the Lease
//! up, as client-go does with `ReleaseOnCancel`: another replica takes over at its next attempt,
//! not a lease duration later. A leader that dies leaves the Lease to expire.

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use kubeward_store::StoreError;
use serde_json::Value;

use super::controller::Controller;
use super::driver::{self, Driver, Progress};
use super::election::{Elector, LEASE_NAME, LEASE_NAMESPACE, Step};
use super::writer::{CONTROLLER_MANAGER, record};
use crate::config::{JITTER_FACTOR, LeaderElection};
use crate::registry::{kinds, objects};
use crate::state::State;

/// The candidacy; dropping it stops the thread and, if this replica leads, its controllers, then
/// gives the Lease up.
pub struct Candidacy {
    stop: mpsc::Sender<()>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Candidacy {
    fn drop(&mut self) {
        let _ = self.stop.send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// kube-controller-manager's identity: the host name, `_`, a fresh uuid.
pub fn identity() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "kubeward".to_string());
    format!("{host}_{}", uuid::Uuid::new_v4())
}

/// Starts campaigning as `identity`; `controllers` makes a fresh set of the controllers the
/// leader runs each time this replica becomes the leader.
pub fn start(
    state: Arc<State>,
    timing: LeaderElection,
    identity: String,
    controllers: fn() -> Vec<Box<dyn Controller>>,
) -> std::io::Result<Candidacy> {
    let (stop, stopped) = mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("leader-election".to_string())
        .spawn(move || campaign(&state, timing, identity, controllers, &stopped))?;
    Ok(Candidacy {
        stop,
        thread: Some(thread),
    })
}

fn campaign(
    state: &Arc<State>,
    timing: LeaderElection,
    identity: String,
    controllers: fn() -> Vec<Box<dyn Controller>>,
    stopped: &mpsc::Receiver<()>,
) {
    tracing::info!(
        lease = format!("{LEASE_NAMESPACE}/{LEASE_NAME}"),
        %identity,
        "leader election: campaigning"
    );
    let mut elector = Elector::new(identity, timing);
    let mut leading: Option<Driver> = None;
    let mut renewed = Instant::now();
    loop {
        let outcome = try_acquire_or_renew(state, &mut elector);
        let now = Instant::now();
        match outcome {
            Attempt::Holding => {
                renewed = now;
                if leading.is_none() {
                    tracing::info!(
                        identity = elector.identity(),
                        "leader election: acquired the lease; starting the controllers"
                    );
                    match driver::start(state.clone(), controllers(), Progress::Private) {
                        Ok(started) => leading = Some(started),
                        Err(error) => {
                            tracing::error!(%error, "leader election: controllers not started")
                        }
                    }
                }
            }
            Attempt::HeldByAnother => {
                if leading.take().is_some() {
                    tracing::warn!(
                        holder = elector.holder(),
                        "leader election: the lease is held by another; controllers stopped"
                    );
                }
            }
            Attempt::Failed(error) => {
                tracing::warn!(%error, "leader election: the lease could not be renewed");
                if leading.is_some() && now.duration_since(renewed) >= timing.renew_deadline {
                    tracing::warn!(
                        "leader election: not renewed within the renew deadline; controllers stopped"
                    );
                    leading = None;
                }
            }
        }
        match stopped.recv_timeout(jittered(timing.retry_period)) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                // The controllers stop before another replica may start its own.
                drop(leading.take());
                release(state, &elector);
                return;
            }
        }
    }
}

/// The retry period, stretched by a random part of up to `JITTER_FACTOR - 1` of itself
/// (client-go's `wait.Jitter`) so that candidates do not try in step.
fn jittered(period: Duration) -> Duration {
    let random = f64::from(uuid::Uuid::new_v4().as_u128() as u16) / f64::from(u16::MAX);
    period.mul_f64(1.0 + (JITTER_FACTOR - 1.0) * random)
}

/// Gives the Lease up if it still names this replica (a compare-and-swap over what was read).
fn release(state: &State, elector: &Elector) {
    let key = kinds::coordination::leases().key(LEASE_NAMESPACE, LEASE_NAME);
    let Ok(Some(current)) = state.store.get(&key) else {
        return;
    };
    let Some(released) = elector.release(&current, crate::clock::now()) else {
        return;
    };
    match state.store.update(&key, released) {
        Ok(_) => tracing::info!(
            identity = elector.identity(),
            "leader election: released the lease"
        ),
        Err(error) => tracing::warn!(%error, "leader election: the lease could not be released"),
    }
}

/// What one attempt found.
enum Attempt {
    /// This replica holds the Lease (created, taken or renewed just now).
    Holding,
    /// Another replica holds a valid Lease.
    HeldByAnother,
    /// Nothing was decided: the store failed, or another candidate wrote first (the next
    /// attempt reads what it wrote).
    Failed(StoreError),
}

/// One attempt: reads the Lease, then creates, takes or renews it with a compare-and-swap.
fn try_acquire_or_renew(state: &State, elector: &mut Elector) -> Attempt {
    let leases = kinds::coordination::leases();
    let key = leases.key(LEASE_NAMESPACE, LEASE_NAME);
    let current = match state.store.get(&key) {
        Ok(current) => current,
        Err(error) => return Attempt::Failed(error),
    };
    let step = elector.decide(current.as_ref(), Instant::now(), crate::clock::now());
    let written: Result<Value, StoreError> = match step {
        Step::Wait => return Attempt::HeldByAnother,
        Step::Create(mut lease) => {
            objects::prepare_create(&mut lease, Some(LEASE_NAMESPACE), crate::clock::now());
            record(leases, CONTROLLER_MANAGER, "", None, &mut lease);
            state.store.create(&key, lease)
        }
        Step::Update(mut lease) => {
            record(leases, CONTROLLER_MANAGER, "", current.as_ref(), &mut lease);
            state.store.update(&key, lease)
        }
    };
    match written {
        Ok(stored) => {
            elector.written(&stored, Instant::now());
            Attempt::Holding
        }
        Err(error) => Attempt::Failed(error),
    }
}

#[cfg(test)]
mod tests;
