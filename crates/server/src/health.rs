//! What the health checks read (`/livez`, `/readyz`, `/healthz`): whether the bootstrap objects
//! were reconciled, whether the controllers have handled the store once (the RBAC index loaded),
//! whether the server is shutting down. The store's own check asks the store.

use std::sync::atomic::{AtomicBool, Ordering};

/// The server's progress, as the checks see it.
#[derive(Debug, Default)]
pub struct Health {
    bootstrapped: AtomicBool,
    synced: AtomicBool,
    shutting_down: AtomicBool,
}

impl Health {
    /// The bootstrap policy and namespaces are in the store.
    pub fn set_bootstrapped(&self) {
        self.bootstrapped.store(true, Ordering::Release);
    }

    /// The controllers have handled the whole store once: the RBAC index is loaded.
    pub fn set_synced(&self) {
        self.synced.store(true, Ordering::Release);
    }

    /// The server stopped taking connections.
    pub fn set_shutting_down(&self) {
        self.shutting_down.store(true, Ordering::Release);
    }

    /// Whether the bootstrap objects are in place.
    pub fn bootstrapped(&self) -> bool {
        self.bootstrapped.load(Ordering::Acquire)
    }

    /// Whether the RBAC index has been loaded.
    pub fn synced(&self) -> bool {
        self.synced.load(Ordering::Acquire)
    }

    /// Whether the server is shutting down.
    pub fn shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }
}
