use super::*;

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_700_000_000 + seconds).unwrap()
}

fn running(name: &str) -> ContainerRecord {
    ContainerRecord {
        state: State::Running { started_at: at(1) },
        container_id: Some("lab://1".into()),
        ..ContainerRecord::creating(name, "bitnami/kubectl:1.31.4")
    }
}

fn ended(name: &str, code: i32) -> ContainerRecord {
    ContainerRecord {
        state: State::Terminated(Terminated {
            exit_code: code,
            signal: None,
            reason: if code == 0 { "Completed" } else { "Error" }.into(),
            message: None,
            started_at: Some(at(1)),
            finished_at: at(2),
            container_id: "lab://1".into(),
        }),
        ..ContainerRecord::creating(name, "busybox")
    }
}

fn input<'a>(containers: &'a [ContainerRecord], previous: &'a [PodCondition]) -> StatusInput<'a> {
    StatusInput {
        restart_policy: "Always",
        containers,
        previous,
        start_time: at(0),
        host_ip: "127.0.0.1",
        terminal: false,
        now: at(5),
    }
}

#[test]
fn phases_follow_get_phase() {
    assert_eq!(
        phase("Always", &[ContainerRecord::creating("a", "x")], false),
        "Pending"
    );
    assert_eq!(
        phase("Always", &[running("a"), ended("b", 1)], false),
        "Running"
    );
    assert_eq!(phase("Always", &[ended("a", 0)], false), "Running");
    assert_eq!(phase("OnFailure", &[ended("a", 0)], false), "Succeeded");
    assert_eq!(phase("OnFailure", &[ended("a", 1)], false), "Running");
    assert_eq!(
        phase("Never", &[ended("a", 0), ended("b", 2)], false),
        "Failed"
    );
    assert_eq!(phase("Always", &[ended("a", 143)], true), "Failed");
    // A container waiting after a crash counts as stopped, not pending.
    let mut crashed = ContainerRecord::creating("a", "x");
    crashed.last_state = Some(match ended("a", 1).state {
        State::Terminated(t) => t,
        _ => unreachable!(),
    });
    crashed.state = State::Waiting {
        reason: "CrashLoopBackOff".into(),
        message: None,
    };
    assert_eq!(phase("Always", &[crashed], false), "Running");
}

#[test]
fn a_running_pod_is_ready_with_the_kubelets_conditions_in_order() {
    let containers = [running("kubectl-pod")];
    let status = pod_status(&input(&containers, &[]));
    assert_eq!(status.phase.as_deref(), Some("Running"));
    let conditions = status.conditions.unwrap();
    let summary: Vec<(&str, &str)> = conditions
        .iter()
        .map(|c| (c.type_.as_str(), c.status.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("PodReadyToStartContainers", "True"),
            ("Initialized", "True"),
            ("Ready", "True"),
            ("ContainersReady", "True"),
            ("PodScheduled", "True"),
        ]
    );
    let container = &status.container_statuses.unwrap()[0];
    assert!(container.ready);
    assert_eq!(container.started, Some(true));
    assert_eq!(container.restart_count, 0);
    assert!(container.state.as_ref().unwrap().running.is_some());
    assert_eq!(status.pod_ip.as_deref(), Some("127.0.0.1"));
}

#[test]
fn unready_containers_are_named_in_the_ready_conditions() {
    let containers = [running("a"), ContainerRecord::creating("b", "x")];
    let status = pod_status(&input(&containers, &[]));
    let ready = &status.conditions.unwrap()[2];
    assert_eq!(ready.status, "False");
    assert_eq!(ready.reason.as_deref(), Some("ContainersNotReady"));
    assert_eq!(
        ready.message.as_deref(),
        Some("containers with unready status: [b]")
    );
}

#[test]
fn transition_times_stay_while_a_condition_holds() {
    let containers = [running("a")];
    let first = pod_status(&input(&containers, &[])).conditions.unwrap();
    let mut later = input(&containers, &first);
    later.now = at(100);
    let second = pod_status(&later).conditions.unwrap();
    assert_eq!(first, second);
    // The scheduler's PodScheduled condition is kept as it is.
    let scheduled = PodCondition {
        type_: "PodScheduled".into(),
        status: "True".into(),
        last_transition_time: Some(Time(at(-30))),
        ..PodCondition::default()
    };
    let kept = pod_status(&input(&containers, std::slice::from_ref(&scheduled)));
    assert_eq!(kept.conditions.unwrap()[4], scheduled);
}

#[test]
fn back_off_doubles_to_five_minutes_in_the_kubelets_words() {
    let delays: Vec<u64> = (0..8).map(back_off_seconds).collect();
    assert_eq!(delays, [10, 20, 40, 80, 160, 300, 300, 300]);
    assert_eq!(
        back_off_message(20, "app", "web", "default", "u-1"),
        "back-off 20s restarting failed container=app pod=web_default(u-1)"
    );
    assert_eq!(
        back_off_message(300, "app", "web", "default", "u-1"),
        "back-off 5m0s restarting failed container=app pod=web_default(u-1)"
    );
    assert_eq!(
        back_off_message(80, "a", "p", "n", "u"),
        "back-off 1m20s restarting failed container=a pod=p_n(u)"
    );
    assert!(restarts("Always", 0));
    assert!(!restarts("OnFailure", 0));
    assert!(restarts("OnFailure", 2));
    assert!(!restarts("Never", 2));
}
