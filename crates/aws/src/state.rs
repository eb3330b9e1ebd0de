//! What the local AWS keeps, in the shared store (group `aws.kubeward.io`): the account, IAM
//! users with their attached policies and access keys, roles, and the temporary credentials of
//! role sessions. Only `get`, `list`, `create`, `update`, `delete` and `modify` are used.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kubeward_store::{ListScope, ObjectKey, Store, StoreError, StoreExt};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::error::AwsError;

/// The store group of the local AWS's objects.
pub const GROUP: &str = "aws.kubeward.io";

/// The account and its root access key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The 12-digit account id.
    pub account_id: String,
}

/// An IAM user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The name.
    pub user_name: String,
    /// `AIDA…`.
    pub user_id: String,
    /// `arn:aws:iam::ACCOUNT:user/PATHNAME`.
    pub arn: String,
    /// `/` or `/path/`.
    pub path: String,
    /// ISO 8601.
    pub create_date: String,
    /// Attached managed policy ARNs.
    #[serde(default)]
    pub attached_policies: Vec<String>,
}

/// A long-term access key (of a user, or of the root when `user_name` is empty).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessKey {
    /// `AKIA…`.
    pub access_key_id: String,
    /// The secret.
    pub secret_access_key: String,
    /// The owner (empty: the root).
    pub user_name: String,
    /// `Active`.
    pub status: String,
    /// ISO 8601.
    pub create_date: String,
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKey")
            .field("access_key_id", &self.access_key_id)
            .field("user_name", &self.user_name)
            .finish_non_exhaustive()
    }
}

/// An IAM role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    /// The name.
    pub role_name: String,
    /// `AROA…`.
    pub role_id: String,
    /// `arn:aws:iam::ACCOUNT:role/PATHNAME`.
    pub arn: String,
    /// `/` or `/path/`.
    pub path: String,
    /// ISO 8601.
    pub create_date: String,
    /// The trust policy (JSON).
    pub assume_role_policy_document: String,
    /// Seconds.
    pub max_session_duration: u64,
}

/// Temporary credentials of a role session (`sts assume-role`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// `ASIA…`.
    pub access_key_id: String,
    /// The secret.
    pub secret_access_key: String,
    /// The session token.
    pub session_token: String,
    /// The role.
    pub role_name: String,
    /// The session name.
    pub session_name: String,
    /// Unix seconds.
    pub expiration: u64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("access_key_id", &self.access_key_id)
            .field("role_name", &self.role_name)
            .field("session_name", &self.session_name)
            .finish_non_exhaustive()
    }
}

/// Random identifiers as AWS shapes them.
pub mod ids {
    /// Uppercase letters and digits.
    const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    fn random(alphabet: &[u8], len: usize) -> String {
        let mut bytes = vec![0u8; len];
        aws_lc_rs::rand::fill(&mut bytes).expect("the system random generator works");
        bytes
            .iter()
            .map(|b| alphabet[usize::from(*b) % alphabet.len()] as char)
            .collect()
    }

    /// `PREFIX` + 16 characters (`AKIA…`, `ASIA…`, 20 in all) or 17 (`AIDA…`, `AROA…`).
    pub fn id(prefix: &str, len: usize) -> String {
        format!("{prefix}{}", random(ALPHANUMERIC, len))
    }

    /// A 40-character secret access key.
    pub fn secret() -> String {
        random(SECRET, 40)
    }

    /// A session token.
    pub fn session_token() -> String {
        format!("IQoJb3JpZ2luX2Vj{}", random(SECRET, 300))
    }

    /// A request id, shaped as AWS's (a UUID).
    pub fn request_id() -> String {
        let hex = random(b"0123456789abcdef", 32);
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }

    /// A 12-digit account id (not starting with 0).
    pub fn account() -> String {
        let digits = random(b"0123456789", 12);
        let first = char::from(b'1' + (digits.as_bytes()[0] - b'0') % 9);
        format!("{first}{}", &digits[1..])
    }
}

/// ISO 8601 as IAM writes dates: `2026-12-04T12:00:00Z`.
pub fn iso8601(t: SystemTime) -> String {
    let stamp = kubeward_authn::iam::token::amz_date(t);
    format!(
        "{}-{}-{}T{}:{}:{}Z",
        &stamp[0..4],
        &stamp[4..6],
        &stamp[6..8],
        &stamp[9..11],
        &stamp[11..13],
        &stamp[13..15]
    )
}

/// The local AWS's objects in the store.
#[derive(Clone)]
pub struct State {
    store: Arc<dyn Store>,
    account_id: String,
}

fn key(resource: &str, name: &str) -> ObjectKey {
    ObjectKey {
        group: GROUP.into(),
        resource: resource.into(),
        namespace: None,
        name: name.into(),
    }
}

fn store_error(e: StoreError) -> AwsError {
    AwsError::internal(e.to_string())
}

fn to_value<T: Serialize>(item: &T) -> serde_json::Value {
    let mut value = serde_json::to_value(item).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.insert("metadata".into(), serde_json::json!({}));
    }
    value
}

fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, AwsError> {
    serde_json::from_value(value).map_err(|e| AwsError::internal(e.to_string()))
}

/// The root key made when the account was created (to write into the credentials file).
pub struct Created {
    /// The account.
    pub account_id: String,
    /// The root's access key.
    pub root_key: AccessKey,
}

