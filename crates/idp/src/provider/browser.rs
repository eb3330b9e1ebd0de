//! The browser side: authorization requests (`auth`), login sessions bound to a cookie and a
//! CSRF token, the TOTP step, single-use codes, SSO sessions, and the device flow's user side.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::lifetimes::lifetimes;
use super::request::TokenRequest;
use super::{LoginFailure, Provider, new_id, random_token};
use crate::directory::Directory;
use crate::directory::transient::Transient;
use crate::flows::claims;
use crate::flows::codes::{self, CodeGrant, DeviceGrant, UserCode};
use crate::flows::error::{ErrorCode, OAuthError};
use crate::flows::pkce::{self, Challenge, constant_time_eq};
use crate::flows::redirect;
use crate::flows::refresh::{BrokerLink, Session};
use crate::model::{CONFIGURE_TOTP, Realm, UPDATE_PASSWORD};

/// The fields of a login form post (Keycloak's names: `username`, `password`, `otp`,
/// `password-new`, `password-confirm`).
#[derive(Debug, Clone, Copy, Default)]
pub struct LoginForm<'a> {
    /// The `session_code` of the form's action URL (the synchronizer token).
    pub session_code: &'a str,
    /// The `tab_id` of the form's action URL.
    pub tab_id: &'a str,
    /// The username (or email) of the first step.
    pub username: Option<&'a str>,
    /// The password of the first step.
    pub password: Option<&'a str>,
    /// The TOTP code.
    pub otp: Option<&'a str>,
    /// The new password (UPDATE_PASSWORD).
    pub password_new: Option<&'a str>,
    /// The new password again.
    pub password_confirm: Option<&'a str>,
}

/// How long a login page stays usable (Keycloak's `accessCodeLifespanLogin`: 1800).
const LOGIN_LIFESPAN: u64 = 1800;

/// State of the browser flows (short-lived, as Keycloak keeps it in its caches): codes, logins
/// and device grants in the directory's transient records (shared by the replicas of a shared
/// store: a device code started on one replica is approved on another and redeemed on a third).
pub struct BrowserState {
    /// Authorization codes by (realm, code).
    pub(crate) codes: Transient<CodeGrant>,
    /// Device grants by (realm, device_code).
    pub(crate) devices: Transient<DeviceGrant>,
    /// Device codes by (realm, user_code).
    user_codes: Transient<UserCode>,
    /// Login sessions by (realm, id) (the `AUTH_SESSION_ID` cookie).
    logins: Transient<Login>,
}

impl BrowserState {
    /// The state of a provider over `directory`.
    pub fn new(directory: &Directory) -> Self {
        Self {
            codes: directory.transient("codes"),
            devices: directory.transient("devicecodes"),
            user_codes: directory.transient("usercodes"),
            logins: directory.transient("logins"),
        }
    }

    /// Forgets expired codes, logins and device grants (of every replica, on a shared store).
    pub fn sweep(&self, now: u64) {
        let codes = self.codes.retain(None, |c| c.expires_at + 600 > now);
        let logins = self.logins.retain(None, |l| l.expires_at > now);
        let devices = self.devices.retain(None, |d| d.expires_at > now);
        let user_codes = self.user_codes.retain(None, |u| u.expires_at > now);
        if let Err(error) = codes.and(logins).and(devices).and(user_codes) {
            tracing::warn!(%error, "identity provider: expired codes and logins not removed");
        }
    }
}

/// A validated authorization request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthRequest {
    /// The client.
    pub client_id: String,
    /// Where the code goes.
    pub redirect_uri: String,
    /// Granted scope.
    pub scope: String,
    /// The client's `state`.
    pub state: Option<String>,
    /// The client's `nonce`.
    pub nonce: Option<String>,
    /// PKCE.
    pub challenge: Option<Challenge>,
    /// `prompt=login`.
    pub force_login: bool,
    /// `kc_idp_hint`: the identity provider to log in through at once.
    pub idp_hint: Option<String>,
    /// `login_hint`.
    pub login_hint: Option<String>,
}

