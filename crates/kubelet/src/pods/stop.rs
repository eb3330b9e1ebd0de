//! A pod's stop signal (`PodRuntime::stop`: `Some(grace seconds)` once the pod must stop), as
//! the pod's tasks wait for it.

use std::time::Duration;

use tokio::sync::watch;

/// Sleeps for `duration`; `true` when the pod was told to stop meanwhile.
pub async fn wait_or_stop(stop: &mut watch::Receiver<Option<i64>>, duration: Duration) -> bool {
    let _ = tokio::time::timeout(duration, stopped(stop)).await;
    stop.borrow().is_some()
}

/// Waits until the pod must stop; its grace period.
pub async fn stopped(stop: &mut watch::Receiver<Option<i64>>) -> i64 {
    let grace = stop
        .wait_for(Option::is_some)
        .await
        .map(|grace| grace.unwrap_or(0));
    match grace {
        Ok(grace) => grace,
        Err(_) => std::future::pending().await,
    }
}
