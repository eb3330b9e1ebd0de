//! The actions on a real store: the seed's IAM sequence, permissions, trust policies.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use kubeward_store::RedbStore;

use super::*;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_796_385_600)
}

fn state() -> State {
    let store = Arc::new(RedbStore::in_memory().unwrap());
    State::open(store, now()).unwrap().0
}

fn call(
    state: &State,
    service: &str,
    action: &str,
    pairs: &[(&str, &str)],
    caller: &Caller,
) -> Result<Answer, AwsError> {
    let params: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    run(state, service, action, &Params(&params), caller, now())
}

fn text<'a>(nodes: &'a [Node], path: &[&str]) -> &'a str {
    let (first, rest) = path.split_first().unwrap();
    for node in nodes {
        match node {
            Node::Text(name, value) if name == first && rest.is_empty() => return value,
            Node::Element(name, children) if name == first => return text(children, rest),
            _ => {}
        }
    }
    panic!("no {path:?}")
}

#[test]
fn the_seed_sequence_as_root() {
    let state = state();
    let user = call(
        &state,
        "iam",
        "CreateUser",
        &[("UserName", "testuser")],
        &Caller::Root,
    )
    .unwrap()
    .unwrap();
    assert_eq!(text(&user, &["User", "UserName"]), "testuser");
    assert!(text(&user, &["User", "UserId"]).starts_with("AIDA"));
    let key = call(
        &state,
        "iam",
        "CreateAccessKey",
        &[("UserName", "testuser")],
        &Caller::Root,
    )
    .unwrap()
    .unwrap();
    assert_eq!(text(&key, &["AccessKey", "Status"]), "Active");
    assert_eq!(text(&key, &["AccessKey", "SecretAccessKey"]).len(), 40);
    assert_eq!(
        call(
            &state,
            "iam",
            "AttachUserPolicy",
            &[
                ("UserName", "testuser"),
                ("PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess")
            ],
            &Caller::Root
        ),
        Ok(None)
    );
    let who = call(
        &state,
        "sts",
        "GetCallerIdentity",
        &[],
        &Caller::User(state.user("testuser").unwrap().unwrap()),
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        text(&who, &["Arn"]),
        format!("arn:aws:iam::{}:user/testuser", state.account_id())
    );
    let listed = call(&state, "iam", "ListUsers", &[], &Caller::Root)
        .unwrap()
        .unwrap();
    assert_eq!(text(&listed, &["Users", "member", "UserName"]), "testuser");
    // DeleteUser wants the keys and policies gone first, as IAM does.
    assert_eq!(
        call(
            &state,
            "iam",
            "DeleteUser",
            &[("UserName", "testuser")],
            &Caller::Root
        )
        .unwrap_err()
        .message,
        "Cannot delete entity, must delete access keys first."
    );
    let key_id = text(&key, &["AccessKey", "AccessKeyId"]).to_string();
    call(
        &state,
        "iam",
        "DeleteAccessKey",
        &[("UserName", "testuser"), ("AccessKeyId", &key_id)],
        &Caller::Root,
    )
    .unwrap();
    assert_eq!(
        call(
            &state,
            "iam",
            "DeleteUser",
            &[("UserName", "testuser")],
            &Caller::Root
        )
        .unwrap_err()
        .message,
        "Cannot delete entity, must detach all policies first."
    );
    call(
        &state,
        "iam",
        "DetachUserPolicy",
        &[
            ("UserName", "testuser"),
            ("PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess"),
        ],
        &Caller::Root,
    )
    .unwrap();
    assert_eq!(
        call(
            &state,
            "iam",
            "DeleteUser",
            &[("UserName", "testuser")],
            &Caller::Root
        ),
        Ok(None)
    );
    assert_eq!(
        call(
            &state,
            "iam",
            "DeleteUser",
            &[("UserName", "testuser")],
            &Caller::Root
        )
        .unwrap_err(),
        AwsError::no_such_entity("The user with name testuser cannot be found.")
    );
}