/// What a finished login continues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoginPurpose {
    /// An authorization request.
    Code(AuthRequest),
    /// A device grant (its device code).
    Device(String),
}

/// A login in progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Login {
    /// The realm.
    pub realm: String,
    /// The `session_code` of the login's forms (their action URL): only a page this login
    /// served knows it, so it is the CSRF token.
    pub session_code: String,
    /// Keycloak's `tab_id`: which login of the browser a form continues.
    pub tab_id: String,
    /// The client the login is for (`client_id` of the action URL).
    pub client_id: String,
    /// What it is for.
    pub purpose: LoginPurpose,
    /// The user whose password was right, waiting for the TOTP step.
    pub pending_user: Option<String>,
    /// The TOTP secret being enrolled (the CONFIGURE_TOTP required action).
    pub pending_totp_secret: Option<String>,
    /// The pending user must choose a new password (the UPDATE_PASSWORD required action).
    pub pending_password_update: bool,
    /// The login went to an upstream identity provider and waits for its answer.
    pub broker: Option<PendingBroker>,
    /// When it expires.
    pub expires_at: u64,
}

/// A login sent to an upstream identity provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingBroker {
    /// The provider's alias.
    pub alias: String,
    /// The `state` sent upstream; its answer must carry it back.
    pub state: String,
    /// The `nonce` sent upstream; its ID token must carry it.
    pub nonce: String,
    /// The PKCE verifier, when the provider uses PKCE.
    pub verifier: Option<String>,
}

/// Why an authorization request cannot go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// Unknown client or redirect_uri: an error page, never a redirect (RFC 6749 §4.1.2.1).
    Page(String),
    /// An error for the client: redirect there.
    Redirect(String),
}

/// The result of a login form post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginStep {
    /// Show the form again with this message (Keycloak's wording).
    Retry(String),
    /// Show the TOTP form.
    Totp,
    /// Show the page that asks for a new password (UPDATE_PASSWORD).
    UpdatePassword,
    /// Show the TOTP enrolment page for this secret.
    TotpSetup {
        /// Base32 secret.
        secret: String,
        /// The otpauth URI.
        uri: String,
    },
    /// Logged in: the new session's id, and where the browser goes next (`None`: a device
    /// grant was approved; show the success page).
    Done {
        /// SSO session id (the cookie).
        session_id: String,
        /// The redirect with code and state.
        redirect: Option<String>,
    },
    /// The login session is unknown, expired or the CSRF token is wrong.
    Expired,
}

/// The device authorization response (RFC 8628 §3.2).
#[derive(Debug, Clone, Serialize)]
pub struct DeviceAuthorization {
    /// The device code.
    pub device_code: String,
    /// What the user types.
    pub user_code: String,
    /// Where the user goes.
    pub verification_uri: String,
    /// The same with the code filled in.
    pub verification_uri_complete: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// Polling interval.
    pub interval: u64,
}

/// Appends query parameters to a URI.
pub fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    let query = serde_urlencoded::to_string(params).unwrap_or_default();
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{query}")
}

/// The provider's URL as a request reached it (Keycloak's `${authBaseUrl}`): the realm's
/// issuer without `/realms/<realm>`.
pub fn server_base<'a>(issuer: &'a str, realm: &str) -> &'a str {
    issuer
        .strip_suffix(realm)
        .and_then(|rest| rest.strip_suffix("/realms/"))
        .unwrap_or(issuer)
}

