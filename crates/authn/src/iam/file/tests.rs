//! aws-iam-authenticator's file mapper tests (`TestMap`, `TestNewFileMapper`), ported.

use super::*;
use crate::iam::arn::PrincipalType;
use crate::iam::mapping::Mappings;
use crate::iam::matched::EntryKind;
use crate::iam::sts::Identity;

const CONFIG: &str = r#"
clusterID: my-dev-cluster.example.com
server:
  mapRoles:
  - roleARN: arn:aws:iam::012345678910:role/test-role
    username: shreyas
    groups:
    - system:masters
  mapUsers:
  - userARN: arn:aws:iam::012345678910:user/Shanice
    username: shanice
    groups:
    - system:masters
  mapAccounts:
  - "123456789012"
"#;

fn identity(arn: &str, canonical: &str, account: &str) -> Identity {
    Identity {
        arn: arn.into(),
        canonical_arn: canonical.into(),
        principal_type: PrincipalType::User,
        account_id: account.into(),
        user_id: "AIDAEXAMPLE".into(),
        session_name: String::new(),
        access_key_id: "AKIAEXAMPLE".into(),
        sts_endpoint: String::new(),
    }
}

#[test]
fn roles_users_and_accounts_from_the_file() {
    let mappings = Mappings {
        file: parse(CONFIG).unwrap(),
        ..Mappings::default()
    };
    let role = identity(
        "arn:aws:sts::012345678910:assumed-role/test-role/s",
        "arn:aws:iam::012345678910:role/test-role",
        "012345678910",
    );
    let mapped = mappings.map(&role).unwrap();
    assert_eq!(
        (mapped.username.as_str(), mapped.kind),
        ("shreyas", EntryKind::Role)
    );
    let user = identity(
        "arn:aws:iam::012345678910:user/Shanice",
        "arn:aws:iam::012345678910:user/Shanice",
        "012345678910",
    );
    assert_eq!(mappings.map(&user).unwrap().username, "shanice");
    let account = identity(
        "arn:aws:iam::123456789012:user/Bob",
        "arn:aws:iam::123456789012:user/Bob",
        "123456789012",
    );
    let mapped = mappings.map(&account).unwrap();
    assert_eq!(mapped.username, "arn:aws:iam::123456789012:user/Bob");
    assert!(mapped.groups.is_empty());
    let stranger = identity(
        "arn:aws:iam::999999999999:user/Eve",
        "arn:aws:iam::999999999999:user/Eve",
        "999999999999",
    );
    assert!(mappings.map(&stranger).is_err());
}

#[test]
fn an_invalid_entry_fails_the_whole_file() {
    assert_eq!(
        parse("server:\n  mapRoles:\n  - username: x\n").unwrap_err(),
        "one of rolearn or SSO must be supplied"
    );
    assert_eq!(
        parse("server:\n  mapUsers:\n  - userarn: not-an-arn\n").unwrap_err(),
        "error canonicalizing ARN: arn 'not-an-arn' is invalid: 'arn: invalid prefix'"
    );
    assert!(parse("clusterID: x\n").unwrap().roles().is_empty());
}
