//! Stopping a server on SIGINT or SIGTERM, and saying so. The handlers are installed before the
//! server says it is ready, and they replace an inherited "ignore" disposition: a shell starts
//! background jobs with SIGINT ignored, and `kill -INT` must still stop them.

use std::fmt;
use std::sync::Arc;

use kubeward_audit::backend::Backends;

use tokio::signal::unix::{Signal, SignalKind, signal};

/// The signal that asked the process to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM (`kill`, a container runtime stopping the container).
    Terminate,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stop::Interrupt => "SIGINT",
            Stop::Terminate => "SIGTERM",
        })
    }
}

/// The installed handlers of SIGINT and SIGTERM.
pub struct Signals {
    interrupt: Signal,
    terminate: Signal,
}

impl Signals {
    /// Installs the handlers (inside a tokio runtime).
    pub fn install() -> std::io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// Waits for SIGINT or SIGTERM.
    pub async fn wait(&mut self) -> Stop {
        tokio::select! {
            _ = self.interrupt.recv() => Stop::Interrupt,
            _ = self.terminate.recv() => Stop::Terminate,
        }
    }
}

/// Runs `serve` until it ends or a signal asks the process to stop; tells the user on stderr
/// what happens, as `name` (e.g. `kubeward up`). Stopping drops `serve`, which stops accepting;
/// [`stop_runtime`] then ends every task the servers spawned. Every write was committed to the
/// store before it was acknowledged, so the store has nothing left to flush; the audit log's
/// queue is flushed by [`flush_audit`].
pub async fn serve_until_stopped(
    name: &str,
    signals: &mut Signals,
    serve: impl std::future::Future<Output = ()>,
) -> Option<Stop> {
    tokio::select! {
        () = serve => None,
        stop = signals.wait() => {
            eprintln!("{name}: {stop} received, shutting down");
            Some(stop)
        }
    }
}

/// Delivers what the audit backends of a stopped server still hold (a batch being filled, the
/// queue) and stops them: every request answered before the signal has its events in the log.
/// Stopping drops the server's task, so its own hand-over at the end of serving never runs.
pub fn flush_audit(backends: Option<Arc<Backends>>) {
    if let Some(backends) = backends {
        backends.shutdown();
    }
}

/// How long the tasks of a stopping server may take to end.
const GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Ends the runtime of a stopped server, with every task and connection its servers spawned
/// (OIDC key refreshes, the identity provider, open connections), then says so as `name`.
pub fn stop_runtime(runtime: tokio::runtime::Runtime, name: &str) {
    runtime.shutdown_timeout(GRACE);
    eprintln!("{name}: stopped");
}
