//! ServiceAccount token verification, as kube-apiserver's two JWT token authenticators: the
//! legacy one (issuer `kubernetes/serviceaccount`, Secret-based tokens) and the bound one (the
//! `--service-account-issuer`s, TokenRequest tokens), both with ServiceAccount lookup on.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kubeward_core::UserInfo;
use kubeward_core::user::{
    CREDENTIAL_ID_KEY, service_account_groups, service_account_username,
    split_service_account_username,
};
use serde_json::{Map, Value};

use kubeward_jose::VerificationKey;
use kubeward_jose::jws::{Compact, JwsError, unverified_payload};

/// What the legacy-token validator needs of a `kubernetes.io/service-account-token` Secret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LegacyTokenSecret {
    /// `data.token`, decoded.
    pub token: Vec<u8>,
    /// The value of the `kubernetes.io/legacy-token-invalid-since` label, if set.
    pub invalid_since: Option<String>,
}

/// Objects the ServiceAccount authenticator must find (in the API server's store). An object
/// that is being deleted (deletionTimestamp more than a minute ago) counts as absent.
pub trait ServiceAccountLookup {
    /// The uid of ServiceAccount `namespace/name`, if it exists (and is not being deleted).
    fn service_account_uid(&self, namespace: &str, name: &str) -> Option<String>;
    /// The uid of Secret `namespace/name`, if it exists.
    fn secret_uid(&self, namespace: &str, name: &str) -> Option<String>;
    /// The uid of Pod `namespace/name`, if it exists.
    fn pod_uid(&self, namespace: &str, name: &str) -> Option<String>;
    /// The uid of Node `name`, if it exists (for Node-bound tokens). The default finds none, so
    /// Node-bound tokens are rejected.
    fn node_uid(&self, name: &str) -> Option<String> {
        let _ = name;
        None
    }
    /// Secret `namespace/name` of a legacy token: its token and invalidation label, if it exists
    /// and is not being deleted. The default finds none, so legacy tokens are rejected; implement
    /// it to accept them as kube-apiserver does.
    fn legacy_token_secret(&self, namespace: &str, name: &str) -> Option<LegacyTokenSecret> {
        let _ = (namespace, name);
        None
    }
}

/// The issuer of legacy (Secret-based) ServiceAccount tokens.
pub const LEGACY_ISSUER: &str = "kubernetes/serviceaccount";
/// Extra key: the pod a bound token is bound to.
pub const POD_NAME_KEY: &str = "authentication.kubernetes.io/pod-name";
/// Extra key: the uid of the pod a bound token is bound to.
pub const POD_UID_KEY: &str = "authentication.kubernetes.io/pod-uid";
/// Extra key: the node a bound token is bound to (or whose pod it is bound to).
pub const NODE_NAME_KEY: &str = "authentication.kubernetes.io/node-name";
/// Extra key: the uid of that node.
pub const NODE_UID_KEY: &str = "authentication.kubernetes.io/node-uid";
/// The label that marks a legacy token Secret as invalid.
pub const INVALID_SINCE_LABEL: &str = "kubernetes.io/legacy-token-invalid-since";

/// go-jose's `jwt.DefaultLeeway`, applied to `exp`, `nbf` and `iat`.
const LEEWAY: Duration = Duration::from_secs(60);