impl Provider {
    /// Sets the new password of the form (UPDATE_PASSWORD) and clears the required action;
    /// the step to answer when the password is refused or cannot be stored.
    fn update_password(
        &self,
        realm: &Realm,
        user_id: &str,
        form: &LoginForm<'_>,
    ) -> Result<(), LoginStep> {
        let new = form.password_new.unwrap_or("");
        crate::flows::password::check_new(new, form.password_confirm.unwrap_or(""))
            .map_err(|message| LoginStep::Retry(message.into()))?;
        let hash = super::hash_password(new).map_err(|_| LoginStep::Expired)?;
        let user_id = user_id.to_string();
        self.directory
            .update_realm(&realm.name, move |r| {
                if let Some(u) = r.users.iter_mut().find(|u| u.id == user_id) {
                    u.password_hash = Some(hash.clone());
                    u.required_actions.retain(|a| a != UPDATE_PASSWORD);
                }
                Ok(())
            })
            .map_err(|_| LoginStep::Expired)
    }

    /// Validates an authorization request's parameters.
    pub fn authorization_request(
        &self,
        realm: &Realm,
        issuer: &str,
        params: &HashMap<String, String>,
    ) -> Result<AuthRequest, AuthorizeError> {
        let get = |n: &str| params.get(n).map(String::as_str).filter(|v| !v.is_empty());
        let client = get("client_id")
            .and_then(|id| realm.client(id))
            .filter(|c| c.enabled)
            .ok_or_else(|| AuthorizeError::Page("Client not found.".into()))?;
        let registered = redirect::resolve(
            &client.redirect_uris,
            client
                .other
                .get("rootUrl")
                .and_then(serde_json::Value::as_str),
            server_base(issuer, &realm.name),
        );
        let redirect_uri = get("redirect_uri")
            .filter(|uri| redirect::allowed(&registered, uri))
            .ok_or_else(|| AuthorizeError::Page("Invalid parameter: redirect_uri".into()))?;
        let state = get("state");
        let fail = |e: OAuthError| {
            let mut p = vec![
                ("error", e.code.to_string()),
                ("error_description", e.description.clone()),
            ];
            if let Some(s) = state {
                p.push(("state", s.to_string()));
            }
            p.push(("iss", issuer.to_string()));
            let refs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
            AuthorizeError::Redirect(with_query(redirect_uri, &refs))
        };
        if get("response_type") != Some("code") {
            return Err(fail(OAuthError::new(
                ErrorCode::UnsupportedResponseType,
                "Client is not allowed to initiate browser login with given response_type.",
            )));
        }
        if !client.standard_flow_enabled {
            return Err(fail(OAuthError::new(
                ErrorCode::UnauthorizedClient,
                "Client is not allowed to initiate browser login with given response_type. Standard flow is disabled for the client.",
            )));
        }
        let challenge = pkce::check_request(
            get("code_challenge"),
            get("code_challenge_method"),
            client.pkce_method.as_deref(),
        )
        .map_err(fail)?;
        let scope = claims::grant_scope(realm, client, get("scope")).map_err(fail)?;
        Ok(AuthRequest {
            client_id: client.client_id.clone(),
            redirect_uri: redirect_uri.to_string(),
            scope,
            state: state.map(str::to_string),
            nonce: get("nonce").map(str::to_string),
            challenge,
            force_login: get("prompt") == Some("login"),
            idp_hint: get("kc_idp_hint")
                .filter(|h| !h.is_empty())
                .map(str::to_string),
            login_hint: get("login_hint")
                .filter(|h| !h.is_empty())
                .map(str::to_string),
        })
    }

    /// The SSO session of a cookie, if still active with an enabled user.
    pub fn sso_session(&self, realm: &Realm, session_id: &str, now: u64) -> Option<Session> {
        let session = self.directory.session(&realm.name, session_id).ok()??;
        (session.active(lifetimes(realm), now)
            && realm.user(&session.user_id).is_some_and(|u| u.enabled))
        .then_some(session)
    }

