//! The store's own runtime: the etcd client, the cache's watch and the compactor run on it,
//! and the synchronous [`Store`](crate::Store) methods wait for it from any thread, an async
//! worker of another runtime included. A call hands its future to this runtime and blocks on a
//! plain channel, never on a runtime's `block_on` (which panics inside an async context).

use std::future::Future;
use std::time::Duration;

use tokio::runtime::{Handle, Runtime};

use crate::model::StoreError;

/// The runtime owned by one store; shut down (without waiting) when the store is dropped.
pub struct Bridge {
    runtime: Option<Runtime>,
    handle: Handle,
}

impl Bridge {
    /// A runtime of two worker threads named `kubeward-etcd`.
    pub fn new() -> Result<Self, StoreError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kubeward-etcd")
            .enable_all()
            .build()
            .map_err(|error| {
                StoreError::Backend(format!("cannot start the etcd runtime: {error}"))
            })?;
        let handle = runtime.handle().clone();
        Ok(Self {
            runtime: Some(runtime),
            handle,
        })
    }

    /// Where the store's tasks run.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Runs `future` on the store's runtime and waits for its output, at most `timeout`. Callable
    /// from any thread but the store's own workers.
    pub fn run<T, F>(&self, timeout: Duration, future: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, StoreError>> + Send + 'static,
    {
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let outcome = match tokio::time::timeout(timeout, future).await {
                Ok(outcome) => outcome,
                Err(_) => Err(StoreError::Backend(format!(
                    "etcd: no answer within {} s",
                    timeout.as_secs_f64()
                ))),
            };
            // The caller may have given up already (it never does before the timeout).
            let _ = sender.send(outcome);
        });
        receiver.recv().unwrap_or_else(|_| {
            Err(StoreError::Backend(
                "etcd: the client's runtime has stopped".to_string(),
            ))
        })
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        // `Runtime`'s own drop blocks, which panics when the last reference to the store goes
        // away inside another runtime's task.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests;