/// Why a ServiceAccount token was rejected (kube-apiserver's wording, for the log).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServiceAccountTokenError {
    /// Malformed token or bad signature.
    #[error(transparent)]
    Jws(#[from] JwsError),
    /// The verified issuer is not accepted.
    #[error("token issuer {0:?} is invalid")]
    InvalidIssuer(String),
    /// The token's audiences do not meet the API audiences.
    #[error("token audiences {token:?} is invalid for the target audiences {target:?}")]
    Audience {
        /// `aud` of the token.
        token: Vec<String>,
        /// The audiences asked for.
        target: Vec<String>,
    },
    /// A claim has the wrong JSON type.
    #[error("{0}")]
    InvalidClaims(String),
    /// `exp` is more than a minute in the past.
    #[error("service account token has expired")]
    Expired,
    /// `nbf` is more than a minute in the future.
    #[error("service account token is not valid yet")]
    NotValidYet,
    /// `iat` is more than a minute in the future.
    #[error("service account token is issued in the future")]
    IssuedInTheFuture,
    /// The ServiceAccount does not exist (or is being deleted).
    #[error("serviceaccounts \"{name}\" not found")]
    ServiceAccountNotFound {
        /// Namespace of the claim.
        namespace: String,
        /// Name of the claim.
        name: String,
    },
    /// The ServiceAccount was recreated.
    #[error("service account UID ({actual}) does not match claim ({claim})")]
    ServiceAccountUid {
        /// The uid in the store.
        actual: String,
        /// The uid in the token.
        claim: String,
    },
    /// The bound Secret, Pod or Node is gone.
    #[error("service account token has been invalidated")]
    Invalidated,
    /// The bound Secret was recreated.
    #[error("secret UID ({actual}) does not match service account secret ref claim ({claim})")]
    SecretUid {
        /// The uid in the store.
        actual: String,
        /// The uid in the token.
        claim: String,
    },
    /// The bound Pod was recreated.
    #[error("pod UID ({actual}) does not match service account pod ref claim ({claim})")]
    PodUid {
        /// The uid in the store.
        actual: String,
        /// The uid in the token.
        claim: String,
    },
    /// The bound Node was recreated.
    #[error("node UID ({actual}) does not match service account node ref claim ({claim})")]
    NodeUid {
        /// The uid in the store.
        actual: String,
        /// The uid in the token.
        claim: String,
    },
    /// A legacy token lacks a claim (`sub claim is missing`, …).
    #[error("{0} claim is missing")]
    LegacyClaimMissing(&'static str),
    /// A legacy token's `sub` disagrees with its other claims.
    #[error("sub claim is invalid")]
    LegacySubjectInvalid,
    /// A legacy token's Secret is gone.
    #[error("Token has been invalidated")]
    LegacyInvalidated,
    /// A legacy token is not the one its Secret holds.
    #[error("Token does not match server's copy")]
    LegacyTokenMismatch,
    /// A legacy token's ServiceAccount was recreated.
    #[error("ServiceAccount UID ({actual}) does not match claim ({claim})")]
    LegacyServiceAccountUid {
        /// The uid in the store.
        actual: String,
        /// The uid in the token.
        claim: String,
    },
    /// A legacy token's Secret carries the `kubernetes.io/legacy-token-invalid-since` label.
    #[error(
        "the token in secret {namespace}/{secret} for service account {namespace}/{service_account} has been marked invalid. Use tokens from the TokenRequest API or manually created secret-based tokens, or remove the 'kubernetes.io/legacy-token-invalid-since' label from the secret to temporarily allow use of this token"
    )]
    LegacyMarkedInvalid {
        /// Namespace.
        namespace: String,
        /// Secret name.
        secret: String,
        /// ServiceAccount name.
        service_account: String,
    },
}

/// An authenticated ServiceAccount token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccountUser {
    /// The user (without `system:authenticated`; the union adds it).
    pub user: UserInfo,
    /// The audiences the token was accepted for (the token's `aud` ∩ the requested ones).
    pub audiences: Vec<String>,
}

/// Verifies ServiceAccount tokens (legacy and bound).
#[derive(Debug, Clone)]
pub struct ServiceAccountAuthenticator {
    issuers: Vec<String>,
    keys: Vec<VerificationKey>,
    api_audiences: Vec<String>,
}

impl ServiceAccountAuthenticator {
    /// `issuers`: `--service-account-issuer` values; `keys`: `--service-account-key-file`;
    /// `api_audiences`: `--api-audiences` (kube-apiserver defaults them to the issuers).
    pub fn new(
        issuers: Vec<String>,
        keys: Vec<VerificationKey>,
        api_audiences: Vec<String>,
    ) -> Self {
        Self {
            issuers,
            keys,
            api_audiences,
        }
    }

