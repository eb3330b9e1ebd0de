//! The identity provider's metrics, counted from its events (an event listener, as Keycloak's
//! event metrics are): Keycloak's `keycloak_user_events_total` (`realm`, `client_id`, `idp`,
//! `event` in lower case without `_error`, `error`) — logins, failed logins, logouts, code and
//! refresh exchanges — and what Keycloak has no metric for:
//! `kubeward_idp_tokens_issued_total` by grant type, `kubeward_idp_refresh_token_reuse_total`
//! (a refresh token presented again: its family revoked) and `kubeward_idp_lockouts_total`
//! (users locked by brute-force detection). Rendered by `prometheus-client`, alone on the
//! provider's `/metrics` or after the API server's on its own.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

use crate::events::listener::{Context, EventListener, Recorded};
use crate::flows::refresh::REUSE_DETECTED;

/// The content type of [`IdpMetrics::render`].
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    realm: String,
    client_id: String,
    idp: String,
    event: String,
    error: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GrantLabels {
    realm: String,
    grant_type: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RealmLabels {
    realm: String,
}

/// The counters.
#[derive(Debug)]
pub struct IdpMetrics {
    registry: Registry,
    events: Family<EventLabels, Counter>,
    tokens: Family<GrantLabels, Counter>,
    reuse: Family<RealmLabels, Counter>,
    lockouts: Family<RealmLabels, Counter>,
}

impl Default for IdpMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl IdpMetrics {
    /// Every family registered, none counted yet.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let events = Family::<EventLabels, Counter>::default();
        registry.register(
            "keycloak_user_events",
            "Keycloak user events",
            events.clone(),
        );
        let tokens = Family::<GrantLabels, Counter>::default();
        registry.register(
            "kubeward_idp_tokens_issued",
            "Tokens issued by the token endpoint, by grant type",
            tokens.clone(),
        );
        let reuse = Family::<RealmLabels, Counter>::default();
        registry.register(
            "kubeward_idp_refresh_token_reuse",
            "Refresh tokens presented again, whose family was revoked",
            reuse.clone(),
        );
        let lockouts = Family::<RealmLabels, Counter>::default();
        registry.register(
            "kubeward_idp_lockouts",
            "Users locked by brute-force detection",
            lockouts.clone(),
        );
        Self {
            registry,
            events,
            tokens,
            reuse,
            lockouts,
        }
    }

    /// Writes the families (without the closing `# EOF`), to follow another exposition.
    pub fn encode(&self, out: &mut String) -> std::fmt::Result {
        encode_registry(out, &self.registry)
    }

    /// The exposition alone, in OpenMetrics text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = self.encode(&mut out).and_then(|()| encode_eof(&mut out));
        out
    }
}

impl EventListener for IdpMetrics {
    fn on_event(&self, event: &Recorded, context: &Context) {
        let Recorded::Login(e) = event else {
            return;
        };
        let realm = context.realm.clone();
        let kind = e.kind.strip_suffix("_ERROR").unwrap_or(&e.kind);
        let detail = |k: &str| e.details.get(k).cloned().unwrap_or_default();
        self.events
            .get_or_create(&EventLabels {
                realm: realm.clone(),
                client_id: e.client_id.clone().unwrap_or_default(),
                idp: detail("identity_provider"),
                event: kind.to_ascii_lowercase(),
                error: e.error.clone().unwrap_or_default(),
            })
            .inc();
        match (e.kind.as_str(), e.error.is_some()) {
            (_, false) if e.details.contains_key("grant_type") => {
                self.tokens
                    .get_or_create(&GrantLabels {
                        realm,
                        grant_type: detail("grant_type"),
                    })
                    .inc();
            }
            ("REFRESH_TOKEN_ERROR", true) if detail("reason") == REUSE_DETECTED => {
                self.reuse.get_or_create(&RealmLabels { realm }).inc();
            }
            ("USER_DISABLED_BY_TEMPORARY_LOCKOUT" | "USER_DISABLED_BY_PERMANENT_LOCKOUT", _) => {
                self.lockouts.get_or_create(&RealmLabels { realm }).inc();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
