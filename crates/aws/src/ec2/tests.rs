//! The EC2 actions on a real store: instances with their private DNS names, described by id and
//! by filter, terminated, EC2's errors, and who may call.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use kubeward_store::RedbStore;

use super::*;
use crate::state::User;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_796_385_600)
}

fn state() -> State {
    let store = Arc::new(RedbStore::in_memory().unwrap());
    State::open(store, now()).unwrap().0
}

fn call(state: &State, action: &str, pairs: &[(&str, &str)]) -> Result<Vec<Node>, AwsError> {
    let params: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    run(
        state,
        action,
        &Params(&params),
        &Caller::Root,
        "ap-northeast-2",
        now(),
    )
    .map(Option::unwrap_or_default)
}

fn child<'a>(nodes: &'a [Node], name: &str) -> &'a [Node] {
    nodes
        .iter()
        .find_map(|n| match n {
            Node::Element(tag, children) if tag == name => Some(children.as_slice()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {name} in {nodes:?}"))
}

fn text<'a>(nodes: &'a [Node], name: &str) -> &'a str {
    nodes
        .iter()
        .find_map(|n| match n {
            Node::Text(tag, value) if tag == name => Some(value.as_str()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {name} in {nodes:?}"))
}

fn items(nodes: &[Node]) -> Vec<&[Node]> {
    nodes
        .iter()
        .filter_map(|n| match n {
            Node::Element(tag, children) if tag == "item" => Some(children.as_slice()),
            _ => None,
        })
        .collect()
}

#[test]
fn private_dns_names_as_ec2_gives_them() {
    assert_eq!(
        private_dns_name("10.0.1.17", "ap-northeast-2"),
        "ip-10-0-1-17.ap-northeast-2.compute.internal"
    );
    assert_eq!(
        private_dns_name("10.0.1.17", "us-east-1"),
        "ip-10-0-1-17.ec2.internal"
    );
}

#[test]
fn run_describe_terminate() {
    let state = state();
    let ran = call(
        &state,
        "RunInstances",
        &[
            ("ImageId", "ami-0c9c942bd7bf113a2"),
            ("MinCount", "2"),
            ("MaxCount", "2"),
            ("InstanceType", "t3.medium"),
            ("IamInstanceProfile.Name", "eks-node"),
        ],
    )
    .unwrap();
    assert!(text(&ran, "reservationId").starts_with("r-"));
    assert_eq!(text(&ran, "ownerId"), state.account_id());
    let started = items(child(&ran, "instancesSet"));
    assert_eq!(started.len(), 2);
    let first = started[0];
    let id = text(first, "instanceId").to_string();
    assert_eq!(id.len(), 19);
    assert_eq!(text(child(first, "instanceState"), "name"), "pending");
    let ip = text(first, "privateIpAddress");
    assert!(ip.starts_with("10.0."));
    assert_eq!(
        text(first, "privateDnsName"),
        private_dns_name(ip, "ap-northeast-2")
    );
    assert_eq!(
        text(child(first, "iamInstanceProfile"), "arn"),
        format!(
            "arn:aws:iam::{}:instance-profile/eks-node",
            state.account_id()
        )
    );
    assert_ne!(ip, text(started[1], "privateIpAddress"));

    let described = call(&state, "DescribeInstances", &[("InstanceId.1", &id)]).unwrap();
    let reservations = items(child(&described, "reservationSet"));
    assert_eq!(reservations.len(), 1);
    let instances = items(child(reservations[0], "instancesSet"));
    assert_eq!(instances.len(), 1);
    assert_eq!(text(child(instances[0], "instanceState"), "code"), "16");
    assert_eq!(
        text(child(instances[0], "placement"), "availabilityZone"),
        "ap-northeast-2a"
    );
    let all = call(&state, "DescribeInstances", &[]).unwrap();
    assert_eq!(
        items(child(
            items(child(&all, "reservationSet"))[0],
            "instancesSet"
        ))
        .len(),
        2
    );

    let terminated = call(&state, "TerminateInstances", &[("InstanceId.1", &id)]).unwrap();
    let change = items(child(&terminated, "instancesSet"))[0];
    assert_eq!(text(child(change, "currentState"), "name"), "shutting-down");
    assert_eq!(text(child(change, "previousState"), "name"), "running");
    let running = call(
        &state,
        "DescribeInstances",
        &[
            ("Filter.1.Name", "instance-state-name"),
            ("Filter.1.Value.1", "running"),
        ],
    )
    .unwrap();
    let left = items(child(
        items(child(&running, "reservationSet"))[0],
        "instancesSet",
    ));
    assert_eq!(left.len(), 1);
    assert_ne!(text(left[0], "instanceId"), id);
    let gone = call(&state, "DescribeInstances", &[("InstanceId.1", &id)]).unwrap();
    let gone = items(child(
        items(child(&gone, "reservationSet"))[0],
        "instancesSet",
    ))[0];
    assert_eq!(text(child(gone, "instanceState"), "name"), "terminated");
    assert_eq!(text(gone, "privateDnsName"), "");
}

#[test]
fn ec2_s_errors() {
    let state = state();
    let err = |action: &str, pairs: &[(&str, &str)]| {
        let e = call(&state, action, pairs).unwrap_err();
        (e.status, e.code, e.message)
    };
    assert_eq!(
        err(
            "DescribeInstances",
            &[("InstanceId.1", "i-0123456789abcdef0")]
        ),
        (
            400,
            "InvalidInstanceID.NotFound",
            "The instance ID 'i-0123456789abcdef0' does not exist".into()
        )
    );
    assert_eq!(
        err(
            "DescribeInstances",
            &[
                ("InstanceId.1", "i-0123456789abcdef0"),
                ("InstanceId.2", "i-12345678")
            ]
        ),
        (
            400,
            "InvalidInstanceID.NotFound",
            "The instance IDs 'i-0123456789abcdef0, i-12345678' do not exist".into()
        )
    );
    assert_eq!(
        err("TerminateInstances", &[("InstanceId.1", "node-1")]),
        (
            400,
            "InvalidInstanceID.Malformed",
            "Invalid id: \"node-1\"".into()
        )
    );
    assert_eq!(
        err("RunInstances", &[("MinCount", "1"), ("MaxCount", "1")]),
        (
            400,
            "MissingParameter",
            "The request must contain the parameter ImageId".into()
        )
    );
    assert_eq!(
        err(
            "DescribeInstances",
            &[("Filter.1.Name", "vpc-id"), ("Filter.1.Value.1", "x")]
        )
        .1,
        "InvalidParameterValue"
    );
    assert_eq!(err("StopInstances", &[]).1, "InvalidAction");
    let user = Caller::User(User {
        user_name: "dev".into(),
        user_id: "AIDAEXAMPLE".into(),
        arn: format!("arn:aws:iam::{}:user/dev", state.account_id()),
        path: "/".into(),
        create_date: String::new(),
        attached_policies: vec![],
    });
    let refused = run(
        &state,
        "DescribeInstances",
        &Params(&HashMap::new()),
        &user,
        "ap-northeast-2",
        now(),
    )
    .unwrap_err();
    assert_eq!(
        (refused.status, refused.code),
        (403, "UnauthorizedOperation")
    );
}
