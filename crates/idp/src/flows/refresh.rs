//! SSO sessions and their refresh token families. A family is one chain of refresh tokens for
//! one client in one session; every refresh token names its family and generation (`jti` =
//! `family.generation`). Redeeming the current generation rotates to the next; presenting an
//! older one again is reuse: the family is revoked, and every token of it is refused from then
//! on (RFC 6819 §5.2.2.3, OAuth 2.0 Security BCP §4.14).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::OAuthError;

/// The error description of a refresh token presented again: its family is revoked.
pub const REUSE_DETECTED: &str = "Maximum allowed refresh token reuse exceeded";

/// One refresh token chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Family {
    /// Family id (random).
    pub id: String,
    /// The `clientId` it was issued to.
    pub client_id: String,
    /// The generation of the only refresh token that may be redeemed next.
    pub generation: u64,
    /// The granted scope.
    pub scope: String,
    /// Revoked (reuse, code replay, logout, RFC 7009 revocation).
    pub revoked: bool,
}

/// An SSO session: one login of one user, shared by the clients that used it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// Session id (`sid`, `session_state`).
    pub id: String,
    /// The user's id.
    pub user_id: String,
    /// When the user authenticated.
    pub auth_time: u64,
    /// When the session started.
    pub started: u64,
    /// Last time a token was issued from it (idle timeout counts from here).
    pub last_refresh: u64,
    /// Ended by logout.
    pub ended: bool,
    /// An offline session (`offline_access`): it outlives the SSO session and logout, with the
    /// realm's offline lifetimes.
    #[serde(default)]
    pub offline: bool,
    /// Refresh token families by family id.
    #[serde(default)]
    pub families: BTreeMap<String, Family>,
    /// For a login through an upstream identity provider: which, and what refreshes the
    /// upstream's view of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker: Option<BrokerLink>,
}

/// The upstream side of a brokered session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokerLink {
    /// The identity provider's alias.
    pub alias: String,
    /// The upstream's refresh token, when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// A parsed refresh token `jti`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenId {
    /// The family.
    pub family: String,
    /// The generation.
    pub generation: u64,
}

impl TokenId {
    /// The `jti` of a family's refresh token of `generation`.
    pub fn format(family: &str, generation: u64) -> String {
        format!("{family}.{generation}")
    }

    /// Reads a `jti` made by [`TokenId::format`].
    pub fn parse(jti: &str) -> Option<Self> {
        let (family, generation) = jti.rsplit_once('.')?;
        Some(Self {
            family: family.to_string(),
            generation: generation.parse().ok()?,
        })
    }
}

/// The lifetimes that decide whether a session is alive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    /// Idle timeout.
    pub idle: u64,
    /// Max lifespan.
    pub max: u64,
    /// Refresh tokens are single-use (Keycloak's "Revoke Refresh Token"): a reused one revokes
    /// its family. Off, any token of a live family may be redeemed (Keycloak's default).
    pub single_use: bool,
}

impl Session {
    /// A new session.
    pub fn new(id: String, user_id: String, auth_time: u64, now: u64) -> Self {
        Self {
            id,
            user_id,
            auth_time,
            started: now,
            last_refresh: now,
            ended: false,
            offline: false,
            families: BTreeMap::new(),
            broker: None,
        }
    }

    /// Whether the session may still issue tokens.
    pub fn active(&self, lifetimes: Lifetimes, now: u64) -> bool {
        !self.ended
            && now < self.last_refresh.saturating_add(lifetimes.idle)
            && now < self.started.saturating_add(lifetimes.max)
    }

    /// When the session's max lifespan ends.
    pub fn expires(&self, lifetimes: Lifetimes) -> u64 {
        self.started.saturating_add(lifetimes.max)
    }

    /// Starts a family for `client_id`; returns the `jti` of its first refresh token.
    pub fn start_family(
        &mut self,
        family_id: String,
        client_id: &str,
        scope: &str,
        now: u64,
    ) -> String {
        self.last_refresh = now;
        let jti = TokenId::format(&family_id, 0);
        self.families.insert(
            family_id.clone(),
            Family {
                id: family_id,
                client_id: client_id.to_string(),
                generation: 0,
                scope: scope.to_string(),
                revoked: false,
            },
        );
        jti
    }

    /// Redeems refresh token `presented` for `client_id`: the `jti` of the next token, or the
    /// error Keycloak answers. Reuse of an older generation revokes the family (the caller must
    /// persist the session on error too: see [`Redeemed::persist`]).
    pub fn redeem(
        &mut self,
        presented: &TokenId,
        client_id: &str,
        lifetimes: Lifetimes,
        now: u64,
    ) -> Redeemed {
        if !self.active(lifetimes, now) {
            return Redeemed::Refused(OAuthError::invalid_grant("Session not active"), false);
        }
        let Some(family) = self.families.get_mut(&presented.family) else {
            return Redeemed::Refused(OAuthError::invalid_grant("Invalid refresh token"), false);
        };
        if family.client_id != client_id {
            return Redeemed::Refused(
                OAuthError::invalid_grant(
                    "Invalid refresh token. Token client and authorized client don't match",
                ),
                false,
            );
        }
        if family.revoked {
            return Redeemed::Refused(OAuthError::invalid_grant("Invalid refresh token"), false);
        }
        if presented.generation > family.generation {
            return Redeemed::Refused(OAuthError::invalid_grant("Invalid refresh token"), false);
        }
        if lifetimes.single_use && presented.generation != family.generation {
            family.revoked = true;
            return Redeemed::Refused(OAuthError::invalid_grant(REUSE_DETECTED), true);
        }
        family.generation += 1;
        let jti = TokenId::format(&family.id, family.generation);
        let scope = family.scope.clone();
        self.last_refresh = now;
        Redeemed::Rotated { jti, scope }
    }

    /// Revokes one family (code replay, token revocation).
    pub fn revoke_family(&mut self, family_id: &str) -> bool {
        match self.families.get_mut(family_id) {
            Some(f) if !f.revoked => {
                f.revoked = true;
                true
            }
            _ => false,
        }
    }

    /// Whether an access token of `client_id` from this session is still good (session active
    /// and the client has a family that is not revoked, or never had one).
    pub fn serves(&self, client_id: &str, lifetimes: Lifetimes, now: u64) -> bool {
        if !self.active(lifetimes, now) {
            return false;
        }
        let mut families = self
            .families
            .values()
            .filter(|f| f.client_id == client_id)
            .peekable();
        families.peek().is_none() || families.any(|f| !f.revoked)
    }
}

/// What redeeming a refresh token did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeemed {
    /// The family moved on; issue a refresh token with this `jti` and scope.
    Rotated {
        /// The new token's `jti`.
        jti: String,
        /// The family's scope.
        scope: String,
    },
    /// Refused with this error; `true` when the session changed (a family was revoked) and
    /// must be written back.
    Refused(OAuthError, bool),
}

impl Redeemed {
    /// Whether the session must be written back.
    pub fn persist(&self) -> bool {
        matches!(self, Self::Rotated { .. } | Self::Refused(_, true))
    }
}

#[cfg(test)]
mod tests;
