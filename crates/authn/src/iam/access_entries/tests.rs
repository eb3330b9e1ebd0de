//! Access entries: EKS's default user names, the policy groups, and their RBAC bindings.

use super::*;

fn entry(principal: &str) -> AccessEntry {
    AccessEntry {
        principal_arn: principal.into(),
        entry_type: "STANDARD".into(),
        ..AccessEntry::default()
    }
}

fn policy(name: &str, namespaces: &[&str]) -> PolicyAssociation {
    PolicyAssociation {
        policy_arn: format!("{POLICY_ARN_PREFIX}{name}"),
        access_scope: AccessScope {
            scope_type: if namespaces.is_empty() {
                "cluster"
            } else {
                "namespace"
            }
            .into(),
            namespaces: namespaces.iter().map(|n| n.to_string()).collect(),
        },
    }
}

#[test]
fn default_user_names_as_eks() {
    assert_eq!(
        entry("arn:aws:iam::123456789012:user/alice").username_template(),
        "arn:aws:iam::123456789012:user/alice"
    );
    assert_eq!(
        entry("arn:aws:iam::123456789012:role/teams/dev").username_template(),
        "arn:aws:sts::123456789012:assumed-role/dev/{{SessionName}}"
    );
    let mut node = entry("arn:aws:iam::123456789012:role/nodes");
    node.entry_type = "EC2_LINUX".into();
    assert_eq!(
        node.username_template(),
        "system:node:{{EC2PrivateDNSName}}"
    );
    assert_eq!(node.groups(), ["system:nodes"]);
    let mut named = entry("arn:aws:iam::123456789012:user/alice");
    named.username = "alice".into();
    assert_eq!(named.username_template(), "alice");
}

#[test]
fn policies_become_groups_and_bindings() {
    let mut e = entry("arn:aws:iam::123456789012:user/alice");
    e.kubernetes_groups = vec!["devs".into()];
    e.access_policies = vec![
        policy("AmazonEKSViewPolicy", &[]),
        policy("AmazonEKSEditPolicy", &["dev-team", "infra-team"]),
    ];
    e.validate().unwrap();
    assert_eq!(
        e.groups(),
        [
            "devs",
            "eks:access-policy:AmazonEKSViewPolicy",
            "eks:access-policy:AmazonEKSEditPolicy:dev-team",
            "eks:access-policy:AmazonEKSEditPolicy:infra-team",
        ]
    );
    let mut admin = entry("arn:aws:iam::123456789012:role/admin");
    admin.access_policies = vec![policy("AmazonEKSClusterAdminPolicy", &[])];
    let bindings = rbac_bindings(&[e, admin.clone(), admin]);
    assert_eq!(
        bindings
            .iter()
            .map(|b| (b.namespace.as_deref(), b.group.as_str(), b.cluster_role))
            .collect::<Vec<_>>(),
        [
            (
                None,
                "eks:access-policy:AmazonEKSClusterAdminPolicy",
                "cluster-admin"
            ),
            (None, "eks:access-policy:AmazonEKSViewPolicy", "view"),
            (
                Some("dev-team"),
                "eks:access-policy:AmazonEKSEditPolicy:dev-team",
                "edit"
            ),
            (
                Some("infra-team"),
                "eks:access-policy:AmazonEKSEditPolicy:infra-team",
                "edit"
            ),
        ]
    );
    assert_eq!(bindings[2].name, "eks:access-policy:AmazonEKSEditPolicy");
}

#[test]
fn validation_as_the_eks_api() {
    assert!(matches!(
        entry("arn:aws:iam::123456789012:group/devs").validate(),
        Err(AccessEntryError::Principal(_))
    ));
    let mut e = entry("arn:aws:iam::123456789012:user/alice");
    e.kubernetes_groups = vec!["system:masters".into()];
    assert_eq!(
        e.validate().unwrap_err().to_string(),
        "The kubernetes group \"system:masters\" is invalid: it cannot start with system:, eks:, aws:, amazon: or iam:"
    );
    let mut e = entry("arn:aws:iam::123456789012:user/alice");
    e.access_policies = vec![policy("AmazonEKSSuperPolicy", &[])];
    assert!(matches!(e.validate(), Err(AccessEntryError::Policy(_))));
    let mut e = entry("arn:aws:iam::123456789012:user/alice");
    e.entry_type = "WEIRD".into();
    assert!(matches!(e.validate(), Err(AccessEntryError::Type(_))));
    let mut e = entry("arn:aws:iam::123456789012:user/alice");
    e.access_policies = vec![PolicyAssociation {
        policy_arn: format!("{POLICY_ARN_PREFIX}AmazonEKSViewPolicy"),
        access_scope: AccessScope {
            scope_type: "namespace".into(),
            namespaces: vec![],
        },
    }];
    assert!(matches!(e.validate(), Err(AccessEntryError::Scope(_))));
}

#[test]
fn the_config_map_form() {
    let text = r#"[{"principalArn":"arn:aws:iam::123456789012:user/alice","kubernetesGroups":["devs"],"type":"STANDARD","accessPolicies":[{"policyArn":"arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy","accessScope":{"type":"cluster"}}]},{"principalArn":"bad"}]"#;
    let (entries, errors) = parse(text);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].kubernetes_groups, ["devs"]);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].starts_with("bad: The specified principalArn is invalid"));
    assert_eq!(parse("not json").1.len(), 1);
    assert_eq!(parse(" ").0.len(), 0);
}
