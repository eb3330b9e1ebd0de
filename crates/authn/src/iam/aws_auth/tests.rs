//! aws-iam-authenticator's ConfigMap parsing tests (`TestConfigMap` with its YAML files,
//! `TestParseMap`), ported, and eksctl's way of writing the ConfigMap back.

use std::collections::BTreeMap;

use super::*;

const NODE_ROLE: &str =
    "arn:aws:iam::555555555555:role/devel-worker-nodes-NodeInstanceRole-74RF4UBDUKL6";
const ADMIN_USER: &str = "arn:aws:iam::555555555555:user/admin";

fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn parsed(map: &BTreeMap<String, String>) -> Parsed {
    parse(|k| map.get(k).map(String::as_str))
}

/// aws-auth.yaml, aws-auth-crazy-case-keys.yaml and aws-auth-open-source-case-keys.yaml.
#[test]
fn the_eks_documentation_example_in_any_key_case() {
    for (rolearn, userarn, username, groups) in [
        ("rolearn", "userarn", "username", "groups"),
        ("rOlEaRn", "uSeRaRn", "UsErNaMe", "gRoUpS"),
        ("roleARN", "userARN", "username", "groups"),
    ] {
        let map = data(&[
            (
                "mapRoles",
                &format!(
                    "- {rolearn}: {NODE_ROLE}\n  {username}: system:node:{{{{EC2PrivateDNSName}}}}\n  {groups}:\n    - system:bootstrappers\n    - system:nodes\n"
                ),
            ),
            (
                "mapUsers",
                &format!(
                    "- {userarn}: {ADMIN_USER}\n  {username}: admin\n  {groups}:\n    - system:masters\n"
                ),
            ),
            ("mapAccounts", "- 555555555555\n"),
        ]);
        let p = parsed(&map);
        assert_eq!(p.errors, Vec::<String>::new(), "{rolearn}");
        assert_eq!(
            p.roles,
            vec![RoleMapping {
                rolearn: NODE_ROLE.into(),
                username: "system:node:{{EC2PrivateDNSName}}".into(),
                groups: vec!["system:bootstrappers".into(), "system:nodes".into()],
                ..RoleMapping::default()
            }]
        );
        assert_eq!(
            p.users,
            vec![UserMapping {
                userarn: ADMIN_USER.into(),
                username: "admin".into(),
                groups: vec!["system:masters".into()],
                ..UserMapping::default()
            }]
        );
        assert_eq!(p.accounts, vec!["555555555555".to_string()]);
    }
}

/// aws-auth-lower-case-top-keys.yaml, aws-auth-crazy-case-top-keys.yaml: top-level keys are
/// case-sensitive.
#[test]
fn top_level_keys_are_case_sensitive() {
    let map = data(&[
        (
            "maproles",
            &format!("- rolearn: {NODE_ROLE}\n  username: x\n"),
        ),
        (
            "MaPuSeRs",
            &format!("- userarn: {ADMIN_USER}\n  username: admin\n"),
        ),
    ]);
    let p = parsed(&map);
    assert!(p.roles.is_empty() && p.users.is_empty() && p.accounts.is_empty());
}

/// aws-auth-space-out-of-place.yaml: a mis-indented group becomes part of the previous one.
#[test]
fn a_space_out_of_place_joins_two_groups() {
    let map = data(&[(
        "mapRoles",
        &format!(
            "- rolearn: {NODE_ROLE}\n  username: system:node:{{{{EC2PrivateDNSName}}}}\n  groups:\n    - system:bootstrappers\n     - system:nodes\n"
        ),
    )]);
    let p = parsed(&map);
    assert_eq!(
        p.roles[0].groups,
        vec!["system:bootstrappers - system:nodes"]
    );
}

#[test]
fn bad_entries_are_reported_and_the_good_ones_kept() {
    let map = data(&[
        (
            "mapUsers",
            "- userarn: arn:aws:iam::1:user/a\n  username: a\n- username: no-arn\n- userarn: arn:aws:iam::1:user/b\n  username: 42\n",
        ),
        (
            "mapRoles",
            "- username: neither\n- rolearn: a\n  sso: {accountID: '1', permissionSetName: x}\n",
        ),
        ("mapAccounts", "``"),
    ]);
    let p = parsed(&map);
    assert_eq!(
        p.users
            .iter()
            .map(|u| u.userarn.as_str())
            .collect::<Vec<_>>(),
        ["arn:aws:iam::1:user/a", "arn:aws:iam::1:user/b"]
    );
    assert_eq!(
        p.errors,
        [
            "value for userarn must be supplied",
            "json: cannot unmarshal number into Go struct field config.UserMapping.username of type string",
            "one of rolearn or SSO must be supplied",
            "only one of rolearn or SSO can be supplied",
        ]
    );
    let broken = data(&[("mapRoles", "- rolearn: [unclosed\n")]);
    let p = parsed(&broken);
    assert!(p.roles.is_empty());
    assert!(
        p.errors[0].starts_with("error converting YAML to JSON: "),
        "{:?}",
        p.errors
    );
}

