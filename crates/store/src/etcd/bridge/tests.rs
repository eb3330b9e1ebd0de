use std::time::Duration;

use super::*;

#[test]
fn runs_a_future_from_a_plain_thread() {
    let bridge = Bridge::new().unwrap();
    let answer = bridge.run(Duration::from_secs(5), async { Ok(41 + 1) });
    assert_eq!(answer, Ok(42));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_a_future_from_inside_another_runtimes_task_and_drops_there() {
    let bridge = Bridge::new().unwrap();
    let answer = bridge.run(Duration::from_secs(5), async {
        tokio::time::sleep(Duration::from_millis(10)).await;
        Ok("done")
    });
    assert_eq!(answer, Ok("done"));
    drop(bridge);
}

#[tokio::test(flavor = "current_thread")]
async fn runs_from_a_current_thread_runtime_too() {
    let bridge = Bridge::new().unwrap();
    assert_eq!(bridge.run(Duration::from_secs(5), async { Ok(1) }), Ok(1));
}

#[test]
fn a_future_that_does_not_finish_in_time_is_a_backend_error() {
    let bridge = Bridge::new().unwrap();
    let answer: Result<(), StoreError> = bridge.run(Duration::from_millis(20), async {
        std::future::pending::<()>().await;
        Ok(())
    });
    assert_eq!(
        answer,
        Err(StoreError::Backend(
            "etcd: no answer within 0.02 s".to_string()
        ))
    );
}