    /// Starts a login; returns its id (the cookie) and the login.
    pub fn begin_login(&self, realm: &Realm, purpose: LoginPurpose, now: u64) -> (String, Login) {
        let id = random_token(24);
        let client_id = match &purpose {
            LoginPurpose::Code(request) => request.client_id.clone(),
            LoginPurpose::Device(device_code) => self
                .browser
                .devices
                .get(&realm.name, device_code)
                .ok()
                .flatten()
                .map(|d| d.client_id)
                .unwrap_or_default(),
        };
        if !self.browser.logins.is_shared() {
            let _ = self.browser.logins.retain(None, |l| l.expires_at > now);
        }
        let login = Login {
            realm: realm.name.clone(),
            session_code: random_token(24),
            tab_id: random_token(8),
            client_id,
            purpose,
            pending_user: None,
            pending_totp_secret: None,
            pending_password_update: false,
            broker: None,
            expires_at: now + LOGIN_LIFESPAN,
        };
        if let Err(error) = self.browser.logins.insert(&realm.name, &id, login.clone()) {
            tracing::warn!(%error, "identity provider: a login could not be stored");
        }
        (id, login)
    }

    /// The login of a cookie.
    pub fn login_state(&self, realm: &Realm, id: &str, now: u64) -> Option<Login> {
        self.browser
            .logins
            .get(&realm.name, id)
            .ok()
            .flatten()
            .filter(|l| l.realm == realm.name && l.expires_at > now)
    }

    /// Changes a live login.
    pub(super) fn update_login(&self, realm: &Realm, id: &str, mut change: impl FnMut(&mut Login)) {
        let changed = self.browser.logins.modify(&realm.name, id, |l| {
            if let Some(l) = l {
                change(l);
            }
        });
        if let Err(error) = changed {
            tracing::warn!(%error, "identity provider: a login could not be changed");
        }
    }

    /// Ends a login with an authenticated user: a new SSO session (brokered when `broker`
    /// says so), then what the login was for.
    pub(super) fn finish_login(
        &self,
        realm: &Realm,
        issuer: &str,
        login_id: &str,
        user_id: &str,
        broker: Option<BrokerLink>,
        now: u64,
    ) -> LoginStep {
        // Taken atomically: a login finishes once, on whichever replica.
        let Ok(Some(login)) = self
            .browser
            .logins
            .modify(&realm.name, login_id, Option::take)
        else {
            return LoginStep::Expired;
        };
        let mut session = Session::new(new_id(), user_id.to_string(), now, now);
        session.broker = broker;
        if self
            .directory
            .create_session(&realm.name, &session)
            .is_err()
        {
            return LoginStep::Expired;
        }
        let redirect = self.continue_with_session(realm, issuer, &login.purpose, &session, now);
        LoginStep::Done {
            session_id: session.id,
            redirect,
        }
    }

