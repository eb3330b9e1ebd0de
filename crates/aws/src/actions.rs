//! The IAM and STS actions: `CreateUser`, `CreateAccessKey`, `AttachUserPolicy`,
//! `DetachUserPolicy`, `ListUsers`, `DeleteAccessKey`, `DeleteUser`, `CreateRole`, and STS's
//! `GetCallerIdentity` and `AssumeRole`, with AWS's checks, shapes and messages. Who may call
//! what: the root, and IAM users with `AdministratorAccess` (or `IAMFullAccess` for IAM);
//! `GetCallerIdentity` needs no permission, as on AWS.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use crate::error::AwsError;
use crate::state::{Role, State, User, iso8601};
use crate::xml::Node;

/// The AWS managed policies the local IAM knows.
pub const MANAGED_POLICIES: &[&str] = &[
    "AdministratorAccess",
    "IAMFullAccess",
    "ReadOnlyAccess",
    "PowerUserAccess",
    "AmazonEKSClusterPolicy",
    "AmazonEKSWorkerNodePolicy",
];

/// The principal that signed a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The account's root.
    Root,
    /// An IAM user.
    User(User),
    /// A role session.
    AssumedRole {
        /// The role.
        role: Role,
        /// The session name.
        session_name: String,
    },
}

impl Caller {
    /// The ARN `GetCallerIdentity` answers.
    pub fn arn(&self, account: &str) -> String {
        match self {
            Caller::Root => format!("arn:aws:iam::{account}:root"),
            Caller::User(user) => user.arn.clone(),
            Caller::AssumedRole { role, session_name } => format!(
                "arn:aws:sts::{account}:assumed-role/{}/{session_name}",
                role.role_name
            ),
        }
    }

    /// The UserId `GetCallerIdentity` answers.
    pub fn user_id(&self, account: &str) -> String {
        match self {
            Caller::Root => account.to_string(),
            Caller::User(user) => user.user_id.clone(),
            Caller::AssumedRole { role, session_name } => {
                format!("{}:{session_name}", role.role_id)
            }
        }
    }

    /// Whether an identity policy of the caller allows `service:action`.
    fn allowed(&self, service: &str) -> bool {
        match self {
            Caller::Root => true,
            Caller::User(user) => user.attached_policies.iter().any(|p| {
                p.ends_with(":policy/AdministratorAccess")
                    || (service == "iam" && p.ends_with(":policy/IAMFullAccess"))
            }),
            Caller::AssumedRole { .. } => false,
        }
    }
}

/// What an action answered: its result elements (none for actions without a result).
pub type Answer = Option<Vec<Node>>;

/// The request's parameters.
pub struct Params<'a>(pub &'a HashMap<String, String>);

