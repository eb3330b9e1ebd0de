//! Logins through upstream identity providers (Keycloak's identity brokering): sending the
//! browser upstream, taking its answer (code → tokens → checked ID token → identity), the first
//! login that creates and links the user or a later one that finds it, the mappers, and
//! re-reading the upstream's view of the user when a brokered session is refreshed.

use serde_json::Value;

use super::browser::{LoginPurpose, LoginStep, PendingBroker};
use super::request::TokenRequest;
use super::{Provider, new_id, random_token};
use crate::directory::{DirectoryError, Write};
use crate::flows::broker::{
    self, BrokerError, BrokeredIdentity, FirstLogin, UpstreamRequest, mappers,
};
use crate::flows::error::OAuthError;
use crate::flows::pkce::constant_time_eq;
use crate::flows::refresh::BrokerLink;
use crate::model::{IdentityProvider, IdentityProviderMapper, ModelError, Realm, SyncMode};

/// Keycloak's message for a failed upstream login.
pub const UNEXPECTED: &str = "Unexpected error when authenticating with identity provider";

/// Keycloak's message for a disabled user.
const DISABLED: &str = "Account is disabled, contact your administrator.";

/// What a refresh learned from the upstream: the user's identity now, and its next refresh
/// token.
#[derive(Debug, Clone)]
pub struct Resync {
    /// The kubeward session.
    pub session_id: String,
    /// The provider's alias.
    pub alias: String,
    /// The identity the upstream gives now.
    pub identity: BrokeredIdentity,
    /// The upstream's next refresh token.
    pub refresh_token: Option<String>,
}

/// The mappers of a provider.
fn mappers_of<'r>(realm: &'r Realm, alias: &str) -> Vec<&'r IdentityProviderMapper> {
    realm
        .identity_provider_mappers
        .iter()
        .filter(|m| m.identity_provider_alias == alias)
        .collect()
}

/// A provider a login may go through.
fn usable<'r>(realm: &'r Realm, alias: &str) -> Option<&'r IdentityProvider> {
    realm
        .identity_provider(alias)
        .filter(|p| p.enabled && !p.link_only)
}

/// The session's link to the upstream login.
fn link_of(alias: &str, refresh_token: Option<String>) -> BrokerLink {
    BrokerLink {
        alias: alias.to_string(),
        refresh_token,
    }
}

/// The linked user of a later login whose mappers change nothing: its id, read from `realm`
/// without copying or writing it (`None`: a first login, or a change to write). A disabled
/// user is refused.
fn unchanged_user(
    realm: &Realm,
    alias: &str,
    sync: SyncMode,
    identity: &BrokeredIdentity,
) -> Result<Option<String>, String> {
    let Some(user) = realm.user_by_federated_identity(alias, &identity.id) else {
        return Ok(None);
    };
    if !user.enabled {
        return Err(DISABLED.to_string());
    }
    let mappers = mappers_of(realm, alias);
    let mut mapped = user.clone();
    if mappers::apply(realm, &mut mapped, &mappers, sync, &identity.claims, false).is_err() {
        // The write path reports the mapper's refusal.
        return Ok(None);
    }
    Ok((mapped == *user).then(|| user.id.clone()))
}

/// A mapper's refusal, as the directory carries it.
fn refused(e: BrokerError) -> DirectoryError {
    ModelError::Invalid(e.to_string()).into()
}

impl Provider {
    /// Sends a login upstream: checks the login's `session_code` and `tab_id` (as its forms
    /// are checked), keeps a fresh state, nonce and PKCE verifier in it, and returns the
    /// upstream's authorization URL; `None` when the login or the provider is unusable.
    #[allow(clippy::too_many_arguments)]
    pub fn broker_redirect(
        &self,
        realm: &Realm,
        login_id: &str,
        session_code: &str,
        tab_id: &str,
        alias: &str,
        redirect_uri: &str,
        now: u64,
    ) -> Option<String> {
        let login = self.login_state(realm, login_id, now)?;
        if !constant_time_eq(session_code.as_bytes(), login.session_code.as_bytes())
            || tab_id != login.tab_id
        {
            return None;
        }
        let provider = usable(realm, alias)?;
        let pending = PendingBroker {
            alias: alias.to_string(),
            state: random_token(24),
            nonce: random_token(24),
            verifier: provider.flag("pkceEnabled").then(|| random_token(48)),
        };
        let url = broker::authorization_url(
            provider,
            &UpstreamRequest {
                redirect_uri,
                state: &pending.state,
                nonce: &pending.nonce,
                verifier: pending.verifier.as_deref(),
                login_hint: match &login.purpose {
                    LoginPurpose::Code(request) => request.login_hint.as_deref(),
                    LoginPurpose::Device(_) => None,
                },
            },
        )
        .inspect_err(|e| tracing::warn!(alias, error = %e, "identity provider"))
        .ok()?;
        self.update_login(realm, login_id, |l| l.broker = Some(pending.clone()));
        Some(url)
    }

