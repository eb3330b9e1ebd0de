//! The authenticator factories' lists (`…/authenticator-providers`,
//! `…/client-authenticator-providers`, `…/form-action-providers`, `…/form-providers`) and
//! `…/config-description/{providerId}`.

use axum::extract::Path;

use super::super::access::ReadRealm;
use super::super::answer::{Answer, not_found, ok_json};
use super::catalogue::{self, Kind};

/// `GET …/authentication/authenticator-providers`.
pub(in super::super) async fn authenticators(ReadRealm(_): ReadRealm) -> Answer {
    ok_json(&catalogue::listed(Kind::Authenticator))
}

/// `GET …/authentication/client-authenticator-providers`.
pub(in super::super) async fn client_authenticators(ReadRealm(_): ReadRealm) -> Answer {
    ok_json(&catalogue::listed(Kind::Client(false)))
}

/// `GET …/authentication/form-action-providers`.
pub(in super::super) async fn form_actions(ReadRealm(_): ReadRealm) -> Answer {
    ok_json(&catalogue::listed(Kind::FormAction))
}

/// `GET …/authentication/form-providers`.
pub(in super::super) async fn forms(ReadRealm(_): ReadRealm) -> Answer {
    ok_json(&catalogue::listed(Kind::Form))
}

/// `GET …/authentication/config-description/{providerId}`.
pub(in super::super) async fn config_description(
    ReadRealm(_): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    let factory =
        catalogue::step(&id).ok_or_else(|| not_found("Could not find authenticator provider"))?;
    ok_json(&catalogue::config_description(factory))
}
