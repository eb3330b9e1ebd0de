//! How long a realm keeps its sessions alive: the SSO session's lifetimes, or the offline ones.

use crate::flows::refresh::{Lifetimes, Session};
use crate::model::Realm;

/// The lifetimes of a realm's SSO sessions.
pub fn lifetimes(realm: &Realm) -> Lifetimes {
    Lifetimes {
        idle: realm.settings.sso_session_idle_timeout,
        max: realm.settings.sso_session_max_lifespan,
        single_use: realm.settings.revoke_refresh_token,
    }
}

/// The lifetimes of a session of a realm: the SSO session's, or the offline ones (no max
/// lifespan unless the realm enables one, as Keycloak).
pub fn session_lifetimes(realm: &Realm, session: &Session) -> Lifetimes {
    if !session.offline {
        return lifetimes(realm);
    }
    let s = &realm.settings;
    Lifetimes {
        idle: s.offline_session_idle_timeout,
        max: if s.offline_session_max_lifespan_enabled {
            s.offline_session_max_lifespan
        } else {
            u64::MAX / 4
        },
        single_use: s.revoke_refresh_token,
    }
}
