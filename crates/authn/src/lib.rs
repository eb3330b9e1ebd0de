//! kube-apiserver's authentication chain, pure: x509 client certificates (`--client-ca-file`),
//! static tokens (`--token-auth-file`), ServiceAccount tokens (legacy and bound), OIDC ID
//! tokens (`--oidc-*`, `--authentication-config`), EKS-style IAM tokens (`iam`: checked here,
//! verified by STS through a call the server makes), the `system:authenticated` group adder and
//! anonymous requests; and the issuing of ServiceAccount tokens for the TokenRequest API.
//!
//! Pure: the caller hands in the peer certificates, the `Authorization` header, lookups of
//! ServiceAccounts/Secrets/Pods/Nodes, and `now`. No I/O, no clock, no async runtime; the only
//! randomness is the `jti` of issued tokens and the signing nonce of ECDSA.
#![forbid(unsafe_code)]

pub mod cache;
pub mod iam;
pub mod oidc;
pub mod revocation;
pub mod service_account;
pub mod token_file;
pub mod token_request;
pub mod x509;

use std::time::SystemTime;

use kubeward_core::UserInfo;
use kubeward_core::user::{ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS};

pub use kubeward_jose::{
    JwsError, KeyError, SigningKey, VerificationKey, key_id, parse_verification_keys,
};
pub use service_account::{
    LEGACY_ISSUER, LegacyTokenSecret, ServiceAccountAuthenticator, ServiceAccountLookup,
    ServiceAccountTokenError, ServiceAccountUser,
};
pub use token_file::{TokenFile, TokenFileError};
pub use token_request::{
    BoundObject, IssueError, IssuedToken, ObjectRef, TokenRequest, issue_legacy_token, issue_token,
};
pub use x509::{ClientCertAuthenticator, X509Error};

/// What a request presents.
#[derive(Debug, Clone, Copy, Default)]
pub struct Credentials<'a> {
    /// The TLS peer's certificate chain, DER, leaf first; empty when none was sent.
    pub peer_certificates: &'a [Vec<u8>],
    /// The raw value of the `Authorization` header, if any (`Bearer <token>`).
    pub authorization: Option<&'a str>,
}

/// The ServiceAccount token settings (`--service-account-*` flags).
#[derive(Debug, Clone, Default)]
pub struct ServiceAccountConfig {
    /// Accepted issuers (`--service-account-issuer`, repeatable; the first one issues).
    pub issuers: Vec<String>,
    /// PEM public keys (or private keys, whose public half is used) that verify tokens
    /// (`--service-account-key-file`).
    pub verification_keys_pem: Vec<String>,
    /// API audiences (`--api-audiences`); defaults to the issuers.
    pub audiences: Vec<String>,
}

/// The authenticators to run, from kube-apiserver's flags.
#[derive(Debug, Clone, Default)]
pub struct AuthenticatorConfig {
    /// `--client-ca-file` contents (PEM bundle).
    pub client_ca_pem: Option<String>,
    /// `--token-auth-file` contents (CSV).
    pub token_auth_csv: Option<String>,
    /// ServiceAccount tokens.
    pub service_accounts: Option<ServiceAccountConfig>,
    /// `--anonymous-auth`.
    pub anonymous: bool,
    /// JWT authenticators: the `--oidc-*` flags or the `--authentication-config` file.
    pub jwt: Option<oidc::JwtConfig>,
    /// EKS-style IAM tokens (`--aws-iam-*`): verified by STS through a call the server makes.
    pub iam: Option<iam::IamSettings>,
}

/// The result of authenticating a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A user (with `system:authenticated` etc. added), or the anonymous user when no credential
    /// was presented and anonymous auth is on.
    Authenticated(UserInfo),
    /// 401: every presented credential failed, or none was presented and anonymous auth is off.
    /// The reason is for the server log; it never contains the token.
    Unauthorized(String),
}

/// A token that a token authenticator accepted (for TokenReview).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUser {
    /// The user, `system:authenticated` added.
    pub user: UserInfo,
    /// The audiences the token is valid for (empty for audience-agnostic tokens when no
    /// audiences are configured).
    pub audiences: Vec<String>,
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum ConfigError {
    /// Explains what is wrong and where (file, line).
    #[error("{0}")]
    Invalid(String),
}