#[test]
fn permissions_and_errors() {
    let state = state();
    call(
        &state,
        "iam",
        "CreateUser",
        &[("UserName", "bob")],
        &Caller::Root,
    )
    .unwrap();
    let bob = Caller::User(state.user("bob").unwrap().unwrap());
    let denied = call(&state, "iam", "CreateUser", &[("UserName", "eve")], &bob).unwrap_err();
    assert_eq!(denied.code, "AccessDenied");
    assert_eq!(
        denied.message,
        format!(
            "User: arn:aws:iam::{0}:user/bob is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::{0}:user/eve because no identity-based policy allows the iam:CreateUser action",
            state.account_id()
        )
    );
    assert_eq!(
        call(&state, "iam", "CreateUser", &[], &Caller::Root)
            .unwrap_err()
            .code,
        "ValidationError"
    );
    assert_eq!(
        call(
            &state,
            "iam",
            "AttachUserPolicy",
            &[
                ("UserName", "bob"),
                ("PolicyArn", "arn:aws:iam::aws:policy/Nope")
            ],
            &Caller::Root
        )
        .unwrap_err()
        .message,
        "Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable."
    );
    assert_eq!(
        call(
            &state,
            "iam",
            "CreateUser",
            &[("UserName", "bob")],
            &Caller::Root
        )
        .unwrap_err()
        .status,
        409
    );
    assert_eq!(
        call(&state, "iam", "Frobnicate", &[], &Caller::Root)
            .unwrap_err()
            .code,
        "InvalidAction"
    );
}

#[test]
fn assume_role_follows_the_trust_policy() {
    let state = state();
    let account = state.account_id().to_string();
    call(
        &state,
        "iam",
        "CreateUser",
        &[("UserName", "dev")],
        &Caller::Root,
    )
    .unwrap();
    call(
        &state,
        "iam",
        "CreateUser",
        &[("UserName", "admin")],
        &Caller::Root,
    )
    .unwrap();
    call(
        &state,
        "iam",
        "AttachUserPolicy",
        &[
            ("UserName", "admin"),
            ("PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess"),
        ],
        &Caller::Root,
    )
    .unwrap();
    let trust_dev = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:user/dev"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    let role = call(
        &state,
        "iam",
        "CreateRole",
        &[
            ("RoleName", "eks-dev"),
            ("AssumeRolePolicyDocument", &trust_dev),
        ],
        &Caller::Root,
    )
    .unwrap()
    .unwrap();
    assert!(text(&role, &["Role", "AssumeRolePolicyDocument"]).starts_with("%7B%22Version%22"));
    let role_arn = format!("arn:aws:iam::{account}:role/eks-dev");
    let dev = Caller::User(state.user("dev").unwrap().unwrap());
    let admin = Caller::User(state.user("admin").unwrap().unwrap());
    let assumed = call(
        &state,
        "sts",
        "AssumeRole",
        &[("RoleArn", &role_arn), ("RoleSessionName", "alice")],
        &dev,
    )
    .unwrap()
    .unwrap();
    assert!(text(&assumed, &["Credentials", "AccessKeyId"]).starts_with("ASIA"));
    assert_eq!(
        text(&assumed, &["AssumedRoleUser", "Arn"]),
        format!("arn:aws:sts::{account}:assumed-role/eks-dev/alice")
    );
    // Named by nobody: denied even with AdministratorAccess.
    assert_eq!(
        call(
            &state,
            "sts",
            "AssumeRole",
            &[("RoleArn", &role_arn), ("RoleSessionName", "x1")],
            &admin
        )
        .unwrap_err()
        .code,
        "AccessDenied"
    );
    // Trusting the account: identities whose policies allow it.
    let trust_account = format!(
        r#"{{"Statement":{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"sts:AssumeRole"}}}}"#
    );
    call(
        &state,
        "iam",
        "CreateRole",
        &[
            ("RoleName", "ops"),
            ("AssumeRolePolicyDocument", &trust_account),
        ],
        &Caller::Root,
    )
    .unwrap();
    let ops = format!("arn:aws:iam::{account}:role/ops");
    assert!(
        call(
            &state,
            "sts",
            "AssumeRole",
            &[("RoleArn", &ops), ("RoleSessionName", "x1")],
            &admin
        )
        .is_ok()
    );
    assert_eq!(
        call(
            &state,
            "sts",
            "AssumeRole",
            &[("RoleArn", &ops), ("RoleSessionName", "x1")],
            &dev
        )
        .unwrap_err()
        .code,
        "AccessDenied"
    );
    assert_eq!(
        call(
            &state,
            "sts",
            "AssumeRole",
            &[("RoleArn", &ops), ("RoleSessionName", "a b")],
            &admin
        )
        .unwrap_err()
        .code,
        "ValidationError"
    );
    let session = Caller::AssumedRole {
        role: state.role("eks-dev").unwrap().unwrap(),
        session_name: "alice".into(),
    };
    let who = call(&state, "sts", "GetCallerIdentity", &[], &session)
        .unwrap()
        .unwrap();
    assert!(text(&who, &["UserId"]).ends_with(":alice"));
}
