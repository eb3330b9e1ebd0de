//! eksctl's outputs, compared with the seed.

use super::*;

#[test]
fn the_seed_log_line() {
    let at = time::macros::datetime!(2025-03-16 06:09:54 UTC);
    assert_eq!(
        log_line(
            Level::Info,
            "removing identity \"arn:aws:iam::390844768149:user/testuser\" from auth ConfigMap (username = \"testuser\", groups = [\"system:authenticated\"])",
            at
        ),
        "2025-03-16 06:09:54 [ℹ]  removing identity \"arn:aws:iam::390844768149:user/testuser\" from auth ConfigMap (username = \"testuser\", groups = [\"system:authenticated\"])"
    );
}

#[test]
fn the_seed_table() {
    // The seed's header has 11 tabs after ARN: its widest ARN (elided as "...") was a node
    // role's, 81 to 88 characters long.
    let node_role =
        "arn:aws:iam::390844768149:role/eksctl-myeks-nodegroup-ng1-NodeInstanceRole-AbCdEf12";
    let rows = vec![
        vec![
            "arn:aws:iam::390844768149:user/testuser".to_string(),
            "testuser".into(),
            "system:masters".into(),
            String::new(),
        ],
        vec![
            node_role.to_string(),
            "system:node:{{EC2PrivateDNSName}}".into(),
            "system:bootstrappers,system:nodes".into(),
            String::new(),
        ],
    ];
    let text = table(&["ARN", "USERNAME", "GROUPS", "ACCOUNT"], rows);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "ARN\t\t\t\t\t\t\t\t\t\t\tUSERNAME\t\t\t\tGROUPS\t\t\t\t\tACCOUNT"
    );
    assert_eq!(
        lines[2],
        "arn:aws:iam::390844768149:user/testuser\t\t\t\t\t\t\ttestuser\t\t\t\tsystem:masters\t\t\t\t"
    );
    assert_eq!(lines.len(), 3);
}

#[test]
fn go_json_indentation() {
    let v = serde_json::json!([{"userarn": "a<b", "groups": ["x"]}]);
    assert_eq!(
        json(&v),
        "[\n    {\n        \"groups\": [\n            \"x\"\n        ],\n        \"userarn\": \"a\\u003cb\"\n    }\n]"
    );
}