/// The union of configured authenticators, in kube-apiserver's order.
#[derive(Debug, Clone)]
pub struct Authenticator {
    x509: Option<ClientCertAuthenticator>,
    tokens: Option<TokenFile>,
    service_accounts: Option<ServiceAccountAuthenticator>,
    oidc: Option<std::sync::Arc<oidc::OidcAuthenticator>>,
    iam: Option<std::sync::Arc<iam::Iam>>,
    api_audiences: Vec<String>,
    anonymous: bool,
    warnings: Vec<String>,
    /// Recent successes, shared by the clones of this authenticator.
    cache: std::sync::Arc<cache::ResultCache>,
    /// What the identity providers revoked, shared by the clones of this authenticator.
    revocations: std::sync::Arc<revocation::Revocations>,
}

impl Authenticator {
    /// Builds the chain.
    pub fn new(config: AuthenticatorConfig) -> Result<Self, ConfigError> {
        let x509 = config
            .client_ca_pem
            .as_deref()
            .map(ClientCertAuthenticator::from_pem)
            .transpose()
            .map_err(|e| ConfigError::Invalid(format!("--client-ca-file: {e}")))?;
        let tokens = config
            .token_auth_csv
            .as_deref()
            .map(TokenFile::parse)
            .transpose()
            .map_err(|e| ConfigError::Invalid(format!("--token-auth-file: {e}")))?;
        let mut warnings: Vec<String> = tokens
            .iter()
            .flat_map(|t| {
                t.warnings()
                    .iter()
                    .map(|w| format!("--token-auth-file: {w}"))
            })
            .collect();
        let mut api_audiences = Vec::new();
        let disallowed_issuers = config
            .service_accounts
            .as_ref()
            .map(|sa| sa.issuers.clone())
            .unwrap_or_default();
        let oidc = config
            .jwt
            .as_ref()
            .map(|jwt| {
                let flag = match jwt {
                    oidc::JwtConfig::Flags(_) => "",
                    oidc::JwtConfig::File(_) => "--authentication-config: ",
                };
                oidc::OidcAuthenticator::new(jwt, &disallowed_issuers)
                    .map(std::sync::Arc::new)
                    .map_err(|e| ConfigError::Invalid(format!("{flag}{e}")))
            })
            .transpose()?;
        let iam = config
            .iam
            .map(|settings| {
                let iam = iam::Iam::new(settings.config).map_err(ConfigError::Invalid)?;
                iam.update_mappings(|m| m.file = settings.mapping_file);
                Ok::<_, ConfigError>(std::sync::Arc::new(iam))
            })
            .transpose()?;
        let service_accounts = match config.service_accounts {
            None => None,
            Some(sa) => {
                let mut keys = Vec::new();
                for (index, pem) in sa.verification_keys_pem.iter().enumerate() {
                    keys.extend(parse_verification_keys(pem).map_err(|e| {
                        ConfigError::Invalid(format!(
                            "--service-account-key-file (file {}): {e}",
                            index + 1
                        ))
                    })?);
                }
                if keys.is_empty() {
                    return Err(ConfigError::Invalid(
                        "--service-account-key-file: no keys given to verify ServiceAccount tokens"
                            .into(),
                    ));
                }
                api_audiences = if sa.audiences.is_empty() {
                    sa.issuers.clone()
                } else {
                    sa.audiences
                };
                if sa.issuers.is_empty() {
                    warnings.push(
                        "no --service-account-issuer: only legacy ServiceAccount tokens are accepted"
                            .into(),
                    );
                }
                Some(ServiceAccountAuthenticator::new(
                    sa.issuers,
                    keys,
                    api_audiences.clone(),
                ))
            }
        };
        Ok(Self {
            x509,
            tokens,
            service_accounts,
            oidc,
            iam,
            api_audiences,
            anonymous: config.anonymous,
            warnings,
            cache: std::sync::Arc::default(),
            revocations: std::sync::Arc::default(),
        })
    }

    /// The same chain with another result cache (e.g. one with a zero TTL, which never hits).
    pub fn with_cache(mut self, cache: cache::ResultCache) -> Self {
        self.cache = std::sync::Arc::new(cache);
        self
    }

    /// What the identity providers revoked: the server applies their feeds here, and an ID
    /// token they revoked is refused from the next request on (cached results included).
    pub fn revocations(&self) -> &std::sync::Arc<revocation::Revocations> {
        &self.revocations
    }