#[test]
fn skippable_values() {
    for blank in ["", "  ", "``", "\"\"", "''"] {
        let map = data(&[
            ("mapRoles", blank),
            ("mapUsers", blank),
            ("mapAccounts", blank),
        ]);
        let p = parsed(&map);
        assert!(p.errors.is_empty(), "{blank:?}");
    }
}

#[test]
fn sso_role_mappings() {
    let map = data(&[(
        "mapRoles",
        "- sso:\n    permissionSetName: ViewOnlyAccess\n    accountID: \"012345678912\"\n  username: admin\n  groups: [system:masters]\n- sso: {permissionSetName: 'ViewOnlyAccess*', accountID: '012345678912'}\n  username: x\n- sso: {permissionSetName: ViewOnlyAccess, accountID: '0123456789'}\n  username: x\n- sso: {permissionSetName: ViewOnlyAccess, accountID: '012345678912', partition: aws-nk}\n  username: x\n",
    )]);
    let p = parsed(&map);
    assert_eq!(p.roles.len(), 1);
    assert_eq!(
        p.roles[0].sso_arn_like().unwrap(),
        "arn:aws:iam::012345678912:role/awsreservedsso_viewonlyaccess_*"
    );
    assert_eq!(
        p.errors,
        [
            "PermissionSetName 'ViewOnlyAccess*' is not a valid AWS SSO PermissionSet Name",
            "AccountID '0123456789' is not a valid AWS Account ID",
            "partition 'aws-nk' is not a valid AWS partition",
        ]
    );
}

#[test]
fn eksctl_lists_roles_users_then_accounts() {
    let map = data(&[
        (
            "mapRoles",
            &format!(
                "- rolearn: {NODE_ROLE}\n  username: system:node:{{{{EC2PrivateDNSName}}}}\n  groups:\n  - system:bootstrappers\n  - system:nodes\n"
            ),
        ),
        (
            "mapUsers",
            "- userarn: arn:aws:iam::390844768149:user/testuser\n  username: testuser\n  groups:\n  - system:masters\n",
        ),
        ("mapAccounts", "- \"555555555555\"\n"),
    ]);
    let ids = eksctl_identities(|k| map.get(k).map(String::as_str)).unwrap();
    assert_eq!(
        ids.iter()
            .map(|i| (i.kind, i.arn.as_str(), i.account.as_str()))
            .collect::<Vec<_>>(),
        [
            ("role", NODE_ROLE, ""),
            ("user", "arn:aws:iam::390844768149:user/testuser", ""),
            ("account", "", "555555555555"),
        ]
    );
    let bad = data(&[("mapUsers", "- userarn: 5\n")]);
    assert_eq!(
        eksctl_identities(|k| bad.get(k).map(String::as_str)).unwrap_err(),
        "unmarshalling \"mapUsers\": json: cannot unmarshal number into Go struct field iam.UserIdentity.userarn of type string"
    );
}

#[test]
fn new_identities_check_like_eksctl() {
    let groups = vec!["system:masters".to_string()];
    let user = EksctlIdentity::new(
        "arn:aws:iam::390844768149:user/testuser",
        "testuser",
        &groups,
    )
    .unwrap();
    assert_eq!(user.kind, "user");
    assert_eq!(
        to_yaml(&[Value::Object(user.raw)]),
        "- groups:\n  - system:masters\n  userarn: arn:aws:iam::390844768149:user/testuser\n  username: testuser\n"
    );
    assert_eq!(
        EksctlIdentity::new("", "u", &groups).unwrap_err(),
        "expected a valid arn but got empty string"
    );
    assert_eq!(
        EksctlIdentity::new("arn:aws:iam::1:user/a", "", &[]).unwrap_err(),
        "neither username nor group are set for iam identity"
    );
    assert_eq!(
        EksctlIdentity::new("arn:aws:iam::1:group/a", "u", &[]).unwrap_err(),
        "arn is neither user nor role"
    );
    assert_eq!(
        EksctlIdentity::new("nope", "u", &[]).unwrap_err(),
        "arn: invalid prefix"
    );
}

#[test]
fn yaml_as_eksctl_writes_it() {
    assert_eq!(to_yaml(&[]), "[]\n");
    assert_eq!(
        to_yaml(&[Value::String("555555555555".into())]),
        "- \"555555555555\"\n"
    );
    assert_eq!(
        scalar("system:node:{{EC2PrivateDNSName}}"),
        "system:node:{{EC2PrivateDNSName}}"
    );
    assert_eq!(scalar("{{SessionName}}"), "'{{SessionName}}'");
    assert_eq!(scalar("true"), "\"true\"");
    assert_eq!(scalar("a: b"), "'a: b'");
    assert_eq!(scalar(""), "\"\"");
    // What is written reads back the same.
    let entry = serde_json::json!({"rolearn": "arn:aws:iam::1:role/x", "username": "{{SessionName}}", "groups": ["a: b", "true", "x"]});
    let text = to_yaml(std::slice::from_ref(&entry));
    assert_eq!(yaml_to_json(&text).unwrap(), Value::Array(vec![entry]));
}