impl Params<'_> {
    fn required(&self, name: &str) -> Result<&str, AwsError> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| AwsError::missing_parameter(name))
    }

    fn optional(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

/// Runs `action` of `service` for `caller`.
pub fn run(
    state: &State,
    service: &str,
    action: &str,
    params: &Params<'_>,
    caller: &Caller,
    now: SystemTime,
) -> Result<Answer, AwsError> {
    let account = state.account_id().to_string();
    let authorize = |api: &str, resource: &str| -> Result<(), AwsError> {
        if caller.allowed(service) {
            return Ok(());
        }
        Err(AwsError::access_denied(format!(
            "User: {} is not authorized to perform: {api} on resource: {resource} because no identity-based policy allows the {api} action",
            caller.arn(&account)
        )))
    };
    let user_arn = |name: &str| format!("arn:aws:iam::{account}:user/{name}");
    match (service, action) {
        ("sts", "GetCallerIdentity") => Ok(Some(vec![
            Node::text("Arn", caller.arn(&account)),
            Node::text("UserId", caller.user_id(&account)),
            Node::text("Account", &account),
        ])),
        ("sts", "AssumeRole") => assume_role(state, params, caller, now),
        ("iam", "CreateUser") => {
            let name = params.required("UserName")?;
            authorize("iam:CreateUser", &user_arn(name))?;
            let path = params.optional("Path").unwrap_or("/");
            let user = state.create_user(name, path, now)?;
            Ok(Some(vec![user_node("User", &user)]))
        }
        ("iam", "ListUsers") => {
            authorize("iam:ListUsers", &format!("arn:aws:iam::{account}:user/"))?;
            let members = state
                .users()?
                .iter()
                .map(|u| user_node("member", u))
                .collect();
            Ok(Some(vec![
                Node::text("IsTruncated", "false"),
                Node::element("Users", members),
            ]))
        }
        ("iam", "DeleteUser") => {
            let name = params.required("UserName")?;
            authorize("iam:DeleteUser", &user_arn(name))?;
            let user = existing_user(state, name)?;
            if state.access_keys()?.iter().any(|k| k.user_name == name) {
                return Err(delete_conflict(
                    "Cannot delete entity, must delete access keys first.",
                ));
            }
            if !user.attached_policies.is_empty() {
                return Err(delete_conflict(
                    "Cannot delete entity, must detach all policies first.",
                ));
            }
            state.delete_user(name)?;
            Ok(None)
        }
        ("iam", "CreateAccessKey") => {
            let name = match params.optional("UserName") {
                Some(name) => name.to_string(),
                None => match caller {
                    Caller::User(user) => user.user_name.clone(),
                    _ => String::new(),
                },
            };
            authorize("iam:CreateAccessKey", &user_arn(&name))?;
            if !name.is_empty() {
                existing_user(state, &name)?;
            }
            let key = state.new_access_key(&name, now)?;
            Ok(Some(vec![Node::element(
                "AccessKey",
                vec![
                    Node::text("UserName", &key.user_name),
                    Node::text("AccessKeyId", &key.access_key_id),
                    Node::text("Status", &key.status),
                    Node::text("SecretAccessKey", &key.secret_access_key),
                    Node::text("CreateDate", &key.create_date),
                ],
            )]))
        }
        ("iam", "DeleteAccessKey") => {
            let id = params.required("AccessKeyId")?;
            let name = params.optional("UserName").unwrap_or_default();
            authorize("iam:DeleteAccessKey", &user_arn(name))?;
            match state.access_key(id)? {
                Some(key) if key.user_name == name => state.delete_access_key(id)?,
                _ => {
                    return Err(AwsError::no_such_entity(format!(
                        "The Access Key with id {id} cannot be found."
                    )));
                }
            }
            Ok(None)
        }
        ("iam", "AttachUserPolicy" | "DetachUserPolicy") => {
            let name = params.required("UserName")?;
            let policy = params.required("PolicyArn")?;
            authorize(&format!("iam:{action}"), &user_arn(name))?;
            let user = existing_user(state, name)?;
            let known = policy
                .strip_prefix("arn:aws:iam::aws:policy/")
                .is_some_and(|p| MANAGED_POLICIES.contains(&p));
            if !known {
                return Err(AwsError::no_such_entity(format!(
                    "Policy {policy} does not exist or is not attachable."
                )));
            }
            let mut policies = user.attached_policies;
            if action == "AttachUserPolicy" {
                if !policies.iter().any(|p| p == policy) {
                    policies.push(policy.to_string());
                }
            } else {
                let before = policies.len();
                policies.retain(|p| p != policy);
                if policies.len() == before {
                    return Err(AwsError::no_such_entity(format!(
                        "Policy {policy} was not found."
                    )));
                }
            }
            state.set_user_policies(name, policies)?;
            Ok(None)
        }
        ("iam", "CreateRole") => {
            let name = params.required("RoleName")?;
            let document = params.required("AssumeRolePolicyDocument")?;
            authorize(
                "iam:CreateRole",
                &format!("arn:aws:iam::{account}:role/{name}"),
            )?;
            if serde_json::from_str::<serde_json::Value>(document).is_err() {
                return Err(AwsError::sender(
                    400,
                    "MalformedPolicyDocument",
                    "This policy contains invalid Json",
                ));
            }
            let max = params
                .optional("MaxSessionDuration")
                .and_then(|m| m.parse().ok())
                .unwrap_or(3600);
            let path = params.optional("Path").unwrap_or("/");
            let role = state.create_role(name, path, document, max, now)?;
            Ok(Some(vec![role_node(&role)]))
        }
        _ => Err(AwsError::invalid_action(action)),
    }
}

fn delete_conflict(message: &str) -> AwsError {
    AwsError::sender(409, "DeleteConflict", message)
}

fn existing_user(state: &State, name: &str) -> Result<User, AwsError> {
    state.user(name)?.ok_or_else(|| {
        AwsError::no_such_entity(format!("The user with name {name} cannot be found."))
    })
}

fn user_node(tag: &str, user: &User) -> Node {
    Node::element(
        tag,
        vec![
            Node::text("Path", &user.path),
            Node::text("UserName", &user.user_name),
            Node::text("UserId", &user.user_id),
            Node::text("Arn", &user.arn),
            Node::text("CreateDate", &user.create_date),
        ],
    )
}

fn role_node(role: &Role) -> Node {
    let encoded: String = serde_urlencoded::to_string([("", &role.assume_role_policy_document)])
        .unwrap_or_default()
        .trim_start_matches('=')
        .replace('+', "%20");
    Node::element(
        "Role",
        vec![
            Node::text("Path", &role.path),
            Node::text("AssumeRolePolicyDocument", encoded),
            Node::text("MaxSessionDuration", role.max_session_duration.to_string()),
            Node::text("RoleId", &role.role_id),
            Node::text("RoleName", &role.role_name),
            Node::text("Arn", &role.arn),
            Node::text("CreateDate", &role.create_date),
        ],
    )
}

/// Whom a role's trust policy names as allowed to assume it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// Nobody that matches.
    None,
    /// The caller's account (its root): the caller's own policies must allow `sts:AssumeRole`.
    Account,
    /// The caller itself (or `*`).
    Caller,
}

