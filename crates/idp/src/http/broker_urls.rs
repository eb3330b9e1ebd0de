//! Where a login meets the identity broker: the "sign in with" link of each provider on the
//! login page, kubeward's redirect URI at the upstream, and where a login is sent to log in
//! upstream. Shared by the login page (`login`) and the broker's endpoints (`broker`).

use super::Ctx;
use crate::model::Realm;
use crate::provider::browser::{Login, with_query};

/// `…/broker/<alias>/login` with a login's state, as Keycloak's "sign in with" links.
pub(super) fn login_url(ctx: &Ctx, realm: &str, alias: &str, login: &Login) -> String {
    let base = format!("{}/broker/{alias}/login", ctx.issuer(realm));
    with_query(
        &base,
        &[
            ("client_id", &login.client_id),
            ("tab_id", &login.tab_id),
            ("session_code", &login.session_code),
        ],
    )
}

/// kubeward's redirect URI at the upstream: `…/broker/<alias>/endpoint`.
pub(super) fn endpoint(ctx: &Ctx, realm: &str, alias: &str) -> String {
    format!("{}/broker/{alias}/endpoint", ctx.issuer(realm))
}

/// Where a login goes to log in at `alias` (`kc_idp_hint`, or its link); `None` when the
/// provider cannot be used.
pub(super) fn upstream_location(
    ctx: &Ctx,
    realm: &Realm,
    login_id: &str,
    login: &Login,
    alias: &str,
    now: u64,
) -> Option<String> {
    ctx.provider.broker_redirect(
        realm,
        login_id,
        &login.session_code,
        &login.tab_id,
        alias,
        &endpoint(ctx, &realm.name, alias),
        now,
    )
}
