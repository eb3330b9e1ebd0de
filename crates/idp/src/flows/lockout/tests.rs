use super::*;

const P: Policy = Policy {
    enabled: true,
    failure_factor: 3,
    wait_increment: 60,
    max_wait: 150,
    max_delta: 1000,
};

#[test]
fn lockouts_grow_with_failures_up_to_the_maximum() {
    let mut f = Failures::default();
    f.fail(&P, 10);
    f.fail(&P, 11);
    assert!(!f.locked(&P, 11));
    f.fail(&P, 12);
    assert!(f.locked(&P, 12));
    assert!(f.locked(&P, 71));
    assert!(!f.locked(&P, 72));
    for t in 80..83 {
        f.fail(&P, t);
    }
    assert_eq!(f.locked_until, 82 + 120);
    for t in 300..303 {
        f.fail(&P, t);
    }
    assert_eq!(f.locked_until, 302 + 150, "capped at max_wait");
}

#[test]
fn success_and_time_forget_failures() {
    let mut f = Failures::default();
    f.fail(&P, 10);
    f.fail(&P, 11);
    f.succeed();
    f.fail(&P, 12);
    assert_eq!(f.count, 1);
    f.fail(&P, 5000);
    assert_eq!(f.count, 1, "forgotten after max_delta");
    let off = Policy {
        enabled: false,
        ..P
    };
    let mut g = Failures::default();
    for t in 0..10 {
        g.fail(&off, t);
    }
    assert!(!g.locked(&off, 10));
}