    /// Handles the login forms: username and password, the TOTP code of the pending user, or
    /// the new password of a user with the UPDATE_PASSWORD required action. Required actions
    /// run after authentication, as Keycloak's: CONFIGURE_TOTP, then UPDATE_PASSWORD.
    pub fn submit_login(
        &self,
        realm: &Realm,
        issuer: &str,
        login_id: &str,
        form: &LoginForm<'_>,
        now: u64,
    ) -> LoginStep {
        let Some(login) = self.login_state(realm, login_id, now) else {
            return LoginStep::Expired;
        };
        if !constant_time_eq(form.session_code.as_bytes(), login.session_code.as_bytes())
            || form.tab_id != login.tab_id
        {
            return LoginStep::Expired;
        }
        let (username, password, otp) = (form.username, form.password, form.otp);
        let user = if login.pending_password_update {
            let Some(user) = login
                .pending_user
                .as_deref()
                .and_then(|id| realm.user(id))
                .filter(|u| u.enabled)
            else {
                return LoginStep::Expired;
            };
            if let Err(refused) = self.update_password(realm, &user.id, form) {
                return refused;
            }
            user
        } else if let Some(pending) = &login.pending_user {
            let Some(user) = realm.user(pending).filter(|u| u.enabled) else {
                return LoginStep::Expired;
            };
            if let Some(secret) = &login.pending_totp_secret {
                if !crate::flows::totp::verify(secret, otp.unwrap_or(""), now) {
                    return LoginStep::Retry("Invalid authenticator code.".into());
                }
                let (user_id, secret) = (user.id.clone(), secret.clone());
                let enrolled = self.directory.update_realm(&realm.name, |r| {
                    if let Some(u) = r.users.iter_mut().find(|u| u.id == user_id) {
                        u.totp_secret = Some(secret.clone());
                        u.required_actions.retain(|a| a != CONFIGURE_TOTP);
                    }
                    Ok(())
                });
                if enrolled.is_err() {
                    return LoginStep::Expired;
                }
            } else {
                let secret = user.totp_secret.as_deref().unwrap_or("");
                if !crate::flows::totp::verify(secret, otp.unwrap_or(""), now) {
                    return LoginStep::Retry("Invalid authenticator code.".into());
                }
            }
            user
        } else {
            let username = username.unwrap_or("").trim();
            if username.is_empty() {
                return LoginStep::Retry("Invalid username or password.".into());
            }
            match self.check_password(realm, username, password.unwrap_or(""), now) {
                Ok(user) => {
                    if user.totp_secret.is_some() {
                        self.update_login(realm, login_id, |l| {
                            l.pending_user = Some(user.id.clone());
                        });
                        return LoginStep::Totp;
                    }
                    if user.required_actions.iter().any(|a| a == CONFIGURE_TOTP) {
                        let mut random = [0u8; 20];
                        let _ = aws_lc_rs::rand::fill(&mut random);
                        let secret = crate::flows::totp::secret(&random);
                        let issuer = realm.display_name.as_deref().unwrap_or(&realm.name);
                        let uri = crate::flows::totp::otpauth_uri(&secret, issuer, &user.username)
                            .unwrap_or_default();
                        self.update_login(realm, login_id, |l| {
                            l.pending_user = Some(user.id.clone());
                            l.pending_totp_secret = Some(secret.clone());
                        });
                        return LoginStep::TotpSetup { secret, uri };
                    }
                    user
                }
                Err(LoginFailure::Disabled) => {
                    return LoginStep::Retry(
                        "Account is disabled, contact your administrator.".into(),
                    );
                }
                Err(LoginFailure::FederationUnavailable) => {
                    return LoginStep::Retry(super::ldap::LDAP_UNAVAILABLE.into());
                }
                Err(_) => return LoginStep::Retry("Invalid username or password.".into()),
            }
        };
        if !login.pending_password_update
            && user.required_actions.iter().any(|a| a == UPDATE_PASSWORD)
        {
            self.update_login(realm, login_id, |l| {
                l.pending_user = Some(user.id.clone());
                l.pending_totp_secret = None;
                l.pending_password_update = true;
            });
            return LoginStep::UpdatePassword;
        }
        self.finish_login(realm, issuer, login_id, &user.id, None, now)
    }

    /// Finishes a purpose with an authenticated session: a redirect with a fresh code, or a
    /// device grant approved (`None`).
    pub fn continue_with_session(
        &self,
        realm: &Realm,
        issuer: &str,
        purpose: &LoginPurpose,
        session: &Session,
        now: u64,
    ) -> Option<String> {
        match purpose {
            LoginPurpose::Code(request) => {
                Some(self.issue_code(realm, issuer, request, session, now))
            }
            LoginPurpose::Device(device_code) => {
                let approved = self
                    .browser
                    .devices
                    .modify(&realm.name, device_code, |grant| {
                        if let Some(grant) = grant {
                            grant.decision =
                                Some(Ok((session.id.clone(), session.user_id.clone())));
                        }
                    });
                if let Err(error) = approved {
                    tracing::warn!(%error, "identity provider: a device grant not approved");
                }
                None
            }
        }
    }

