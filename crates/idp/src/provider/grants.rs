//! The token endpoint: client authentication, then the grant named by `grant_type`, as Keycloak
//! answers each (descriptions and status codes included).

use serde_json::Value;

use super::lifetimes::{lifetimes, session_lifetimes};
use super::request::{DEVICE_GRANT, TokenRequest};
use super::tokens::{RefreshPart, TokenResponse};
use super::{EventFacts, Provider, new_id};
use crate::directory::Write;
use crate::flows::claims::{self, TokenContext};
use crate::flows::client_auth;
use crate::flows::codes::CodeOutcome;
use crate::flows::error::{ErrorCode, OAuthError};
use crate::flows::refresh::{REUSE_DETECTED as REFRESH_REUSE, Redeemed, Session, TokenId};
use crate::model::{CONFIGURE_TOTP, Client, Realm, UPDATE_PASSWORD, User};

/// The enabled user a session belongs to (`invalid_grant` "User disabled" otherwise).
fn session_user<'r>(realm: &'r Realm, session: &Session) -> Result<&'r User, OAuthError> {
    realm
        .user(&session.user_id)
        .filter(|u| u.enabled)
        .ok_or_else(|| OAuthError::invalid_grant("User disabled"))
}

/// Keycloak's event type of a grant (`LOGIN`, `CODE_TO_TOKEN`, …), or of its failure.
fn event_type(grant_type: &str, failed: bool) -> &'static str {
    match (grant_type, failed) {
        ("password", false) => "LOGIN",
        ("password", true) => "LOGIN_ERROR",
        ("client_credentials", false) => "CLIENT_LOGIN",
        ("client_credentials", true) => "CLIENT_LOGIN_ERROR",
        ("refresh_token", false) => "REFRESH_TOKEN",
        ("refresh_token", true) => "REFRESH_TOKEN_ERROR",
        ("authorization_code", false) => "CODE_TO_TOKEN",
        ("authorization_code", true) => "CODE_TO_TOKEN_ERROR",
        (_, false) => "OAUTH2_DEVICE_CODE_TO_TOKEN",
        (_, true) => "OAUTH2_DEVICE_CODE_TO_TOKEN_ERROR",
    }
}

/// Keycloak's refusal of an offline token to a user or client without `offline_access`.
fn offline_refused() -> OAuthError {
    OAuthError::new(
        ErrorCode::NotAllowed,
        "Offline tokens not allowed for the user or client",
    )
}

/// Whether the token of `client` for `user` with `scope` asks for an offline token, and may.
fn wants_offline(
    realm: &Realm,
    client: &Client,
    user: &User,
    scope: &str,
    now: u64,
) -> Result<bool, OAuthError> {
    if !claims::has_scope(scope, crate::defaults::OFFLINE_SCOPE) {
        return Ok(false);
    }
    let ctx = TokenContext {
        issuer: "",
        realm,
        client,
        user,
        session_id: "",
        auth_time: None,
        nonce: None,
        scope,
        now,
    };
    let roles = claims::token_roles(&ctx);
    if !roles
        .realm
        .iter()
        .any(|r| r == crate::defaults::OFFLINE_ACCESS)
    {
        return Err(offline_refused());
    }
    Ok(true)
}

