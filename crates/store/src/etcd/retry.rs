//! Sending an etcd call again when the cluster could not take it: a member that is down (the
//! client balances calls over every member, dead ones included) or a cluster between two
//! leaders. Reads are sent again after any such failure; writes only when etcd cannot have
//! applied them (the connection was refused, or there was no leader to propose them), as etcd's
//! Go client does: a write that may have been applied is reported, not repeated.

use std::future::Future;
use std::time::Duration;

use etcd_client::{Client, Error};
use tokio::time::Instant;

/// gRPC's `UNAVAILABLE`.
const UNAVAILABLE: i32 = 14;
/// The wait between two attempts.
const RETRY_WAIT: Duration = Duration::from_millis(50);

/// What a call does, which says when it may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// It changes nothing.
    Read,
    /// It changes etcd.
    Write,
}

/// Whether a call that failed with `error` may be sent again.
pub fn retryable(error: &Error, kind: Kind) -> bool {
    match error {
        Error::GRpcStatus(status) => {
            let message = status.message();
            let not_applied = message.contains("tcp connect error")
                || message.contains("etcdserver: no leader")
                || message.contains("error trying to connect");
            not_applied || (kind == Kind::Read && i32::from(status.code()) == UNAVAILABLE)
        }
        Error::TransportError(_) => true,
        _ => false,
    }
}

/// Runs `call` until it succeeds, fails for good, or `deadline` is near.
pub async fn retrying<T, F>(
    client: &Client,
    kind: Kind,
    deadline: Instant,
    call: impl Fn(Client) -> F,
) -> Result<T, Error>
where
    F: Future<Output = Result<T, Error>>,
{
    loop {
        match call(client.clone()).await {
            Err(error) if retryable(&error, kind) && Instant::now() + RETRY_WAIT < deadline => {
                tracing::debug!(%error, "etcd: trying again");
                tokio::time::sleep(RETRY_WAIT).await;
            }
            outcome => return outcome,
        }
    }
}

#[cfg(test)]
mod tests;