    /// The API audiences.
    pub fn api_audiences(&self) -> &[String] {
        &self.api_audiences
    }

    /// Authenticates `token`. `Ok(None)`: not a token of these issuers (not ours, as
    /// kube-apiserver's `hasCorrectIssuer`); `Err`: ours but rejected. `audiences`: the audiences
    /// asked for (a TokenReview's `spec.audiences`), `None` for the API audiences.
    pub fn authenticate(
        &self,
        token: &str,
        audiences: Option<&[String]>,
        lookup: &dyn ServiceAccountLookup,
        now: SystemTime,
    ) -> Result<Option<ServiceAccountUser>, ServiceAccountTokenError> {
        let Some(unverified) = unverified_payload(token) else {
            return Ok(None);
        };
        let issuer = match unverified.get("iss") {
            None | Some(Value::Null) => "",
            Some(Value::String(iss)) => iss.as_str(),
            Some(_) => return Ok(None),
        };
        let legacy = issuer == LEGACY_ISSUER && !self.keys.is_empty();
        let bound = self.issuers.iter().any(|i| i == issuer);
        let requested = audiences.unwrap_or(&self.api_audiences);
        let mut result = Ok(None);
        if legacy {
            result = self
                .verify(token, &[LEGACY_ISSUER.to_string()], requested)
                .and_then(|(claims, auds)| {
                    legacy_validate(token, &claims, lookup).map(|user| (user, auds))
                })
                .map(|(user, audiences)| Some(ServiceAccountUser { user, audiences }));
            if matches!(result, Ok(Some(_))) {
                return result;
            }
        }
        if bound {
            result = self
                .verify(token, &self.issuers, requested)
                .and_then(|(claims, auds)| {
                    bound_validate(&claims, lookup, now).map(|user| (user, auds))
                })
                .map(|(user, audiences)| Some(ServiceAccountUser { user, audiences }));
        }
        result
    }

    /// Signature, issuer and audience checks of `jwtTokenAuthenticator.AuthenticateToken`.
    fn verify(
        &self,
        token: &str,
        issuers: &[String],
        requested: &[String],
    ) -> Result<(Map<String, Value>, Vec<String>), ServiceAccountTokenError> {
        let compact = Compact::parse(token)?;
        let payload = compact.verify(&self.keys)?;
        let claims: Map<String, Value> = serde_json::from_slice(payload)
            .map_err(|e| ServiceAccountTokenError::InvalidClaims(format!("json: {e}")))?;
        let issuer = string_claim(&claims, "iss")?;
        if !issuers.contains(&issuer) {
            return Err(ServiceAccountTokenError::InvalidIssuer(issuer));
        }
        let mut token_audiences = audience_claim(&claims)?;
        if token_audiences.is_empty() {
            // Legacy tokens have no audience: only the API audiences are allowed.
            token_audiences = self.api_audiences.clone();
        }
        let audiences: Vec<String> = token_audiences
            .iter()
            .filter(|a| requested.contains(a))
            .cloned()
            .collect();
        if audiences.is_empty() && !self.api_audiences.is_empty() {
            return Err(ServiceAccountTokenError::Audience {
                token: token_audiences,
                target: requested.to_vec(),
            });
        }
        Ok((claims, audiences))
    }
}