/// What the role's trust policy says of `caller_arn` (an `Allow` statement for
/// `sts:AssumeRole` whose `Principal.AWS` names the caller, `*`, or the account).
pub fn trust(role: &Role, caller_arn: &str, account: &str) -> Trust {
    let Ok(document) = serde_json::from_str::<serde_json::Value>(&role.assume_role_policy_document)
    else {
        return Trust::None;
    };
    let list = |v: &serde_json::Value| -> Vec<String> {
        match v {
            serde_json::Value::String(s) => vec![s.clone()],
            serde_json::Value::Array(items) => items
                .iter()
                .filter_map(|i| i.as_str().map(String::from))
                .collect(),
            _ => Vec::new(),
        }
    };
    let statements = match &document["Statement"] {
        serde_json::Value::Array(items) => items.clone(),
        single @ serde_json::Value::Object(_) => vec![single.clone()],
        _ => Vec::new(),
    };
    let root = format!("arn:aws:iam::{account}:root");
    let mut best = Trust::None;
    for s in &statements {
        let allows = s["Effect"] == "Allow"
            && list(&s["Action"])
                .iter()
                .any(|a| a == "sts:AssumeRole" || a == "sts:*" || a == "*");
        if !allows {
            continue;
        }
        let principals = if s["Principal"] == "*" {
            vec!["*".to_string()]
        } else {
            list(&s["Principal"]["AWS"])
        };
        for p in principals {
            if p == "*" || p == caller_arn {
                return Trust::Caller;
            }
            if p == account || p == root {
                best = Trust::Account;
            }
        }
    }
    best
}

fn assume_role(
    state: &State,
    params: &Params<'_>,
    caller: &Caller,
    now: SystemTime,
) -> Result<Answer, AwsError> {
    let role_arn = params.required("RoleArn")?;
    let session_name = params.required("RoleSessionName")?;
    let account = state.account_id().to_string();
    let caller_arn = caller.arn(&account);
    let denied = || {
        AwsError::access_denied(format!(
            "User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
        ))
    };
    if session_name.len() < 2
        || session_name.len() > 64
        || !session_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "=,.@-_".contains(c))
    {
        return Err(AwsError::sender(
            400,
            "ValidationError",
            format!(
                "1 validation error detected: Value '{session_name}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
            ),
        ));
    }
    let name = role_arn
        .strip_prefix(&format!("arn:aws:iam::{account}:role/"))
        .and_then(|rest| rest.rsplit('/').next())
        .ok_or_else(denied)?;
    let role = state
        .role(name)?
        .filter(|r| r.arn == role_arn)
        .ok_or_else(denied)?;
    let allowed = match trust(&role, &caller_arn, &account) {
        Trust::Caller => true,
        Trust::Account => caller.allowed("sts"),
        Trust::None => false,
    };
    if !allowed {
        return Err(denied());
    }
    let seconds = params
        .optional("DurationSeconds")
        .and_then(|d| d.parse::<u64>().ok())
        .unwrap_or(3600);
    if !(900..=role.max_session_duration).contains(&seconds) {
        return Err(AwsError::sender(
            400,
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    let session = state.new_session(&role, session_name, Duration::from_secs(seconds), now)?;
    Ok(Some(vec![
        Node::element(
            "Credentials",
            vec![
                Node::text("AccessKeyId", &session.access_key_id),
                Node::text("SecretAccessKey", &session.secret_access_key),
                Node::text("SessionToken", &session.session_token),
                Node::text("Expiration", iso8601(now + Duration::from_secs(seconds))),
            ],
        ),
        Node::element(
            "AssumedRoleUser",
            vec![
                Node::text("AssumedRoleId", format!("{}:{session_name}", role.role_id)),
                Node::text(
                    "Arn",
                    format!(
                        "arn:aws:sts::{account}:assumed-role/{}/{session_name}",
                        role.role_name
                    ),
                ),
            ],
        ),
    ]))
}

#[cfg(test)]
mod tests;
