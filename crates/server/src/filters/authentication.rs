//! Authentication: the union of kube-apiserver's authenticators (`kubeward-authn`) over the
//! connection's client certificates and the `Authorization` header. An OIDC token signed with a
//! key not seen yet makes the issuer's keys be fetched once (rate-limited) and the request tried
//! again. A refused request gets the generic 401; the reason is logged, never the token.

use http::header::AUTHORIZATION;
use http::request::Parts;
use kubeward_authn::{Credentials, Outcome};
use kubeward_core::UserInfo;
use kubeward_core::status::{self, Status};

use crate::state::State;
use kubeward_net::ConnectionInfo as Connection;

/// The user the request comes from, or the 401 to answer.
pub async fn authenticate(
    state: &State,
    connection: &Connection,
    parts: &Parts,
) -> Result<UserInfo, Status> {
    let authorization = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let credentials = Credentials {
        peer_certificates: &connection.peer_certificates,
        authorization,
    };
    let mut outcome =
        state
            .authenticator
            .authenticate(&credentials, state, crate::clock::system_now());
    if let (Outcome::Unauthorized(_), Some(fetcher), Some(token)) = (
        &outcome,
        &state.oidc_keys,
        authorization.and_then(kubeward_authn::bearer_token),
    ) && fetcher.refresh_for(token).await
    {
        outcome = state
            .authenticator
            .authenticate(&credentials, state, crate::clock::system_now());
    }
    match outcome {
        Outcome::Authenticated(user) => Ok(user),
        Outcome::Unauthorized(reason) => {
            tracing::info!(path = parts.uri.path(), %reason, "Unable to authenticate the request");
            Err(status::unauthorized())
        }
    }
}

#[cfg(test)]
mod tests;