/// The validator of bound tokens (`pkg/serviceaccount/claims.go`).
fn bound_validate(
    claims: &Map<String, Value>,
    lookup: &dyn ServiceAccountLookup,
    now: SystemTime,
) -> Result<UserInfo, ServiceAccountTokenError> {
    // Decode the whole claim set first, as go-jose does before the validator runs.
    let expiry = numeric_date(claims, "exp")?;
    let not_before = numeric_date(claims, "nbf")?;
    let issued_at = numeric_date(claims, "iat")?;
    let jti = string_claim(claims, "jti")?;
    string_claim(claims, "sub")?;
    let private = object(claims.get("kubernetes.io"), "kubernetes.io")?;
    let namespace = string_claim(&private, "namespace")?;
    let service_account = reference(&private, "serviceaccount")?.unwrap_or_default();
    let pod = reference(&private, "pod")?;
    let secret = reference(&private, "secret")?;
    let node = reference(&private, "node")?;
    numeric_date(&private, "warnafter")?;

    let later = now.checked_add(LEEWAY).unwrap_or(now);
    if let Some(nbf) = not_before
        && later < nbf
    {
        return Err(ServiceAccountTokenError::NotValidYet);
    }
    if let Some(exp) = expiry
        && now.checked_sub(LEEWAY).unwrap_or(UNIX_EPOCH) > exp
    {
        return Err(ServiceAccountTokenError::Expired);
    }
    if let Some(iat) = issued_at
        && later < iat
    {
        return Err(ServiceAccountTokenError::IssuedInTheFuture);
    }

    let actual = lookup
        .service_account_uid(&namespace, &service_account.name)
        .ok_or_else(|| ServiceAccountTokenError::ServiceAccountNotFound {
            namespace: namespace.clone(),
            name: service_account.name.clone(),
        })?;
    if actual != service_account.uid {
        return Err(ServiceAccountTokenError::ServiceAccountUid {
            actual,
            claim: service_account.uid,
        });
    }
    if let Some(secret) = &secret {
        let actual = lookup
            .secret_uid(&namespace, &secret.name)
            .ok_or(ServiceAccountTokenError::Invalidated)?;
        if actual != secret.uid {
            return Err(ServiceAccountTokenError::SecretUid {
                actual,
                claim: secret.uid.clone(),
            });
        }
    }
    let mut user = UserInfo::new(
        service_account_username(&namespace, &service_account.name),
        service_account_groups(&namespace),
    );
    user.uid = service_account.uid;
    if let Some(pod) = &pod {
        let actual = lookup
            .pod_uid(&namespace, &pod.name)
            .ok_or(ServiceAccountTokenError::Invalidated)?;
        if actual != pod.uid {
            return Err(ServiceAccountTokenError::PodUid {
                actual,
                claim: pod.uid.clone(),
            });
        }
        if !pod.name.is_empty() && !pod.uid.is_empty() {
            user.extra
                .insert(POD_NAME_KEY.to_string(), vec![pod.name.clone()]);
            user.extra
                .insert(POD_UID_KEY.to_string(), vec![pod.uid.clone()]);
        }
    }
    if let Some(node) = node {
        if pod.is_none() {
            let actual = lookup
                .node_uid(&node.name)
                .ok_or(ServiceAccountTokenError::Invalidated)?;
            if actual != node.uid {
                return Err(ServiceAccountTokenError::NodeUid {
                    actual,
                    claim: node.uid,
                });
            }
        }
        if !node.name.is_empty() {
            user.extra
                .insert(NODE_NAME_KEY.to_string(), vec![node.name]);
            if !node.uid.is_empty() {
                user.extra.insert(NODE_UID_KEY.to_string(), vec![node.uid]);
            }
        }
    }
    if !jti.is_empty() {
        user.extra
            .insert(CREDENTIAL_ID_KEY.to_string(), vec![format!("JTI={jti}")]);
    }
    Ok(user)
}