    /// Issues a code for an authenticated session and returns the client's redirect.
    pub fn issue_code(
        &self,
        realm: &Realm,
        issuer: &str,
        request: &AuthRequest,
        session: &Session,
        now: u64,
    ) -> String {
        let code = format!("{}.{}", random_token(32), session.id);
        if !self.browser.codes.is_shared() {
            let _ = self
                .browser
                .codes
                .retain(None, |c| c.expires_at + 600 > now);
        }
        let stored = self.browser.codes.insert(
            &realm.name,
            &code,
            CodeGrant {
                client_id: request.client_id.clone(),
                redirect_uri: request.redirect_uri.clone(),
                session_id: session.id.clone(),
                user_id: session.user_id.clone(),
                scope: request.scope.clone(),
                nonce: request.nonce.clone(),
                challenge: request.challenge.clone(),
                expires_at: now + realm.settings.access_code_lifespan,
                family: None,
                used: false,
            },
        );
        if let Err(error) = stored {
            tracing::warn!(%error, "identity provider: a code could not be stored");
        }
        let mut params: Vec<(&str, &str)> = Vec::new();
        if let Some(state) = &request.state {
            params.push(("state", state));
        }
        params.push(("session_state", &session.id));
        params.push(("iss", issuer));
        params.push(("code", &code));
        with_query(&request.redirect_uri, &params)
    }

    /// Ends an SSO session (logout): its refresh tokens stop working.
    pub fn end_session(&self, realm: &Realm, session_id: &str) -> bool {
        self.directory
            .delete_session(&realm.name, session_id)
            .unwrap_or(false)
    }

    /// RFC 8628 §3.1: a device authorization request.
    pub fn device_authorization(
        &self,
        realm: &Realm,
        base: &str,
        request: &TokenRequest,
        now: u64,
    ) -> Result<DeviceAuthorization, OAuthError> {
        let client = self.authenticate_client(realm, request)?;
        if !client.device_authorization_grant_enabled {
            return Err(OAuthError::new(
                ErrorCode::UnauthorizedClient,
                "Client is not allowed to initiate OAuth 2.0 Device Authorization Grant. The flow is disabled for the client.",
            ));
        }
        let scope =
            claims::grant_scope(realm, client, request.form.get("scope").map(String::as_str))?;
        let mut random = [0u8; 8];
        let _ = aws_lc_rs::rand::fill(&mut random);
        let user_code = codes::user_code(&random);
        let device_code = random_token(32);
        let s = &realm.settings;
        if !self.browser.devices.is_shared() {
            let _ = self.browser.devices.retain(None, |d| d.expires_at > now);
            let _ = self.browser.user_codes.retain(None, |u| u.expires_at > now);
        }
        let stored = self.browser.devices.insert(
            &realm.name,
            &device_code,
            DeviceGrant {
                client_id: client.client_id.clone(),
                user_code: user_code.clone(),
                scope,
                expires_at: now + s.device_code_lifespan,
                interval: s.device_polling_interval,
                last_poll: None,
                decision: None,
            },
        );
        let stored = stored.and_then(|()| {
            self.browser.user_codes.insert(
                &realm.name,
                &user_code,
                UserCode {
                    device_code: device_code.clone(),
                    expires_at: now + s.device_code_lifespan,
                },
            )
        });
        stored.map_err(super::ProviderError::from)?;
        let verification_uri = format!("{base}/device");
        Ok(DeviceAuthorization {
            verification_uri_complete: with_query(&verification_uri, &[("user_code", &user_code)]),
            verification_uri,
            device_code,
            user_code,
            expires_in: s.device_code_lifespan,
            interval: s.device_polling_interval,
        })
    }

    /// The device code of a typed user code, if pending.
    pub fn device_for_user_code(&self, realm: &Realm, typed: &str, now: u64) -> Option<String> {
        let code = codes::normalize_user_code(typed);
        let device_code = self
            .browser
            .user_codes
            .get(&realm.name, &code)
            .ok()??
            .device_code;
        self.browser
            .devices
            .get(&realm.name, &device_code)
            .ok()?
            .filter(|d| d.expires_at > now && d.decision.is_none())
            .map(|_| device_code)
    }
}
