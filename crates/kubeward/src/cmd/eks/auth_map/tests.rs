//! The seed's sequence on the ConfigMap's data: get, create, get, edit, delete.

use super::*;

const TESTUSER: &str = "arn:aws:iam::390844768149:user/testuser";

fn messages(logs: &Logs) -> Vec<&str> {
    logs.iter().map(|(_, m)| m.as_str()).collect()
}

#[test]
fn create_then_delete_as_the_seed() {
    let mut map = AuthMap::default();
    assert!(map.identities().unwrap().is_empty());
    let id = EksctlIdentity::new(TESTUSER, "testuser", &["system:masters".into()]).unwrap();
    let logs = map.create(id, false).unwrap();
    assert_eq!(
        messages(&logs),
        [
            "checking arn arn:aws:iam::390844768149:user/testuser against entries in the auth ConfigMap",
            "adding identity \"arn:aws:iam::390844768149:user/testuser\" to auth ConfigMap",
        ]
    );
    assert_eq!(
        map.data["mapUsers"],
        "- groups:\n  - system:masters\n  userarn: arn:aws:iam::390844768149:user/testuser\n  username: testuser\n"
    );
    assert_eq!(map.data["mapRoles"], "[]\n");
    // kubectl edit cm -n kube-system aws-auth: system:masters → system:authenticated
    let edited = map.data["mapUsers"].replace("system:masters", "system:authenticated");
    map.data.insert("mapUsers".into(), edited);
    let logs = map.remove(TESTUSER, false).unwrap();
    assert_eq!(
        messages(&logs),
        [
            "removing identity \"arn:aws:iam::390844768149:user/testuser\" from auth ConfigMap (username = \"testuser\", groups = [\"system:authenticated\"])"
        ]
    );
    assert!(map.identities().unwrap().is_empty());
    assert_eq!(
        map.remove(TESTUSER, false).unwrap_err(),
        "instance identity ARN \"arn:aws:iam::390844768149:user/testuser\" not found in auth ConfigMap"
    );
    assert!(map.remove(TESTUSER, true).unwrap().is_empty());
}

#[test]
fn duplicates() {
    let mut map = AuthMap::default();
    let groups = vec!["system:masters".to_string()];
    map.create(
        EksctlIdentity::new(TESTUSER, "testuser", &groups).unwrap(),
        false,
    )
    .unwrap();
    let logs = map
        .create(
            EksctlIdentity::new(TESTUSER, "other", &groups).unwrap(),
            false,
        )
        .unwrap();
    assert_eq!(
        messages(&logs)[1],
        "found existing mappings with same arn \"arn:aws:iam::390844768149:user/testuser\" (which will be shadowed by your new mapping)"
    );
    assert_eq!(
        map.create(
            EksctlIdentity::new(TESTUSER, "third", &groups).unwrap(),
            true
        )
        .unwrap_err(),
        "found existing mapping with the same arn \"arn:aws:iam::390844768149:user/testuser\" and shadowing is disabled"
    );
    let logs = map
        .create(
            EksctlIdentity::new(TESTUSER, "testuser", &groups).unwrap(),
            true,
        )
        .unwrap();
    assert_eq!(
        messages(&logs)[1],
        "found existing mapping that matches the one being created, skipping."
    );
    let logs = map.remove(TESTUSER, false).unwrap();
    assert_eq!(
        messages(&logs)[1],
        "there are 1 mappings left with same arn \"arn:aws:iam::390844768149:user/testuser\" (use --all to delete them at once)"
    );
}

#[test]
fn accounts_and_roles_keep_their_own_keys() {
    let mut map = AuthMap::default();
    map.data.insert(
        "mapRoles".into(),
        "- rolearn: arn:aws:iam::1:role/nodes\n  username: system:node:{{EC2PrivateDNSName}}\n  groups:\n  - system:nodes\n  userid: AROAX\n".into(),
    );
    map.add_account("555555555555").unwrap();
    map.add_account("111111111111").unwrap();
    map.add_account("555555555555").unwrap();
    assert_eq!(
        map.data["mapAccounts"],
        "- \"111111111111\"\n- \"555555555555\"\n"
    );
    map.create(
        EksctlIdentity::new(TESTUSER, "testuser", &["system:masters".into()]).unwrap(),
        false,
    )
    .unwrap();
    // The role entry's other fields survive the rewrite.
    assert!(map.data["mapRoles"].contains("userid: AROAX"));
    assert_eq!(
        map.remove_account("222222222222").unwrap_err(),
        "account \"222222222222\" not found in auth ConfigMap"
    );
    map.remove_account("111111111111").unwrap();
    let identities = map.identities().unwrap();
    let json = super::super::output::json(&json_items(&identities));
    assert_eq!(
        json,
        "[\n    {\n        \"rolearn\": \"arn:aws:iam::1:role/nodes\",\n        \"username\": \"system:node:{{EC2PrivateDNSName}}\",\n        \"groups\": [\n            \"system:nodes\"\n        ]\n    },\n    {\n        \"userarn\": \"arn:aws:iam::390844768149:user/testuser\",\n        \"username\": \"testuser\",\n        \"groups\": [\n            \"system:masters\"\n        ]\n    },\n    {\n        \"account\": \"555555555555\"\n    }\n]"
    );
    assert_eq!(
        yaml_items(&identities[1..]),
        "- groups:\n  - system:masters\n  userarn: arn:aws:iam::390844768149:user/testuser\n  username: testuser\n- account: \"555555555555\"\n"
    );
}
