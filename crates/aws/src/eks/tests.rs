//! EKS's DescribeCluster and ListClusters: the fields `aws eks update-kubeconfig` reads, EKS's
//! errors, and who may call.

use std::time::{Duration, UNIX_EPOCH};

use super::*;
use crate::state::User;

const ACCOUNT: &str = "390844768149";
const CA: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

fn clusters() -> Clusters {
    let clusters = Clusters::default();
    clusters.put(Cluster {
        name: "myeks".into(),
        endpoint: "https://127.0.0.1:6443".into(),
        ca_pem: CA.into(),
        version: "1.33".into(),
        created_at: UNIX_EPOCH + Duration::from_millis(1_796_385_600_250),
    });
    clusters
}

fn user(policies: &[&str]) -> Caller {
    Caller::User(User {
        user_name: "testuser".into(),
        user_id: "AIDAEXAMPLE".into(),
        arn: format!("arn:aws:iam::{ACCOUNT}:user/testuser"),
        path: "/".into(),
        create_date: "2026-12-05T00:00:00Z".into(),
        attached_policies: policies.iter().map(|p| p.to_string()).collect(),
    })
}

fn call(method: &str, path: &str, caller: &Caller) -> Result<Value, AwsError> {
    run(&clusters(), method, path, caller, ACCOUNT, "ap-northeast-2")
}

#[test]
fn describe_cluster_answers_what_update_kubeconfig_reads() {
    let answer = call("GET", "/clusters/myeks", &Caller::Root).unwrap();
    let cluster = &answer["cluster"];
    assert_eq!(cluster["name"], "myeks");
    assert_eq!(
        cluster["arn"],
        "arn:aws:eks:ap-northeast-2:390844768149:cluster/myeks"
    );
    assert_eq!(cluster["endpoint"], "https://127.0.0.1:6443");
    assert_eq!(cluster["status"], "ACTIVE");
    assert_eq!(cluster["version"], "1.33");
    assert_eq!(cluster["createdAt"], 1_796_385_600.25);
    let data = cluster["certificateAuthority"]["data"].as_str().unwrap();
    let pem = base64::engine::general_purpose::STANDARD
        .decode(data)
        .unwrap();
    assert_eq!(pem, CA.as_bytes());
    // No outpostConfig: the AWS CLI writes `--cluster-name`, not `--cluster-id`.
    assert!(cluster.get("outpostConfig").is_none());
}

#[test]
fn list_clusters() {
    assert_eq!(
        call("GET", "/clusters", &Caller::Root).unwrap(),
        json!({"clusters": ["myeks"]})
    );
}

#[test]
fn eks_errors() {
    let missing = call("GET", "/clusters/other", &Caller::Root).unwrap_err();
    assert_eq!(
        (missing.status, missing.code, missing.message.as_str()),
        (
            404,
            "ResourceNotFoundException",
            "No cluster found for name: other."
        )
    );
    assert_eq!(
        error_body(&missing),
        r#"{"message":"No cluster found for name: other."}"#
    );
    let unknown = call("DELETE", "/clusters/myeks", &Caller::Root).unwrap_err();
    assert_eq!(unknown.code, "UnknownOperationException");
}

#[test]
fn the_root_and_administrators_may_describe() {
    assert!(
        call(
            "GET",
            "/clusters/myeks",
            &user(&["arn:aws:iam::aws:policy/AdministratorAccess"])
        )
        .is_ok()
    );
    let denied = call(
        "GET",
        "/clusters/myeks",
        &user(&["arn:aws:iam::aws:policy/IAMFullAccess"]),
    )
    .unwrap_err();
    assert_eq!(
        (denied.status, denied.code, denied.message.as_str()),
        (
            403,
            "AccessDeniedException",
            "User: arn:aws:iam::390844768149:user/testuser is not authorized to perform: eks:DescribeCluster on resource: arn:aws:eks:ap-northeast-2:390844768149:cluster/myeks"
        )
    );
}
