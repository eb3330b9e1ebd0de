//! Issuing ServiceAccount tokens: the bound tokens of the TokenRequest API
//! (`pkg/serviceaccount/claims.go` `Claims`) and the legacy tokens the token controller puts in
//! `kubernetes.io/service-account-token` Secrets (`LegacyClaims`).

use std::time::{SystemTime, UNIX_EPOCH};

use kubeward_core::user::service_account_username;
use serde_json::{Map, Value, json};

use crate::service_account::LEGACY_ISSUER;
use kubeward_jose::{KeyError, SigningKey};

/// Why a token could not be issued.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum IssueError {
    /// Signing failed.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// `now` is before 1970 or the expiration does not fit.
    #[error("invalid token lifetime")]
    Time,
}

/// A `{name, uid}` reference to an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.uid`.
    pub uid: String,
}

impl ObjectRef {
    /// A reference to `name` with `uid`.
    pub fn new(name: impl Into<String>, uid: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            uid: uid.into(),
        }
    }
}

/// The object a token is bound to (TokenRequest `spec.boundObjectRef`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoundObject {
    /// A Pod, and the Node it runs on when known (kube-apiserver records it too).
    Pod {
        /// The Pod.
        pod: ObjectRef,
        /// Its Node, if scheduled.
        node: Option<ObjectRef>,
    },
    /// A Secret.
    Secret(ObjectRef),
    /// A Node.
    Node(ObjectRef),
}

/// What a bound token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// `iss`: the first `--service-account-issuer`.
    pub issuer: String,
    /// `aud`: the requested audiences (the API audiences when the request named none).
    pub audiences: Vec<String>,
    /// The ServiceAccount's namespace.
    pub namespace: String,
    /// The ServiceAccount's name and uid.
    pub service_account: ObjectRef,
    /// The bound object, if any.
    pub bound: Option<BoundObject>,
    /// Lifetime in seconds (`spec.expirationSeconds`, already validated and possibly extended).
    pub expiration_seconds: u64,
    /// `kubernetes.io.warnafter` offset in seconds, set by kube-apiserver when it extended the
    /// lifetime of a kubelet's projected token; `None` otherwise.
    pub warn_after_seconds: Option<u64>,
}

/// A signed token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The JWT.
    pub token: String,
    /// `exp`, seconds since the epoch (TokenRequest `status.expirationTimestamp`).
    pub expires_at: i64,
    /// `jti`.
    pub jti: String,
}

/// Signs a bound token with claims exactly as kube-apiserver's: `aud`, `exp`, `iat`, `iss`,
/// `jti` (a random UUID), `kubernetes.io` {`namespace`, `serviceaccount`, [`pod`|`secret`|`node`],
/// [`node`], [`warnafter`]}, `nbf`, `sub`; header `alg` and `kid`.
pub fn issue_token(
    key: &SigningKey,
    request: &TokenRequest,
    now: SystemTime,
) -> Result<IssuedToken, IssueError> {
    issue_with_jti(key, request, now, uuid::Uuid::new_v4().to_string())
}

pub(crate) fn issue_with_jti(
    key: &SigningKey,
    request: &TokenRequest,
    now: SystemTime,
    jti: String,
) -> Result<IssuedToken, IssueError> {
    let now = now
        .duration_since(UNIX_EPOCH)
        .map_err(|_| IssueError::Time)?
        .as_secs();
    let now = i64::try_from(now).map_err(|_| IssueError::Time)?;
    let offset = |seconds: u64| {
        i64::try_from(seconds)
            .ok()
            .and_then(|s| now.checked_add(s))
            .ok_or(IssueError::Time)
    };
    let expires_at = offset(request.expiration_seconds)?;
    let reference = |r: &ObjectRef| json!({ "name": r.name, "uid": r.uid });
    let mut private = Map::new();
    private.insert("namespace".into(), json!(request.namespace));
    private.insert("serviceaccount".into(), reference(&request.service_account));
    match &request.bound {
        Some(BoundObject::Pod { pod, node }) => {
            private.insert("pod".into(), reference(pod));
            if let Some(node) = node {
                private.insert("node".into(), reference(node));
            }
        }
        Some(BoundObject::Secret(secret)) => {
            private.insert("secret".into(), reference(secret));
        }
        Some(BoundObject::Node(node)) => {
            private.insert("node".into(), reference(node));
        }
        None => {}
    }
    if let Some(warn_after) = request.warn_after_seconds {
        private.insert("warnafter".into(), json!(offset(warn_after)?));
    }
    let mut claims = Map::new();
    if !request.audiences.is_empty() {
        claims.insert("aud".into(), json!(request.audiences));
    }
    claims.insert("exp".into(), json!(expires_at));
    claims.insert("iat".into(), json!(now));
    claims.insert("iss".into(), json!(request.issuer));
    claims.insert("jti".into(), json!(jti));
    claims.insert("kubernetes.io".into(), Value::Object(private));
    claims.insert("nbf".into(), json!(now));
    claims.insert(
        "sub".into(),
        json!(service_account_username(
            &request.namespace,
            &request.service_account.name
        )),
    );
    let token = kubeward_jose::jws::sign(&Value::Object(claims), key)?;
    Ok(IssuedToken {
        token,
        expires_at,
        jti,
    })
}

/// Signs a legacy token for a `kubernetes.io/service-account-token` Secret, as the token
/// controller: `iss` `kubernetes/serviceaccount`, the `kubernetes.io/serviceaccount/*` claims and
/// `sub`; no expiry.
pub fn issue_legacy_token(
    key: &SigningKey,
    namespace: &str,
    service_account: &ObjectRef,
    secret_name: &str,
) -> Result<String, IssueError> {
    let claims = json!({
        "iss": LEGACY_ISSUER,
        "kubernetes.io/serviceaccount/namespace": namespace,
        "kubernetes.io/serviceaccount/secret.name": secret_name,
        "kubernetes.io/serviceaccount/service-account.name": service_account.name,
        "kubernetes.io/serviceaccount/service-account.uid": service_account.uid,
        "sub": service_account_username(namespace, &service_account.name),
    });
    Ok(kubeward_jose::jws::sign(&claims, key)?)
}

#[cfg(test)]
mod tests;
