use super::*;

fn execution(id: &str, priority: i64, flow: Option<&str>) -> Execution {
    Execution {
        id: id.into(),
        authenticator: flow.is_none().then(|| "auth-cookie".to_string()),
        flow_id: flow.map(str::to_string),
        requirement: "REQUIRED".into(),
        priority,
        authenticator_config: None,
    }
}

fn flow(id: &str, executions: Vec<Execution>) -> AuthFlow {
    AuthFlow {
        id: id.into(),
        alias: id.into(),
        description: None,
        provider_id: "basic-flow".into(),
        top_level: id == "top",
        built_in: false,
        executions,
    }
}

fn sample() -> Authentication {
    Authentication {
        flows: vec![
            flow(
                "top",
                vec![execution("a", 10, None), execution("b", 20, Some("sub"))],
            ),
            flow("sub", vec![execution("c", 10, None)]),
        ],
        configs: Vec::new(),
    }
}

#[test]
fn an_appended_execution_comes_after_the_last_one() {
    let mut a = sample();
    a.append("top", execution("d", 0, None)).unwrap();
    let top = a.flow("top").unwrap();
    assert_eq!(top.executions.last().unwrap().priority, 21);
    a.append("sub", execution("e", 0, None)).unwrap();
    assert_eq!(a.execution("e").unwrap().1.priority, 11);
    assert!(a.append("none", execution("f", 0, None)).is_none());
}

#[test]
fn removing_a_subflow_execution_removes_the_subflow() {
    let mut a = sample();
    a.remove_execution("b");
    assert!(a.flow("sub").is_none());
    assert!(a.execution("c").is_none());
    assert_eq!(a.flow("top").unwrap().executions.len(), 1);
}

#[test]
fn moving_swaps_priorities_with_the_neighbour_and_stops_at_the_ends() {
    let mut a = sample();
    a.move_execution("b", true);
    let top = a.flow("top").unwrap();
    assert_eq!(
        top.executions
            .iter()
            .map(|e| (e.id.as_str(), e.priority))
            .collect::<Vec<_>>(),
        [("b", 10), ("a", 20)]
    );
    a.move_execution("b", true);
    assert_eq!(a.flow("top").unwrap().executions[0].id, "b");
    a.move_execution("a", false);
    assert_eq!(a.flow("top").unwrap().executions[1].id, "a");
}
