//! Keycloak's event listeners (its `EventListenerProvider` SPI): what else than the realm's own
//! event store hears of every login and admin event — whether or not the realm saves events —
//! with the request that caused it. The audit log and the metrics are the two kubeward has.

use std::time::SystemTime;

use super::{AdminEvent, Event};

/// One event, as the provider recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// A login event (`LOGIN`, `CODE_TO_TOKEN`, `LOGIN_ERROR`, …).
    Login(Event),
    /// An admin event.
    Admin(AdminEvent),
}

impl Recorded {
    /// The event's id.
    pub fn id(&self) -> &str {
        match self {
            Recorded::Login(e) => &e.id,
            Recorded::Admin(e) => &e.id,
        }
    }
}

/// What is known of an event besides itself: its realm's and user's names, and the request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// The realm's name.
    pub realm: String,
    /// The user's username (the admin's for an admin event), or `""` when there is none (a
    /// failed login of an unknown user names the attempted one).
    pub username: String,
    /// The request.
    pub origin: Origin,
}

/// The HTTP request an event came from; empty for an event outside a request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// `GET`, `POST`, …
    pub method: String,
    /// The request's path (without its query, which may carry an authorization code).
    pub path: String,
    /// The caller's addresses: `X-Forwarded-For`, `X-Real-Ip`, then the peer, as
    /// kube-apiserver lists them.
    pub source_ips: kubeward_audit::source_ips::SourceIps,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// When the request was received.
    pub received: Option<SystemTime>,
    /// When it was answered.
    pub completed: Option<SystemTime>,
    /// The answer's status code (0 before it is known).
    pub code: u16,
}

/// Hears every event of every realm.
pub trait EventListener: Send + Sync {
    /// Takes one event. Called after the request's answer is known, off the request's path as
    /// far as the listener allows: it must not block for long.
    fn on_event(&self, event: &Recorded, context: &Context);
}
