use super::*;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_future_that_completes_in_time_gives_its_output() {
    assert_eq!(within(Duration::from_secs(60), async { 7 }).await, Ok(7));
    let later = async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        "answered"
    };
    assert_eq!(within(Duration::from_secs(60), later).await, Ok("answered"));
}

#[tokio::test]
async fn a_future_that_never_completes_elapses_not_before_its_timeout() {
    let began = Instant::now();
    let answer = within(Duration::from_millis(250), std::future::pending::<()>()).await;
    assert_eq!(answer, Err(Elapsed));
    assert!(began.elapsed() >= Duration::from_millis(250));
}

#[tokio::test]
async fn the_sweeper_sleeps_when_idle_and_wakes_for_the_next_request() {
    assert_eq!(within(Duration::from_secs(60), async { 1 }).await, Ok(1));
    // Nothing in flight for several ticks: the sweeper has parked.
    tokio::time::sleep(TICK * 4).await;
    assert!(REGISTRY.with(|r| matches!(r.state().sweeper, Sweeper::Parked(_))));
    let answer = within(Duration::from_millis(150), std::future::pending::<()>()).await;
    assert_eq!(answer, Err(Elapsed));
}

#[test]
fn a_new_runtime_on_the_same_thread_gets_a_sweeper_of_its_own() {
    for _ in 0..2 {
        let answer = runtime().block_on(within(
            Duration::from_millis(150),
            std::future::pending::<()>(),
        ));
        assert_eq!(answer, Err(Elapsed));
    }
}

#[tokio::test]
async fn many_requests_at_once_each_get_their_own_answer() {
    let mut set = tokio::task::JoinSet::new();
    for i in 0..50u64 {
        set.spawn(async move {
            let work = async move {
                if i % 2 == 0 {
                    tokio::time::sleep(Duration::from_millis(i)).await;
                    Some(i)
                } else {
                    std::future::pending().await
                }
            };
            (i, within(Duration::from_millis(200), work).await)
        });
    }
    while let Some(done) = set.join_next().await {
        let (i, answer) = done.unwrap();
        if i % 2 == 0 {
            assert_eq!(answer, Ok(Some(i)));
        } else {
            assert_eq!(answer, Err(Elapsed));
        }
    }
    // Every entry was removed again.
    REGISTRY.with(|r| assert_eq!(r.state().live, 0));
}
