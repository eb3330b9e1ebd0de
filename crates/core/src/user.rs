//! The authenticated identity of a request, as `k8s.io/apiserver/pkg/authentication/user.Info`.

use std::collections::BTreeMap;

/// Group every authenticated user belongs to.
pub const ALL_AUTHENTICATED: &str = "system:authenticated";
/// Group of anonymous requests.
pub const ALL_UNAUTHENTICATED: &str = "system:unauthenticated";
/// User name of anonymous requests.
pub const ANONYMOUS: &str = "system:anonymous";
/// Group every ServiceAccount belongs to.
pub const ALL_SERVICE_ACCOUNTS: &str = "system:serviceaccounts";
/// Prefix of ServiceAccount user names: `system:serviceaccount:<namespace>:<name>`.
pub const SERVICE_ACCOUNT_USER_PREFIX: &str = "system:serviceaccount:";
/// Prefix of the per-namespace ServiceAccount group: `system:serviceaccounts:<namespace>`.
pub const SERVICE_ACCOUNT_GROUP_PREFIX: &str = "system:serviceaccounts:";
/// The superuser group bound to `cluster-admin` by the bootstrap policy.
pub const SYSTEM_PRIVILEGED_GROUP: &str = "system:masters";
/// Extra key of the credential that authenticated the user (`X509SHA256=…`, `JTI=…`).
pub const CREDENTIAL_ID_KEY: &str = "authentication.kubernetes.io/credential-id";

/// Who is making a request: name, uid, groups and extra attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserInfo {
    /// The user name, e.g. `minjun` or `system:serviceaccount:dev-team:dev-k8s`.
    pub name: String,
    /// A unique identifier; may be empty.
    pub uid: String,
    /// Group names, in the order the authenticator produced them.
    pub groups: Vec<String>,
    /// Extra attributes (e.g. `authentication.kubernetes.io/credential-id`).
    pub extra: BTreeMap<String, Vec<String>>,
}

impl UserInfo {
    /// A user with a name and groups, no uid and no extra.
    pub fn new(
        name: impl Into<String>,
        groups: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            name: name.into(),
            uid: String::new(),
            groups: groups.into_iter().map(Into::into).collect(),
            extra: BTreeMap::new(),
        }
    }

    /// If this is a ServiceAccount user name, its `(namespace, name)`.
    pub fn service_account(&self) -> Option<(&str, &str)> {
        split_service_account_username(&self.name)
    }
}

/// Splits `system:serviceaccount:<namespace>:<name>` into `(namespace, name)`; `None` for any
/// other user name (including ones with an empty part or an extra colon in the name).
pub fn split_service_account_username(user: &str) -> Option<(&str, &str)> {
    let rest = user.strip_prefix(SERVICE_ACCOUNT_USER_PREFIX)?;
    let (namespace, name) = rest.split_once(':')?;
    if namespace.is_empty() || name.is_empty() || name.contains(':') {
        return None;
    }
    Some((namespace, name))
}

/// The user name of a ServiceAccount: `system:serviceaccount:<namespace>:<name>`.
pub fn service_account_username(namespace: &str, name: &str) -> String {
    format!("{SERVICE_ACCOUNT_USER_PREFIX}{namespace}:{name}")
}

/// The groups kube-apiserver gives a ServiceAccount: `system:serviceaccounts` and
/// `system:serviceaccounts:<namespace>`.
pub fn service_account_groups(namespace: &str) -> [String; 2] {
    [
        ALL_SERVICE_ACCOUNTS.to_string(),
        format!("{SERVICE_ACCOUNT_GROUP_PREFIX}{namespace}"),
    ]
}

/// The user that kube-apiserver's impersonation filter builds for `Impersonate-User: name` with
/// `Impersonate-Group: groups`: a ServiceAccount user without groups gets the ServiceAccount
/// groups; a non-anonymous user gets `system:authenticated` unless `system:authenticated` or
/// `system:unauthenticated` is among its groups; `system:anonymous` gets `system:unauthenticated`.
pub fn impersonated_user(name: &str, groups: Vec<String>) -> UserInfo {
    let mut groups = groups;
    if groups.is_empty()
        && let Some((namespace, _)) = split_service_account_username(name)
    {
        groups = service_account_groups(namespace).to_vec();
    }
    let has = |groups: &[String], wanted: &str| groups.iter().any(|g| g == wanted);
    if name != ANONYMOUS {
        if !has(&groups, ALL_AUTHENTICATED) && !has(&groups, ALL_UNAUTHENTICATED) {
            groups.push(ALL_AUTHENTICATED.to_string());
        }
    } else if !has(&groups, ALL_UNAUTHENTICATED) {
        groups.push(ALL_UNAUTHENTICATED.to_string());
    }
    UserInfo::new(name, groups)
}

#[cfg(test)]
mod tests;
