use std::time::{Duration, Instant};

use serde_json::{Value, json};
use time::macros::datetime;

use super::*;

const WALL: OffsetDateTime = datetime!(2026-12-05 10:00:00.123456 UTC);

fn timing() -> Timing {
    Timing::default()
}

/// The Lease as stored after `step`, at resourceVersion `revision`.
fn stored(step: Step, revision: u64) -> Value {
    let mut lease = match step {
        Step::Create(lease) | Step::Update(lease) => lease,
        Step::Wait => panic!("nothing to store"),
    };
    lease["metadata"]["resourceVersion"] = json!(revision.to_string());
    lease
}

#[test]
fn the_first_candidate_creates_the_lease_as_kube_controller_manager_does() {
    let mut a = Elector::new("host_a".into(), timing());
    let step = a.decide(None, Instant::now(), WALL);
    let Step::Create(lease) = &step else {
        panic!("{step:?}")
    };
    assert_eq!(
        *lease,
        json!({
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": "kube-controller-manager", "namespace": "kube-system"},
            "spec": {
                "holderIdentity": "host_a",
                "leaseDurationSeconds": 15,
                "acquireTime": "2026-12-05T10:00:00.123456Z",
                "renewTime": "2026-12-05T10:00:00.123456Z",
                "leaseTransitions": 0,
            },
        })
    );
    assert!(!a.is_leader(), "not before the write succeeded");
    a.written(lease, Instant::now());
    assert!(a.is_leader());
    assert_eq!(a.holder(), "host_a");
}

#[test]
fn the_holder_renews_and_keeps_its_acquire_time() {
    let start = Instant::now();
    let mut a = Elector::new("host_a".into(), timing());
    let lease = stored(a.decide(None, start, WALL), 5);
    a.written(&lease, start);
    let later = WALL + time::Duration::seconds(2);
    let step = a.decide(Some(&lease), start + Duration::from_secs(2), later);
    let renewed = stored(step, 6);
    assert_eq!(
        renewed["spec"]["acquireTime"],
        "2026-12-05T10:00:00.123456Z"
    );
    assert_eq!(renewed["spec"]["renewTime"], "2026-12-05T10:00:02.123456Z");
    assert_eq!(renewed["spec"]["leaseTransitions"], 0);
}

#[test]
fn a_valid_lease_of_another_is_waited_out_on_the_candidates_own_clock() {
    let start = Instant::now();
    let mut a = Elector::new("host_a".into(), timing());
    let lease = stored(a.decide(None, start, WALL), 5);
    a.written(&lease, start);

    // b first sees the Lease late; its wall time says nothing (the clocks may disagree).
    let mut b = Elector::new("host_b".into(), timing());
    let seen = start + Duration::from_secs(10);
    let far_future = WALL + time::Duration::hours(5);
    assert_eq!(b.decide(Some(&lease), seen, far_future), Step::Wait);
    assert_eq!(b.holder(), "host_a");
    // 15 s after b saw it unchanged, not after it was written.
    assert_eq!(
        b.decide(Some(&lease), seen + Duration::from_secs(14), WALL),
        Step::Wait
    );
    let step = b.decide(Some(&lease), seen + Duration::from_secs(15), WALL);
    let taken = stored(step, 6);
    assert_eq!(taken["spec"]["holderIdentity"], "host_b");
    assert_eq!(taken["spec"]["leaseTransitions"], 1);
    assert_eq!(taken["metadata"]["resourceVersion"], "6");
    assert!(!b.is_leader());
    b.written(&taken, seen + Duration::from_secs(15));
    assert!(b.is_leader());
    assert_eq!(b.holder(), "host_b");
}

#[test]
fn a_renewal_seen_by_a_candidate_starts_its_wait_again() {
    let start = Instant::now();
    let mut a = Elector::new("host_a".into(), timing());
    let first = stored(a.decide(None, start, WALL), 5);
    a.written(&first, start);
    let mut b = Elector::new("host_b".into(), timing());
    assert_eq!(b.decide(Some(&first), start, WALL), Step::Wait);
    let later = WALL + time::Duration::seconds(10);
    let renewed = stored(
        a.decide(Some(&first), start + Duration::from_secs(10), later),
        6,
    );
    assert_eq!(
        b.decide(Some(&renewed), start + Duration::from_secs(10), WALL),
        Step::Wait
    );
    assert_eq!(
        b.decide(Some(&renewed), start + Duration::from_secs(24), WALL),
        Step::Wait,
        "15 s from when b saw the renewal"
    );
    assert!(matches!(
        b.decide(Some(&renewed), start + Duration::from_secs(25), WALL),
        Step::Update(_)
    ));
}

