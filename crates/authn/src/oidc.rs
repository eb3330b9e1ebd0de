//! kube-apiserver's OIDC (JWT) token authenticator, pure: configured by the `--oidc-*` flags or
//! an `AuthenticationConfiguration` file, it picks the issuer whose URL is the token's
//! unverified `iss` (as `hasCorrectIssuer`), verifies the token with that issuer's keys — which
//! the server fetches and hands in with [`OidcAuthenticator::set_keys`] — and maps its claims to
//! a user. Nothing here touches the network or the clock.

pub mod cel;
pub mod claims;
pub mod config;
pub mod discovery;
pub mod trace;
pub mod validation;
pub mod verify;

use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use kubeward_core::UserInfo;
use kubeward_jose::VerificationKey;
use kubeward_jose::jws::{Compact, unverified_payload};

use self::claims::ClaimsError;
use self::config::{AuthenticationConfiguration, ConfigError, OidcFlags};
use self::trace::Trace;
use self::validation::{Compiled, ValidationError};
use self::verify::{Verifier, VerifyError};

/// Every algorithm kube-apiserver allows (`AllValidSigningAlgorithms`): asymmetric only.
pub const ALLOWED_ALGORITHMS: [&str; 9] = [
    "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512",
];

/// Where the JWT authenticators come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtConfig {
    /// The `--oidc-*` flags: one issuer.
    Flags(OidcFlags),
    /// `--authentication-config`: any number of issuers, every allowed algorithm.
    File(AuthenticationConfiguration),
}