impl State {
    /// Opens the state, creating the account and a root access key on the first start.
    pub fn open(
        store: Arc<dyn Store>,
        now: SystemTime,
    ) -> Result<(Self, Option<Created>), AwsError> {
        if let Some(value) = store
            .get(&key("accounts", "default"))
            .map_err(store_error)?
        {
            let account: Account = from_value(value)?;
            return Ok((
                Self {
                    store,
                    account_id: account.account_id,
                },
                None,
            ));
        }
        let account = Account {
            account_id: ids::account(),
        };
        store
            .create(&key("accounts", "default"), to_value(&account))
            .map_err(store_error)?;
        let state = Self {
            store,
            account_id: account.account_id.clone(),
        };
        let root_key = state.new_access_key("", now)?;
        Ok((
            state,
            Some(Created {
                account_id: account.account_id,
                root_key,
            }),
        ))
    }

    /// The account id.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    fn get<T: DeserializeOwned>(&self, resource: &str, name: &str) -> Result<Option<T>, AwsError> {
        self.store
            .get(&key(resource, name))
            .map_err(store_error)?
            .map(from_value)
            .transpose()
    }

    fn list<T: DeserializeOwned>(&self, resource: &str) -> Result<Vec<T>, AwsError> {
        let listing = self
            .store
            .list_all(&ListScope {
                group: GROUP.into(),
                resource: resource.into(),
                namespace: None,
            })
            .map_err(store_error)?;
        listing.items.into_iter().map(from_value).collect()
    }

    fn create<T: Serialize>(&self, resource: &str, name: &str, item: &T) -> Result<(), AwsError> {
        self.store
            .create(&key(resource, name), to_value(item))
            .map(|_| ())
            .map_err(store_error)
    }

    fn delete(&self, resource: &str, name: &str) -> Result<(), AwsError> {
        self.store
            .delete(&key(resource, name), None)
            .map(|_| ())
            .map_err(store_error)
    }

    /// A user by name.
    pub fn user(&self, name: &str) -> Result<Option<User>, AwsError> {
        self.get("users", name)
    }

    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<User>, AwsError> {
        self.list("users")
    }

    /// Creates a user (`EntityAlreadyExists` when the name is taken).
    pub fn create_user(&self, name: &str, path: &str, now: SystemTime) -> Result<User, AwsError> {
        let user = User {
            user_name: name.into(),
            user_id: ids::id("AIDA", 17),
            arn: format!("arn:aws:iam::{}:user{path}{name}", self.account_id),
            path: path.into(),
            create_date: iso8601(now),
            attached_policies: Vec::new(),
        };
        self.store
            .create(&key("users", name), to_value(&user))
            .map_err(|e| match e {
                StoreError::AlreadyExists => {
                    AwsError::already_exists(format!("User with name {name} already exists."))
                }
                other => store_error(other),
            })?;
        Ok(user)
    }

    /// Changes a user's attached policies.
    pub fn set_user_policies(&self, name: &str, policies: Vec<String>) -> Result<(), AwsError> {
        self.store
            .modify(&key("users", name), |mut value| {
                value["attachedPolicies"] = serde_json::json!(policies);
                Ok::<_, StoreError>(value)
            })
            .map(|_| ())
            .map_err(store_error)
    }

    /// Deletes a user.
    pub fn delete_user(&self, name: &str) -> Result<(), AwsError> {
        self.delete("users", name)
    }

    /// Every access key.
    pub fn access_keys(&self) -> Result<Vec<AccessKey>, AwsError> {
        self.list("accesskeys")
    }

    /// An access key by id.
    pub fn access_key(&self, id: &str) -> Result<Option<AccessKey>, AwsError> {
        self.get("accesskeys", id)
    }

    /// A new access key for `user_name` (empty: the root).
    pub fn new_access_key(&self, user_name: &str, now: SystemTime) -> Result<AccessKey, AwsError> {
        let key = AccessKey {
            access_key_id: ids::id("AKIA", 16),
            secret_access_key: ids::secret(),
            user_name: user_name.into(),
            status: "Active".into(),
            create_date: iso8601(now),
        };
        self.create("accesskeys", &key.access_key_id, &key)?;
        Ok(key)
    }

    /// Deletes an access key.
    pub fn delete_access_key(&self, id: &str) -> Result<(), AwsError> {
        self.delete("accesskeys", id)
    }

    /// A role by name.
    pub fn role(&self, name: &str) -> Result<Option<Role>, AwsError> {
        self.get("roles", name)
    }

    /// Creates a role.
    pub fn create_role(
        &self,
        name: &str,
        path: &str,
        trust_policy: &str,
        max_session_duration: u64,
        now: SystemTime,
    ) -> Result<Role, AwsError> {
        let role = Role {
            role_name: name.into(),
            role_id: ids::id("AROA", 17),
            arn: format!("arn:aws:iam::{}:role{path}{name}", self.account_id),
            path: path.into(),
            create_date: iso8601(now),
            assume_role_policy_document: trust_policy.into(),
            max_session_duration,
        };
        self.store
            .create(&key("roles", name), to_value(&role))
            .map_err(|e| match e {
                StoreError::AlreadyExists => {
                    AwsError::already_exists(format!("Role with name {name} already exists."))
                }
                other => store_error(other),
            })?;
        Ok(role)
    }

    /// Temporary credentials for a session of `role`.
    pub fn new_session(
        &self,
        role: &Role,
        session_name: &str,
        duration: Duration,
        now: SystemTime,
    ) -> Result<Session, AwsError> {
        let expiration = (now + duration)
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let session = Session {
            access_key_id: ids::id("ASIA", 16),
            secret_access_key: ids::secret(),
            session_token: ids::session_token(),
            role_name: role.role_name.clone(),
            session_name: session_name.into(),
            expiration,
        };
        self.create("sessions", &session.access_key_id, &session)?;
        Ok(session)
    }

    /// A session by its access key id.
    pub fn session(&self, id: &str) -> Result<Option<Session>, AwsError> {
        self.get("sessions", id)
    }
}

#[cfg(test)]
mod tests;