impl Provider {
    /// Authenticates the client of a request (token, introspection, revocation endpoints).
    pub fn authenticate_client<'r>(
        &self,
        realm: &'r Realm,
        request: &TokenRequest,
    ) -> Result<&'r Client, OAuthError> {
        let presented = client_auth::presented(
            request.authorization.as_deref(),
            request.get("client_id"),
            request.get("client_secret"),
        )?;
        client_auth::authenticate(realm, &presented)
    }

    /// Answers a token request.
    pub fn token(
        &self,
        realm_name: &str,
        issuer: &str,
        request: &TokenRequest,
        now: u64,
    ) -> Result<TokenResponse, OAuthError> {
        let realm = self
            .realm(realm_name)
            .map_err(|_| OAuthError::invalid_request("Realm does not exist"))?;
        let grant_type = request
            .get("grant_type")
            .filter(|g| !g.is_empty())
            .ok_or_else(|| OAuthError::invalid_request("Missing form parameter: grant_type"))?;
        let known = [
            "password",
            "client_credentials",
            "refresh_token",
            "authorization_code",
            DEVICE_GRANT,
        ];
        if !known.contains(&grant_type) {
            return Err(OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                "Unsupported grant_type",
            ));
        }
        let client = match self.authenticate_client(&realm, request) {
            Ok(client) => client,
            Err(e) => {
                let facts = EventFacts {
                    client: request.get("client_id"),
                    error: Some("invalid_client_credentials"),
                    details: vec![("grant_type", grant_type.to_string())],
                    ..EventFacts::default()
                };
                self.log_event(&realm, event_type(grant_type, true), facts, now);
                return Err(e);
            }
        };
        let answer = match grant_type {
            "password" => self.password_grant(&realm, issuer, client, request, now),
            "client_credentials" => {
                self.client_credentials_grant(&realm, issuer, client, request, now)
            }
            "refresh_token" => self.refresh_grant(&realm, issuer, client, request, now),
            "authorization_code" => self.code_grant(&realm, issuer, client, request, now),
            _ => self.device_grant(&realm, issuer, client, request, now),
        };
        if realm.events.events_enabled || self.has_listeners() {
            self.log_grant(&realm, grant_type, client, request, &answer, now);
        }
        answer
    }

    /// Records the login event of a token request.
    fn log_grant(
        &self,
        realm: &Realm,
        grant_type: &str,
        client: &Client,
        request: &TokenRequest,
        answer: &Result<TokenResponse, OAuthError>,
        now: u64,
    ) {
        let mut details = vec![("grant_type", grant_type.to_string())];
        if let Some(u) = request.get("username") {
            details.push(("username", u.to_string()));
        }
        let claims = answer
            .as_ref()
            .ok()
            .and_then(|r| kubeward_jose::jws::unverified_payload(&r.access_token))
            .unwrap_or_default();
        let user = claims.get("sub").and_then(Value::as_str);
        let error = answer.as_ref().err().map(|e| match e.description.as_str() {
            "Invalid user credentials" => "invalid_user_credentials",
            "Code not valid" => "invalid_code",
            "Invalid refresh token"
            | "Token is not active"
            | "Session not active"
            | REFRESH_REUSE => "invalid_token",
            _ => "invalid_request",
        });
        if let Err(e) = answer {
            // Keycloak's `reason` detail: what the error answer said.
            details.push(("reason", e.description.clone()));
        }
        let facts = EventFacts {
            client: Some(&client.client_id),
            user,
            session: answer
                .as_ref()
                .ok()
                .and_then(|r| r.session_state.as_deref()),
            error,
            details,
        };
        self.log_event(realm, event_type(grant_type, error.is_some()), facts, now);
    }

    fn password_grant(
        &self,
        realm: &Realm,
        issuer: &str,
        client: &Client,
        request: &TokenRequest,
        now: u64,
    ) -> Result<TokenResponse, OAuthError> {
        if !client.direct_access_grants_enabled {
            return Err(OAuthError::new(
                ErrorCode::UnauthorizedClient,
                "Client not allowed for direct access grants",
            ));
        }
        let scope = claims::grant_scope(realm, client, request.get("scope"))?;
        let username = request.require("username")?;
        let password = request.get("password").unwrap_or("");
        let user = self.check_password(realm, username, password, now)?;
        if user
            .required_actions
            .iter()
            .any(|a| a == CONFIGURE_TOTP || a == UPDATE_PASSWORD)
        {
            return Err(OAuthError::invalid_grant("Account is not fully set up"));
        }
        if let Some(secret) = &user.totp_secret {
            let code = request.get("totp").unwrap_or("");
            if !crate::flows::totp::verify(secret, code, now) {
                return Err(OAuthError::invalid_user_credentials());
            }
        }
        let mut session = Session::new(new_id(), user.id.clone(), now, now);
        session.offline = wants_offline(realm, client, user, &scope, now)?;
        self.start_session_tokens(realm, issuer, client, user, session, &scope, None, now)
    }

    /// Stores a new session with a family for `client` and issues its first tokens.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn start_session_tokens(
        &self,
        realm: &Realm,
        issuer: &str,
        client: &Client,
        user: &User,
        mut session: Session,
        scope: &str,
        nonce: Option<&str>,
        now: u64,
    ) -> Result<TokenResponse, OAuthError> {
        let family = new_id();
        let jti = session.start_family(family, &client.client_id, scope, now);
        self.directory
            .create_session(&realm.name, &session)
            .map_err(super::ProviderError::from)?;
        self.issue_session_tokens(
            realm, issuer, client, user, &session, jti, scope, nonce, now,
        )
    }

    /// Starts `family` for `client` in the existing, still active session `session_id` (a
    /// browser login redeemed by the code or device grant), writes it at once and issues its
    /// first tokens.
    #[allow(clippy::too_many_arguments)]
    fn continue_session_tokens(
        &self,
        realm: &Realm,
        issuer: &str,
        client: &Client,
        session_id: &str,
        family: String,
        scope: &str,
        nonce: Option<&str>,
        now: u64,
    ) -> Result<TokenResponse, OAuthError> {
        let life = lifetimes(realm);
        let Some(online) = self
            .directory
            .session(&realm.name, session_id)
            .map_err(super::ProviderError::from)?
            .filter(|s| s.active(life, now))
        else {
            return Err(OAuthError::invalid_grant("Session not active"));
        };
        let user = session_user(realm, &online)?;
        if wants_offline(realm, client, user, scope, now)? {
            // An offline session of its own, which logout of the SSO session leaves alone.
            let mut offline = Session::new(new_id(), online.user_id.clone(), online.auth_time, now);
            offline.offline = true;
            return self
                .start_session_tokens(realm, issuer, client, user, offline, scope, nonce, now);
        }
        let started = self
            .directory
            .modify_session(&realm.name, session_id, |session| {
                if !session.active(life, now) {
                    return (None, Write::No);
                }
                let jti = session.start_family(family.clone(), &client.client_id, scope, now);
                (Some((jti, session.clone())), Write::Now)
            })
            .map_err(super::ProviderError::from)?
            .flatten();
        let Some((jti, session)) = started else {
            return Err(OAuthError::invalid_grant("Session not active"));
        };
        self.issue_session_tokens(
            realm, issuer, client, user, &session, jti, scope, nonce, now,
        )
    }

    /// Revokes one refresh family of a session (a replayed code, RFC 7009 revocation); the
    /// revocation is written before this returns. A missing session or family is no error.
    pub(crate) fn revoke_family(&self, realm: &Realm, session_id: &str, family: &str) {
        let _ = self.directory.modify_session(&realm.name, session_id, |s| {
            let changed = s.revoke_family(family);
            ((), if changed { Write::Now } else { Write::No })
        });
    }

    /// The tokens of `session` for `client`: access and ID tokens, and the refresh token `jti`
    /// of one of the session's families, which lives until the session ends.
    #[allow(clippy::too_many_arguments)]
    fn issue_session_tokens(
        &self,
        realm: &Realm,
        issuer: &str,
        client: &Client,
        user: &User,
        session: &Session,
        jti: String,
        scope: &str,
        nonce: Option<&str>,
        now: u64,
    ) -> Result<TokenResponse, OAuthError> {
        let ctx = TokenContext {
            issuer,
            realm,
            client,
            user,
            session_id: &session.id,
            auth_time: Some(session.auth_time),
            nonce,
            scope,
            now,
        };
        let refresh = RefreshPart {
            jti,
            session_expires: session.expires(session_lifetimes(realm, session)),
            offline: session.offline,
        };
        Ok(self.issue(&ctx, Some(refresh))?)
    }

    fn client_credentials_grant(
        &self,
        realm: &Realm,
        issuer: &str,
        client: &Client,
        request: &TokenRequest,
        now: u64,
    ) -> Result<TokenResponse, OAuthError> {
        if client.public_client {
            return Err(OAuthError::new(
                ErrorCode::UnauthorizedClient,
                "Public client not allowed to retrieve service account",
            ));
        }
        if !client.service_accounts_enabled {
            return Err(OAuthError::new(
                ErrorCode::UnauthorizedClient,
                "Client not enabled to retrieve service account",
            ));
        }
        let user = realm
            .users
            .iter()
            .find(|u| u.service_account_client_id.as_deref() == Some(client.client_id.as_str()))
            .ok_or_else(|| OAuthError::invalid_request("User not found"))?;
        let scope = claims::grant_scope(realm, client, request.get("scope"))?;
        if claims::has_scope(&scope, crate::defaults::OFFLINE_SCOPE) {
            return Err(offline_refused());
        }
        let ctx = TokenContext {
            issuer,
            realm,
            client,
            user,
            session_id: "",
            auth_time: None,
            nonce: None,
            scope: &scope,
            now,
        };
        Ok(self.issue(&ctx, None)?)
    }

    fn refresh_grant(
        &self,
        realm: &Realm,
        issuer: &str,
        client: &Client,
        request: &TokenRequest,
        now: u64,
    ) -> Result<TokenResponse, OAuthError> {
        let token = request.require("refresh_token")?;
        let claims = self
            .verify_one_of(realm, token, &["Refresh", "Offline"], now)
            .map_err(|p| p.refresh_error())?;
        let text = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or("");
        if text("azp") != client.client_id {
            return Err(OAuthError::invalid_grant(
                "Invalid refresh token. Token client and authorized client don't match",
            ));
        }
        let presented = TokenId::parse(text("jti"))
            .ok_or_else(|| OAuthError::invalid_grant("Invalid refresh token"))?;
        let session_id = text("sid").to_string();
        let offline = text("typ") == "Offline";
        let client_id = client.client_id.clone();
        let outcome = self
            .directory
            .modify_session(&realm.name, &session_id, |session| {
                if session.offline != offline {
                    let refused = OAuthError::invalid_grant("Invalid refresh token");
                    return (
                        (Redeemed::Refused(refused, false), session.clone()),
                        Write::No,
                    );
                }
                let life = session_lifetimes(realm, session);
                let redeemed = session.redeem(&presented, &client_id, life, now);
                let write = match &redeemed {
                    Redeemed::Rotated { .. } => Write::Later,
                    Redeemed::Refused(_, true) => Write::Now,
                    Redeemed::Refused(_, false) => Write::No,
                };
                ((redeemed, session.clone()), write)
            })
            .map_err(super::ProviderError::from)?;
        let Some((redeemed, session)) = outcome else {
            return Err(OAuthError::invalid_grant("Session not active"));
        };
        let (jti, scope) = match redeemed {
            Redeemed::Rotated { jti, scope } => (jti, scope),
            Redeemed::Refused(error, _) => return Err(error),
        };
        let user = session_user(realm, &session)?;
        self.issue_session_tokens(
            realm, issuer, client, user, &session, jti, &scope, None, now,
        )
    }

    fn code_grant(
        &self,
        realm: &Realm,
        issuer: &str,
        client: &Client,
        request: &TokenRequest,
        now: u64,
    ) -> Result<TokenResponse, OAuthError> {
        let code = request.require("code")?;
        let family = new_id();
        // One compare-and-swap on a shared store: a code is redeemed once, on one replica.
        let redeemed = self
            .browser
            .codes
            .modify(&realm.name, code, |grant| {
                let grant = grant.as_mut()?;
                let outcome = grant.redeem(
                    &client.client_id,
                    request.get("redirect_uri"),
                    request.get("code_verifier"),
                    now,
                );
                if outcome == CodeOutcome::Valid {
                    grant.family = Some(family.clone());
                }
                Some((outcome, grant.clone()))
            })
            .map_err(super::ProviderError::from)?;
        let Some((outcome, grant)) = redeemed else {
            return Err(OAuthError::invalid_grant("Code not valid"));
        };
        match outcome {
            CodeOutcome::Valid => {}
            CodeOutcome::Refused(e) => return Err(e),
            CodeOutcome::Replayed(family) => {
                let session_id = grant.session_id.clone();
                if let Some(family) = family {
                    self.revoke_family(realm, &session_id, &family);
                }
                tracing::warn!(realm = %realm.name, "authorization code replayed; its tokens are revoked");
                return Err(OAuthError::invalid_grant("Code not valid"));
            }
        }
        self.continue_session_tokens(
            realm,
            issuer,
            client,
            &grant.session_id,
            family,
            &grant.scope,
            grant.nonce.as_deref(),
            now,
        )
    }

    fn device_grant(
        &self,
        realm: &Realm,
        issuer: &str,
        client: &Client,
        request: &TokenRequest,
        now: u64,
    ) -> Result<TokenResponse, OAuthError> {
        let device_code = request.require("device_code")?;
        // One change of the grant (on a shared store, a compare-and-swap): the poll is
        // recorded, and an approved grant is redeemed once, by whichever replica polls first.
        let polled = self
            .browser
            .devices
            .modify(&realm.name, device_code, |slot| {
                let Some(grant) = slot.as_mut() else {
                    return Err(OAuthError::invalid_grant("Device code not valid"));
                };
                let (session_id, _user_id) = grant.poll(&client.client_id, now)?;
                let scope = grant.scope.clone();
                *slot = None;
                Ok((session_id, scope))
            })
            .map_err(super::ProviderError::from)?;
        let (session_id, scope) = polled?;
        self.continue_session_tokens(
            realm,
            issuer,
            client,
            &session_id,
            new_id(),
            &scope,
            None,
            now,
        )
    }
}