/// Why the OIDC configuration cannot be used, or a token is refused.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum OidcError {
    /// The flags or file cannot be read.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// `--oidc-signing-algs` names an algorithm that is not allowed.
    #[error("oidc: unsupported signing alg: {0:?}")]
    UnsupportedAlgorithm(String),
    /// The configuration breaks a rule (field paths as kube-apiserver prints them).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The issuer's keys have not been fetched yet.
    #[error("oidc: authenticator not initialized")]
    NotInitialized,
    /// The token failed verification.
    #[error("oidc: verify token: {0}")]
    Verify(#[from] VerifyError),
    /// The claims do not make a valid user.
    #[error(transparent)]
    Claims(#[from] ClaimsError),
}

/// One configured issuer.
#[derive(Debug)]
pub struct JwtIssuer {
    compiled: Compiled,
    algorithms: Vec<String>,
    keys: RwLock<Option<Arc<Vec<VerificationKey>>>>,
}

impl JwtIssuer {
    /// `issuer.url`: the `iss` its tokens carry.
    pub fn url(&self) -> &str {
        &self.compiled.config.issuer.url
    }

    /// Where its discovery document is: `discoveryURL`, or `{url}/.well-known/openid-configuration`.
    pub fn discovery_url(&self) -> String {
        let issuer = &self.compiled.config.issuer;
        if issuer.discovery_url.is_empty() {
            format!(
                "{}/.well-known/openid-configuration",
                issuer.url.trim_end_matches('/')
            )
        } else {
            issuer.discovery_url.clone()
        }
    }

    /// `certificateAuthority` (or `--oidc-ca-file`) PEM, if set; otherwise the system roots.
    pub fn certificate_authority(&self) -> Option<&str> {
        Some(self.compiled.config.issuer.certificate_authority.as_str()).filter(|s| !s.is_empty())
    }

    /// The audiences its tokens must name (one of).
    pub fn audiences(&self) -> &[String] {
        &self.compiled.config.issuer.audiences
    }

    /// The algorithms its tokens may be signed with.
    pub fn algorithms(&self) -> &[String] {
        &self.algorithms
    }

    /// Its current keys (`None` before the first fetch).
    pub fn keys(&self) -> Option<Arc<Vec<VerificationKey>>> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The checks of this issuer for one token: verification, then the claim mappings.
    pub fn authenticate(&self, token: &str, now: SystemTime) -> Result<UserInfo, OidcError> {
        self.authenticate_traced(token, now, &mut ())
    }

    /// [`Self::authenticate`], reporting every check to `trace` as it runs (for
    /// `kubeward auth explain`; the authenticator passes `()`).
    pub fn authenticate_traced<T: Trace + ?Sized>(
        &self,
        token: &str,
        now: SystemTime,
        trace: &mut T,
    ) -> Result<UserInfo, OidcError> {
        let keys = self.keys().ok_or(OidcError::NotInitialized)?;
        let claims = self.verifier().verify_traced(token, &keys, now, trace)?;
        Ok(claims::map_user_traced(&self.compiled, &claims, trace)?)
    }

    /// Verification only (signature, issuer, audience, times); the claims on success.
    pub fn verify(
        &self,
        token: &str,
        now: SystemTime,
    ) -> Result<serde_json::Map<String, serde_json::Value>, OidcError> {
        let keys = self.keys().ok_or(OidcError::NotInitialized)?;
        Ok(self.verifier().verify(token, &keys, now)?)
    }

    /// The claim mappings and validation rules only, for verified claims.
    pub fn map_claims(
        &self,
        claims: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<UserInfo, OidcError> {
        Ok(claims::map_user(&self.compiled, claims)?)
    }

    fn verifier(&self) -> Verifier<'_> {
        Verifier {
            issuer: self.url(),
            audiences: self.audiences(),
            algorithms: &self.algorithms,
        }
    }
}

/// The JWT authenticators, in configuration order.
#[derive(Debug)]
pub struct OidcAuthenticator {
    issuers: Vec<JwtIssuer>,
}

impl OidcAuthenticator {
    /// Validates the configuration and compiles its CEL. `disallowed_issuers`: the
    /// ServiceAccount issuers, which no JWT issuer may reuse.
    pub fn new(config: &JwtConfig, disallowed_issuers: &[String]) -> Result<Self, OidcError> {
        let (compiled, algorithms) = match config {
            JwtConfig::Flags(flags) => {
                let jwt = flags.to_authenticator()?;
                let algorithms = if flags.signing_algs.is_empty() {
                    vec!["RS256".to_string()]
                } else {
                    flags.signing_algs.clone()
                };
                if let Some(bad) = algorithms
                    .iter()
                    .find(|a| !ALLOWED_ALGORITHMS.contains(&a.as_str()))
                {
                    return Err(OidcError::UnsupportedAlgorithm(bad.clone()));
                }
                let compiled = validation::validate_authenticator(&jwt, disallowed_issuers)?;
                (vec![compiled], algorithms)
            }
            JwtConfig::File(file) => (
                validation::validate_configuration(file, disallowed_issuers)?,
                ALLOWED_ALGORITHMS.iter().map(|a| a.to_string()).collect(),
            ),
        };
        Ok(Self {
            issuers: compiled
                .into_iter()
                .map(|compiled| JwtIssuer {
                    compiled,
                    algorithms: algorithms.clone(),
                    keys: RwLock::new(None),
                })
                .collect(),
        })
    }

    /// The issuers, in configuration order.
    pub fn issuers(&self) -> &[JwtIssuer] {
        &self.issuers
    }

    /// Replaces issuer `index`'s keys (after a JWKS fetch).
    pub fn set_keys(&self, index: usize, keys: Vec<VerificationKey>) {
        if let Some(issuer) = self.issuers.get(index) {
            *issuer.keys.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(keys));
        }
    }

    /// The issuer whose URL is the token's unverified `iss` (kube-apiserver's
    /// `hasCorrectIssuer`; `accounts.google.com` means `https://accounts.google.com`).
    pub fn issuer_for(&self, token: &str) -> Option<(usize, &JwtIssuer)> {
        let payload = unverified_payload(token)?;
        let iss = match payload.get("iss") {
            Some(serde_json::Value::String(iss)) => iss.as_str(),
            None | Some(serde_json::Value::Null) => "",
            Some(_) => return None,
        };
        let iss = if iss == "accounts.google.com" {
            "https://accounts.google.com"
        } else {
            iss
        };
        self.issuers
            .iter()
            .enumerate()
            .find(|(_, i)| i.url() == iss)
    }

    /// Authenticates a bearer token: `Ok(None)` when no issuer claims it (another
    /// authenticator may), the user, or the reason it is refused.
    pub fn authenticate(
        &self,
        token: &str,
        now: SystemTime,
    ) -> Result<Option<UserInfo>, OidcError> {
        match self.issuer_for(token) {
            None => Ok(None),
            Some((_, issuer)) => issuer.authenticate(token, now).map(Some),
        }
    }

    /// The issuer whose keys should be fetched again for `token`: its issuer has no keys yet,
    /// or none with the token's `kid` (a rotated key). `None` when no issuer matches.
    pub fn refresh_hint(&self, token: &str) -> Option<usize> {
        let (index, issuer) = self.issuer_for(token)?;
        let Some(keys) = issuer.keys() else {
            return Some(index);
        };
        let kid = Compact::parse(token).ok()?.key_id().to_string();
        (kid.is_empty() || !keys.iter().any(|k| k.key_id() == kid)).then_some(index)
    }
}

#[cfg(test)]
mod tests;