/// The validator of legacy tokens (`pkg/serviceaccount/legacy.go`), lookup on.
fn legacy_validate(
    token: &str,
    claims: &Map<String, Value>,
    lookup: &dyn ServiceAccountLookup,
) -> Result<UserInfo, ServiceAccountTokenError> {
    use ServiceAccountTokenError::LegacyClaimMissing as Missing;
    let subject = string_claim(claims, "sub")?;
    let service_account =
        string_claim(claims, "kubernetes.io/serviceaccount/service-account.name")?;
    let uid = string_claim(claims, "kubernetes.io/serviceaccount/service-account.uid")?;
    let secret_name = string_claim(claims, "kubernetes.io/serviceaccount/secret.name")?;
    let namespace = string_claim(claims, "kubernetes.io/serviceaccount/namespace")?;
    if subject.is_empty() {
        return Err(Missing("sub"));
    }
    if namespace.is_empty() {
        return Err(Missing("namespace"));
    }
    if secret_name.is_empty() {
        return Err(Missing("secretName"));
    }
    if service_account.is_empty() {
        return Err(Missing("serviceAccountName"));
    }
    if uid.is_empty() {
        return Err(Missing("serviceAccountUID"));
    }
    match split_service_account_username(&subject) {
        Some((ns, name)) if ns == namespace && name == service_account => {}
        _ => return Err(ServiceAccountTokenError::LegacySubjectInvalid),
    }
    let secret = lookup
        .legacy_token_secret(&namespace, &secret_name)
        .ok_or(ServiceAccountTokenError::LegacyInvalidated)?;
    if !constant_time_eq(&secret.token, token.as_bytes()) {
        return Err(ServiceAccountTokenError::LegacyTokenMismatch);
    }
    let actual = lookup
        .service_account_uid(&namespace, &service_account)
        .ok_or_else(|| ServiceAccountTokenError::ServiceAccountNotFound {
            namespace: namespace.clone(),
            name: service_account.clone(),
        })?;
    if actual != uid {
        return Err(ServiceAccountTokenError::LegacyServiceAccountUid { actual, claim: uid });
    }
    if secret
        .invalid_since
        .as_deref()
        .is_some_and(|s| !s.is_empty())
    {
        return Err(ServiceAccountTokenError::LegacyMarkedInvalid {
            namespace,
            secret: secret_name,
            service_account,
        });
    }
    let mut user = UserInfo::new(
        service_account_username(&namespace, &service_account),
        service_account_groups(&namespace),
    );
    user.uid = uid;
    Ok(user)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Debug, Clone, Default)]
struct Ref {
    name: String,
    uid: String,
}

fn type_error(claim: &str, want: &str) -> ServiceAccountTokenError {
    ServiceAccountTokenError::InvalidClaims(format!(
        "json: cannot unmarshal claim {claim:?} into Go value of type {want}"
    ))
}

/// A string claim; absent or null is empty.
fn string_claim(
    claims: &Map<String, Value>,
    name: &str,
) -> Result<String, ServiceAccountTokenError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(type_error(name, "string")),
    }
}

/// `aud`: a string or an array of strings.
fn audience_claim(claims: &Map<String, Value>) -> Result<Vec<String>, ServiceAccountTokenError> {
    match claims.get("aud") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                _ => Err(type_error("aud", "string")),
            })
            .collect(),
        Some(_) => Err(type_error("aud", "jwt.Audience")),
    }
}

/// A NumericDate claim (seconds since the epoch, fractions truncated).
fn numeric_date(
    claims: &Map<String, Value>,
    name: &str,
) -> Result<Option<SystemTime>, ServiceAccountTokenError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            let seconds = n
                .as_i64()
                .or_else(|| n.as_f64().map(|f| f as i64))
                .ok_or_else(|| type_error(name, "jwt.NumericDate"))?;
            let time = if seconds >= 0 {
                UNIX_EPOCH.checked_add(Duration::from_secs(seconds.unsigned_abs()))
            } else {
                UNIX_EPOCH.checked_sub(Duration::from_secs(seconds.unsigned_abs()))
            };
            Ok(Some(time.unwrap_or(UNIX_EPOCH)))
        }
        Some(_) => Err(type_error(name, "jwt.NumericDate")),
    }
}

fn object(
    value: Option<&Value>,
    name: &str,
) -> Result<Map<String, Value>, ServiceAccountTokenError> {
    match value {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(_) => Err(type_error(name, "object")),
    }
}

/// `{name, uid}` under `name`; `None` when absent or null.
fn reference(
    claims: &Map<String, Value>,
    name: &str,
) -> Result<Option<Ref>, ServiceAccountTokenError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => {
            let map = object(Some(value), name)?;
            Ok(Some(Ref {
                name: string_claim(&map, "name")?,
                uid: string_claim(&map, "uid")?,
            }))
        }
    }
}

#[cfg(test)]
mod tests;