    /// The OIDC (JWT) authenticators, if configured: the server fetches their keys and hands
    /// them in with [`oidc::OidcAuthenticator::set_keys`].
    pub fn oidc(&self) -> Option<&std::sync::Arc<oidc::OidcAuthenticator>> {
        self.oidc.as_ref()
    }

    /// The IAM authenticator, if configured: the server sends the STS call of a token not
    /// verified yet ([`iam::Iam::check`], [`iam::Iam::identity`]) and keeps its mappings current.
    pub fn iam(&self) -> Option<&std::sync::Arc<iam::Iam>> {
        self.iam.as_ref()
    }

    /// What kube-apiserver would log as warnings while building the chain.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The API audiences (`--api-audiences`, defaulting to the ServiceAccount issuers).
    pub fn api_audiences(&self) -> &[String] {
        &self.api_audiences
    }

    /// Authenticates one request: client certificate first, then the bearer token; any success
    /// wins. A failed credential makes the request 401 (never anonymous); no credential at all
    /// is anonymous when enabled.
    pub fn authenticate(
        &self,
        credentials: &Credentials<'_>,
        lookup: &dyn ServiceAccountLookup,
        now: SystemTime,
    ) -> Outcome {
        let mut errors = Vec::new();
        if let Some(x509) = &self.x509
            && !credentials.peer_certificates.is_empty()
        {
            let chain: Vec<&[u8]> = credentials
                .peer_certificates
                .iter()
                .map(Vec::as_slice)
                .collect();
            let key = cache::key("x509", &chain);
            if let Some((user, _)) = self.cache.get(&key, now) {
                return Outcome::Authenticated(user);
            }
            match x509.authenticate(credentials.peer_certificates, now) {
                Ok(Some(user)) => {
                    let user = add_authenticated_group(user);
                    self.cache.insert(key, user.clone(), Vec::new(), now);
                    return Outcome::Authenticated(user);
                }
                Ok(None) => {}
                Err(e) => errors.push(e.to_string()),
            }
        }
        if self.has_token_authenticators()
            && let Some(token) = credentials.authorization.and_then(bearer_token)
        {
            match self.authenticate_token(token, None, lookup, now) {
                Ok(found) => return Outcome::Authenticated(found.user),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Outcome::Unauthorized(errors.join("; "));
        }
        if self.anonymous {
            return Outcome::Authenticated(UserInfo::new(ANONYMOUS, [ALL_UNAUTHENTICATED]));
        }
        Outcome::Unauthorized("no credentials provided and anonymous auth is disabled".into())
    }

    /// Authenticates a bearer token with the token authenticators (static tokens, then
    /// ServiceAccount tokens), as a request or a TokenReview does. `audiences`: the audiences
    /// asked for (TokenReview `spec.audiences`), `None` for the API audiences. The error is for
    /// the log and never contains the token.
    pub fn authenticate_token(
        &self,
        token: &str,
        audiences: Option<&[String]>,
        lookup: &dyn ServiceAccountLookup,
        now: SystemTime,
    ) -> Result<TokenUser, String> {
        if let Some(iam) = &self.iam
            && token.starts_with(iam::token::V1_PREFIX)
        {
            // The IAM authenticator's own cache keeps a verified identity for the token's
            // lifetime and maps it afresh when the mappings change: not the 10-second cache.
            return self.authenticate_iam(iam, token, audiences, now);
        }
        self.cache.forget_before(self.revocations.epoch());
        let wanted = audiences.map(|a| a.join("\n"));
        let key = cache::key(
            "token",
            &[
                token.as_bytes(),
                wanted.as_deref().unwrap_or("\0api").as_bytes(),
            ],
        );
        if let Some((user, audiences)) = self.cache.get(&key, now) {
            return Ok(TokenUser { user, audiences });
        }
        let found = self.authenticate_token_uncached(token, audiences, lookup, now)?;
        self.cache
            .insert(key, found.user.clone(), found.audiences.clone(), now);
        Ok(found)
    }

    fn authenticate_token_uncached(
        &self,
        token: &str,
        audiences: Option<&[String]>,
        lookup: &dyn ServiceAccountLookup,
        now: SystemTime,
    ) -> Result<TokenUser, String> {
        let mut errors = Vec::new();
        // Static and OIDC tokens are audience-agnostic: valid for the API audiences only
        // (WrapAudienceAgnosticToken).
        let requested = audiences.unwrap_or(&self.api_audiences);
        let agnostic_audiences: Vec<String> = self
            .api_audiences
            .iter()
            .filter(|a| requested.contains(a))
            .cloned()
            .collect();
        let agnostic_applies = requested.is_empty() || !agnostic_audiences.is_empty();
        if let Some(tokens) = &self.tokens {
            let audiences = agnostic_audiences.clone();
            let applies = agnostic_applies;
            if applies && let Some(user) = tokens.authenticate(token) {
                return Ok(TokenUser {
                    user: add_authenticated_group(user.clone()),
                    audiences,
                });
            }
        }
        if let Some(sa) = &self.service_accounts {
            match sa.authenticate(token, audiences, lookup, now) {
                Ok(Some(found)) => {
                    return Ok(TokenUser {
                        user: add_authenticated_group(found.user),
                        audiences: found.audiences,
                    });
                }
                Ok(None) => {}
                Err(e) => errors.push(e.to_string()),
            }
        }
        if let Some(oidc) = &self.oidc
            && agnostic_applies
        {
            match oidc.authenticate(token, now) {
                Ok(Some(user)) => {
                    if let Some(reason) = self.revoked(token) {
                        return Err(format!("invalid bearer token, {reason}"));
                    }
                    return Ok(TokenUser {
                        user: add_authenticated_group(user),
                        audiences: agnostic_audiences,
                    });
                }
                Ok(None) => {}
                Err(e) => errors.push(e.to_string()),
            }
        }
        if errors.is_empty() {
            return Err("invalid bearer token".into());
        }
        Err(format!("invalid bearer token, {}", errors.join(", ")))
    }

    /// An EKS-style IAM token: audience-agnostic, as a webhook token authenticator; a user only
    /// once STS has vouched for the token (the server makes that call first).
    fn authenticate_iam(
        &self,
        iam: &iam::Iam,
        token: &str,
        audiences: Option<&[String]>,
        now: SystemTime,
    ) -> Result<TokenUser, String> {
        let requested = audiences.unwrap_or(&self.api_audiences);
        let agnostic: Vec<String> = self
            .api_audiences
            .iter()
            .filter(|a| requested.contains(a))
            .cloned()
            .collect();
        if !requested.is_empty() && agnostic.is_empty() {
            return Err("invalid bearer token".into());
        }
        match iam.check(token, now) {
            Ok(iam::Check::Cached(user)) => Ok(TokenUser {
                user: add_authenticated_group(UserInfo::clone(&user)),
                audiences: agnostic,
            }),
            Ok(iam::Check::Call(_)) => Err(format!("invalid bearer token, {}", iam::NOT_VERIFIED)),
            Err(e) => Err(format!("invalid bearer token, {e}")),
        }
    }

    /// Why a verified ID token was revoked by its issuer, if it was.
    fn revoked(&self, token: &str) -> Option<String> {
        if self.revocations.epoch() == 0 {
            return None;
        }
        let claims = kubeward_jose::jws::unverified_payload(token)?;
        self.revocations.refuses(&claims)
    }

    fn has_token_authenticators(&self) -> bool {
        self.tokens.is_some()
            || self.service_accounts.is_some()
            || self.oidc.is_some()
            || self.iam.is_some()
    }
}

/// The token of an `Authorization: Bearer <token>` header, as kube-apiserver's bearertoken
/// authenticator reads it; `None` for other schemes and empty tokens (no credential).
pub fn bearer_token(authorization: &str) -> Option<&str> {
    let auth = authorization.trim();
    let mut parts = auth.splitn(3, ' ');
    let scheme = parts.next()?;
    let token = parts.next()?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return None;
    }
    Some(token)
}

/// kube-apiserver's `AuthenticatedGroupAdder`: appends `system:authenticated` unless the user is
/// `system:anonymous` or already has `system:authenticated` or `system:unauthenticated`.
pub fn add_authenticated_group(mut user: UserInfo) -> UserInfo {
    if user.name != ANONYMOUS
        && !user
            .groups
            .iter()
            .any(|g| g == ALL_AUTHENTICATED || g == ALL_UNAUTHENTICATED)
    {
        user.groups.push(ALL_AUTHENTICATED.to_string());
    }
    user
}

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

#[cfg(test)]
mod fuzz;