#[test]
fn a_lease_without_holder_is_taken_at_once() {
    let mut b = Elector::new("host_b".into(), timing());
    let released = json!({
        "metadata": {"name": "kube-controller-manager", "namespace": "kube-system", "resourceVersion": "9"},
        "spec": {"leaseDurationSeconds": 15, "leaseTransitions": 3},
    });
    let taken = stored(b.decide(Some(&released), Instant::now(), WALL), 10);
    assert_eq!(taken["spec"]["holderIdentity"], "host_b");
    assert_eq!(taken["spec"]["leaseTransitions"], 4);
}

#[test]
fn a_holder_that_sees_another_name_is_no_longer_leader() {
    let start = Instant::now();
    let mut a = Elector::new("host_a".into(), timing());
    let lease = stored(a.decide(None, start, WALL), 5);
    a.written(&lease, start);
    let mut taken = lease.clone();
    taken["spec"]["holderIdentity"] = json!("host_b");
    assert_eq!(
        a.decide(Some(&taken), start + Duration::from_secs(1), WALL),
        Step::Wait
    );
    assert!(!a.is_leader());
}

#[test]
fn timings_are_checked_as_client_go_checks_them() {
    assert_eq!(Timing::default().check(), Ok(()));
    let with = |lease: u64, renew: u64, retry: u64| Timing {
        lease_duration: Duration::from_millis(lease),
        renew_deadline: Duration::from_millis(renew),
        retry_period: Duration::from_millis(retry),
    };
    assert_eq!(
        with(10_000, 10_000, 2_000).check().unwrap_err(),
        "leaseDuration must be greater than renewDeadline"
    );
    assert_eq!(
        with(15_000, 2_400, 2_000).check().unwrap_err(),
        "renewDeadline must be greater than retryPeriod*JitterFactor"
    );
    assert_eq!(
        with(15_000, 10_000, 0).check().unwrap_err(),
        "retryPeriod must be greater than zero"
    );
}

#[test]
fn micro_times_have_six_digits() {
    assert_eq!(
        micro_time(datetime!(2026-01-02 03:04:05 UTC)),
        "2026-01-02T03:04:05.000000Z"
    );
    assert_eq!(
        micro_time(datetime!(2026-01-02 05:04:05.0000071 +02:00)),
        "2026-01-02T03:04:05.000007Z"
    );
}

#[test]
fn a_stopping_leader_releases_the_lease_and_the_next_candidate_takes_it_at_once() {
    let start = Instant::now();
    let mut a = Elector::new("host_a".into(), timing());
    let lease = stored(a.decide(None, start, WALL), 5);
    a.written(&lease, start);
    let released = a
        .release(&lease, WALL + time::Duration::seconds(3))
        .expect("the holder releases");
    assert_eq!(
        released["spec"],
        json!({
            "holderIdentity": "",
            "leaseDurationSeconds": 1,
            "acquireTime": "2026-12-05T10:00:03.123456Z",
            "renewTime": "2026-12-05T10:00:03.123456Z",
            "leaseTransitions": 0,
        })
    );
    assert_eq!(
        released["metadata"]["resourceVersion"], "5",
        "a compare-and-swap"
    );
    let mut released = released;
    released["metadata"]["resourceVersion"] = json!("6");
    // B saw A's Lease a moment ago: without the release it would wait 15 s.
    let mut b = Elector::new("host_b".into(), timing());
    assert_eq!(b.decide(Some(&lease), start, WALL), Step::Wait);
    let step = b.decide(Some(&released), start + Duration::from_secs(3), WALL);
    let Step::Update(taken) = step else {
        panic!("{step:?}")
    };
    assert_eq!(taken["spec"]["holderIdentity"], "host_b");
    assert_eq!(taken["spec"]["leaseTransitions"], 1);
    // Nothing to give up for a candidate that does not hold it.
    assert_eq!(b.release(&lease, WALL), None);
}