    /// The upstream request a login waits for, when `state` is the one it sent to `alias`.
    pub fn broker_pending(
        &self,
        realm: &Realm,
        login_id: &str,
        alias: &str,
        state: &str,
        now: u64,
    ) -> Option<PendingBroker> {
        self.login_state(realm, login_id, now)?
            .broker
            .filter(|p| p.alias == alias && constant_time_eq(p.state.as_bytes(), state.as_bytes()))
    }

    /// Redeems the upstream's code: its token endpoint, the ID token's signature and claims
    /// (with the login's nonce), the userinfo; the identity it brings and the upstream's
    /// refresh token.
    pub async fn broker_identity(
        &self,
        provider: &IdentityProvider,
        code: &str,
        redirect_uri: &str,
        pending: &PendingBroker,
        now: u64,
    ) -> Result<(BrokeredIdentity, Option<String>), BrokerError> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
        ];
        if let Some(v) = &pending.verifier {
            form.push(("code_verifier", v));
        }
        let tokens = self.upstream.grant(provider, &form).await?;
        let id_token = tokens
            .id_token
            .as_deref()
            .ok_or_else(|| BrokerError::Token("No id_token in the upstream's answer".into()))?;
        let claims = self
            .upstream
            .id_token_claims(provider, id_token, now)
            .await?;
        broker::check_id_token(provider, &claims, Some(&pending.nonce), now)?;
        let info = self
            .upstream
            .userinfo(provider, tokens.access_token.as_deref())
            .await?;
        let identity = broker::identity(&claims, info.as_ref())?;
        Ok((identity, tokens.refresh_token))
    }

    /// Logs in the user of an upstream identity: the linked user (its mappers with sync mode
    /// `FORCE` run again), or a new one the first login creates and links (every mapper runs);
    /// then a brokered SSO session and what the login was for. `Err` is the page's message.
    #[allow(clippy::too_many_arguments)]
    pub fn broker_login(
        &self,
        realm: &Realm,
        issuer: &str,
        login_id: &str,
        alias: &str,
        identity: &BrokeredIdentity,
        refresh_token: Option<String>,
        now: u64,
    ) -> Result<LoginStep, String> {
        let provider = usable(realm, alias).ok_or_else(|| UNEXPECTED.to_string())?;
        let sync = provider.sync_mode();
        if let Some(user_id) = unchanged_user(realm, alias, sync, identity)? {
            return Ok(self.finish_login(
                realm,
                issuer,
                login_id,
                &user_id,
                Some(link_of(alias, refresh_token)),
                now,
            ));
        }
        let id = identity.clone();
        let alias_owned = alias.to_string();
        let created_millis = i64::try_from(now).unwrap_or(0) * 1000;
        let written = self.directory.update_realm(&realm.name, move |r| {
            let mappers: Vec<IdentityProviderMapper> =
                mappers_of(r, &alias_owned).into_iter().cloned().collect();
            let mappers: Vec<&IdentityProviderMapper> = mappers.iter().collect();
            if let Some(i) = r.users.iter().position(|u| {
                u.federated_identities
                    .iter()
                    .any(|l| l.identity_provider == alias_owned && l.user_id == id.id)
            }) {
                let mut user = r.users[i].clone();
                if !user.enabled {
                    return Err(ModelError::Invalid(DISABLED.into()).into());
                }
                mappers::apply(r, &mut user, &mappers, sync, &id.claims, false).map_err(refused)?;
                let user_id = user.id.clone();
                r.users[i] = user;
                return Ok(user_id);
            }
            let Some(provider) = r.identity_provider(&alias_owned) else {
                return Err(ModelError::Invalid(UNEXPECTED.into()).into());
            };
            let username = mappers::username(&mappers, &alias_owned, &id.claims)
                .unwrap_or_else(|| id.username.clone());
            match broker::first_login(r, provider, &id, &username, new_id(), created_millis) {
                FirstLogin::Create(user) => {
                    let mut user = *user;
                    mappers::apply(r, &mut user, &mappers, sync, &id.claims, true)
                        .map_err(refused)?;
                    let user_id = user.id.clone();
                    r.add_user(user)?;
                    Ok(user_id)
                }
                FirstLogin::Exists(message) => Err(ModelError::Invalid(message).into()),
            }
        });
        let user_id = written.map_err(|e| match e {
            DirectoryError::Model(ModelError::Invalid(message)) => message,
            other => {
                tracing::error!(error = %other, "brokered login");
                UNEXPECTED.to_string()
            }
        })?;
        Ok(self.finish_login(
            realm,
            issuer,
            login_id,
            &user_id,
            Some(link_of(alias, refresh_token)),
            now,
        ))
    }

    /// Before a refresh grant: when the refresh token's session came through an upstream
    /// provider that has `FORCE` mappers, refreshes at the upstream and returns what it says
    /// about the user now (`None`: nothing to re-read). A refusal upstream (the user is gone
    /// or logged out there) refuses the refresh.
    pub async fn broker_refresh(
        &self,
        realm: &Realm,
        request: &TokenRequest,
        now: u64,
    ) -> Result<Option<Resync>, OAuthError> {
        if realm.identity_providers.is_empty()
            || request.form.get("grant_type").map(String::as_str) != Some("refresh_token")
        {
            return Ok(None);
        }
        let Some(token) = request.form.get("refresh_token") else {
            return Ok(None);
        };
        let Ok(claims) = self.verify_one_of(realm, token, &["Refresh"], now) else {
            return Ok(None);
        };
        let Some(sid) = claims.get("sid").and_then(Value::as_str) else {
            return Ok(None);
        };
        let Ok(Some(session)) = self.directory.session(&realm.name, sid) else {
            return Ok(None);
        };
        let Some(link) = &session.broker else {
            return Ok(None);
        };
        let (Some(provider), Some(upstream_refresh)) = (
            realm.identity_provider(&link.alias),
            link.refresh_token.as_deref(),
        ) else {
            return Ok(None);
        };
        let sync = provider.sync_mode();
        if !mappers_of(realm, &link.alias)
            .iter()
            .any(|m| m.sync_mode(sync) == SyncMode::Force)
        {
            return Ok(None);
        }
        let not_active = |e: BrokerError| {
            tracing::info!(alias = %link.alias, error = %e, "upstream refresh refused");
            OAuthError::invalid_grant("Session not active")
        };
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", upstream_refresh),
        ];
        let tokens = self
            .upstream
            .grant(provider, &form)
            .await
            .map_err(not_active)?;
        let id_claims = match tokens.id_token.as_deref() {
            Some(t) => {
                let c = self
                    .upstream
                    .id_token_claims(provider, t, now)
                    .await
                    .map_err(not_active)?;
                broker::check_id_token(provider, &c, None, now).map_err(not_active)?;
                Some(c)
            }
            None => None,
        };
        let info = self
            .upstream
            .userinfo(provider, tokens.access_token.as_deref())
            .await
            .map_err(not_active)?;
        let identity = match (&id_claims, &info) {
            (Some(c), info) => broker::identity(c, info.as_ref()),
            (None, Some(info)) => broker::identity(info, None),
            (None, None) => Err(BrokerError::Token("the upstream gave no claims".into())),
        }
        .map_err(not_active)?;
        Ok(Some(Resync {
            session_id: session.id.clone(),
            alias: link.alias.clone(),
            identity,
            refresh_token: tokens.refresh_token.or_else(|| link.refresh_token.clone()),
        }))
    }

    /// Applies what a refresh learned upstream: the linked user's `FORCE` mappers run with the
    /// new claims, and the session keeps the upstream's next refresh token.
    pub fn broker_resync(&self, realm: &Realm, resync: Resync) -> Result<(), OAuthError> {
        let Resync {
            session_id,
            alias,
            identity,
            refresh_token,
        } = resync;
        let written = self.directory.update_realm(&realm.name, |r| {
            let provider = r
                .identity_provider(&alias)
                .ok_or(ModelError::Invalid(UNEXPECTED.into()))?;
            let sync = provider.sync_mode();
            let mappers: Vec<IdentityProviderMapper> =
                mappers_of(r, &alias).into_iter().cloned().collect();
            let mappers: Vec<&IdentityProviderMapper> = mappers.iter().collect();
            let Some(i) = r.users.iter().position(|u| {
                u.federated_identities
                    .iter()
                    .any(|l| l.identity_provider == alias && l.user_id == identity.id)
            }) else {
                return Err(ModelError::Invalid("the upstream user is not linked".into()).into());
            };
            let mut user = r.users[i].clone();
            mappers::apply(r, &mut user, &mappers, sync, &identity.claims, false)
                .map_err(refused)?;
            r.users[i] = user;
            Ok(())
        });
        if let Err(e) = written {
            tracing::info!(error = %e, "re-reading the upstream user");
            return Err(OAuthError::invalid_grant("Session not active"));
        }
        let _ = self
            .directory
            .modify_session(&realm.name, &session_id, |s| {
                if let Some(link) = &mut s.broker {
                    link.refresh_token = refresh_token.clone();
                }
                ((), Write::Now)
            });
        Ok(())
    }
}

#[cfg(test)]
mod tests;
