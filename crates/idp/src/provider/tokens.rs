//! Issuing a token response (access and ID tokens signed with the realm's active key, the
//! refresh token with its HS512 secret, as Keycloak does) and verifying the provider's own
//! tokens.

use kubeward_jose::jws::{self, Compact};
use kubeward_jose::secret::HS512;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Provider, ProviderError, new_id};
use crate::flows::claims::{self, TokenContext};
use crate::flows::error::{ErrorCode, OAuthError};
use crate::keyring::Keyring;
use crate::model::Realm;

/// The token endpoint's answer, with Keycloak's fields in Keycloak's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenResponse {
    /// The access token (a JWT).
    pub access_token: String,
    /// Its lifetime in seconds.
    pub expires_in: u64,
    /// The refresh token's lifetime (0 without one).
    pub refresh_expires_in: u64,
    /// The refresh token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// The id token (when `openid` was granted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// Keycloak's not-before policy (0).
    #[serde(rename = "not-before-policy")]
    pub not_before_policy: i64,
    /// The SSO session id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_state: Option<String>,
    /// The granted scope.
    pub scope: String,
}

/// What the refresh token of a response continues.
#[derive(Debug, Clone)]
pub struct RefreshPart {
    /// The new token's `jti` (`family.generation`).
    pub jti: String,
    /// When the session's max lifespan ends.
    pub session_expires: u64,
    /// An offline token (`typ` "Offline").
    pub offline: bool,
}

impl Provider {
    /// Signs the tokens of one response.
    pub fn issue(
        &self,
        ctx: &TokenContext<'_>,
        refresh: Option<RefreshPart>,
    ) -> Result<TokenResponse, ProviderError> {
        let ring = self.keyring(ctx.realm, ctx.now)?;
        let key = ring.active();
        let sign = |claims: &Value| {
            jws::sign_with_type(claims, key, "JWT")
                .map_err(|e| ProviderError::Signing(e.to_string()))
        };
        let access_token = sign(&claims::access_token(ctx, &new_id()))?;
        let id_token = if ctx.scope.split(' ').any(|s| s == "openid") {
            let hash = claims::at_hash(&access_token, key.algorithm().as_str());
            Some(sign(&claims::id_token(ctx, &new_id(), Some(&hash)))?)
        } else {
            None
        };
        let (refresh_token, refresh_expires_in) = match refresh {
            Some(part) => {
                let typ = if part.offline { "Offline" } else { "Refresh" };
                let claims = claims::refresh_token(ctx, &part.jti, part.session_expires, typ);
                let exp = claims["exp"].as_u64().unwrap_or(ctx.now);
                let token = jws::sign_with_secret(&claims, ring.refresh(), "JWT");
                // Keycloak answers 0 for an offline token without a max lifespan.
                let expires_in =
                    if part.offline && !ctx.realm.settings.offline_session_max_lifespan_enabled {
                        0
                    } else {
                        exp.saturating_sub(ctx.now)
                    };
                (Some(token), expires_in)
            }
            None => (None, 0),
        };
        Ok(TokenResponse {
            access_token,
            expires_in: ctx.realm.settings.access_token_lifespan,
            refresh_expires_in,
            refresh_token,
            token_type: "Bearer",
            id_token,
            not_before_policy: 0,
            session_state: (!ctx.session_id.is_empty()).then(|| ctx.session_id.to_string()),
            scope: ctx.scope.to_string(),
        })
    }

    /// Verifies a token of this realm: the signature (by the realm's HS512 secret for refresh
    /// tokens, else by a published key), `typ`, and expiry. The errors are the caller's to
    /// word.
    pub fn verify(
        &self,
        realm: &Realm,
        token: &str,
        typ: &str,
        now: u64,
    ) -> Result<Map<String, Value>, TokenProblem> {
        self.verify_one_of(realm, token, &[typ], now)
    }

    /// [`Provider::verify`] for a token whose `typ` may be any of `types` (introspection),
    /// checking the signature once.
    pub fn verify_one_of(
        &self,
        realm: &Realm,
        token: &str,
        types: &[&str],
        now: u64,
    ) -> Result<Map<String, Value>, TokenProblem> {
        let mut ring = self
            .keyring(realm, now)
            .map_err(|_| TokenProblem::Invalid)?;
        let compact = Compact::parse(token).map_err(|_| TokenProblem::Invalid)?;
        // Only refresh tokens are signed with the secret.
        let secret = compact.algorithm() == HS512;
        if secret && !types.contains(&"Refresh") && !types.contains(&"Offline") {
            return Err(TokenProblem::Invalid);
        }
        let verify = |ring: &Keyring| {
            if secret {
                compact.verify_secret(ring.refresh_verification())
            } else {
                compact.verify(ring.verification())
            }
        };
        let mut verified = verify(&ring);
        if verified.is_err() && self.directory.shared() && !ring.knows(compact.key_id()) {
            // Signed with a key another replica made a moment ago, which this one's watch has
            // not brought yet: read the keys again, once.
            self.forget_keys(&realm.name);
            ring = self
                .keyring(realm, now)
                .map_err(|_| TokenProblem::Invalid)?;
            verified = verify(&ring);
        }
        let payload = verified.map_err(|_| TokenProblem::Invalid)?;
        let claims: Map<String, Value> =
            serde_json::from_slice(payload).map_err(|_| TokenProblem::Invalid)?;
        let typ = claims.get("typ").and_then(Value::as_str).unwrap_or("");
        let refresh = typ == "Refresh" || typ == "Offline";
        if !types.contains(&typ) || secret != refresh {
            return Err(TokenProblem::Invalid);
        }
        let Some(exp) = claims.get("exp").and_then(Value::as_u64) else {
            return Err(TokenProblem::Invalid);
        };
        if now >= exp {
            return Err(TokenProblem::Expired);
        }
        Ok(claims)
    }
}

/// Why a presented token is not good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenProblem {
    /// Unparsable, badly signed, of another type or realm.
    #[error("Invalid token")]
    Invalid,
    /// Past `exp`.
    #[error("Token is not active")]
    Expired,
}

impl TokenProblem {
    /// The token endpoint's refresh_token error.
    pub fn refresh_error(self) -> OAuthError {
        match self {
            Self::Invalid => OAuthError::invalid_grant("Invalid refresh token"),
            Self::Expired => OAuthError::invalid_grant("Token is not active"),
        }
    }

    /// The userinfo / bearer error.
    pub fn bearer_error(self) -> OAuthError {
        OAuthError {
            code: ErrorCode::InvalidToken,
            description: "Token verification failed".to_string(),
            unauthorized: true,
        }
    }
}
