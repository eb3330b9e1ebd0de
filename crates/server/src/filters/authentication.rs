//! Authentication: the union of kube-apiserver's authenticators (`kubeward-authn`) over the
//! connection's client certificates and the `Authorization` header. An OIDC token signed with a
//! key not seen yet makes the issuer's keys be fetched once (rate-limited) and the request tried
//! again; an EKS-style IAM token not verified yet is sent to STS once (`iam_sts`) and the request
//! tried again, answered from the IAM cache from then on. A bearer token the others turn down
//! goes to the token webhook, if one is configured (a webhook that cannot be reached makes the
//! request 401). A refused request gets the generic
//! 401; the reason is logged, never the token.

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
    let header = parts.headers.get(AUTHORIZATION);
    let authorization = header.and_then(|v| v.to_str().ok());
    if authorization.is_none() && header.is_some_and(|v| is_bearer(v.as_bytes())) {
        // A bearer token that is not text can never be valid: kube-apiserver's token
        // authenticators refuse it (401); it is not an anonymous request.
        tracing::info!(
            path = parts.uri.path(),
            "Unable to authenticate the request: the bearer token is not valid text"
        );
        return Err(status::unauthorized());
    }
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
    if let (Outcome::Unauthorized(_), Some(iam), Some(token)) = (
        &outcome,
        &state.iam,
        authorization.and_then(kubeward_authn::bearer_token),
    ) {
        match iam.verify(token).await {
            Some(Ok(())) => {
                outcome = state.authenticator.authenticate(
                    &credentials,
                    state,
                    crate::clock::system_now(),
                );
            }
            Some(Err(error)) => {
                outcome = Outcome::Unauthorized(format!("invalid bearer token, {error}"));
            }
            None => {}
        }
    }
    if let Some(webhook) = &state.token_webhook
        && let Some(token) = authorization.and_then(kubeward_authn::bearer_token)
        && needs_webhook(&outcome)
    {
        outcome = match webhook
            .authenticate(token, crate::clock::system_now())
            .await
        {
            Ok(Some(found)) => {
                Outcome::Authenticated(kubeward_authn::add_authenticated_group(found.user))
            }
            Ok(None) => Outcome::Unauthorized(with_reason(&outcome, "webhook: not authenticated")),
            Err(error) => {
                Outcome::Unauthorized(with_reason(&outcome, &format!("webhook: {error}")))
            }
        };
    }
    match outcome {
        Outcome::Authenticated(user) => Ok(user),
        Outcome::Unauthorized(reason) => {
            tracing::info!(path = parts.uri.path(), %reason, "Unable to authenticate the request");
            Err(status::unauthorized())
        }
    }
}

/// Whether the token webhook is asked: the other authenticators turned the bearer token down,
/// or none of them takes tokens (the request would otherwise be anonymous).
fn needs_webhook(outcome: &Outcome) -> bool {
    match outcome {
        Outcome::Unauthorized(_) => true,
        Outcome::Authenticated(user) => user.name == kubeward_core::user::ANONYMOUS,
    }
}

/// The reasons of a refusal so far, with `more`.
fn with_reason(outcome: &Outcome, more: &str) -> String {
    match outcome {
        Outcome::Unauthorized(reason) => format!("{reason}; {more}"),
        Outcome::Authenticated(_) => more.to_string(),
    }
}

/// The `Warning` header kube-apiserver's bearer authenticator adds when the token is preceded
/// by a second space (the header is then no credential: the request is anonymous).
pub const EXTRA_SPACE_WARNING: &str = "299 - \"the provided Authorization header contains extra space before the bearer token, and is ignored\"";

/// Whether the `Authorization` header is `Bearer  <token>` (two spaces), which kube-apiserver
/// ignores with [`EXTRA_SPACE_WARNING`]: split on single spaces, three parts, the second empty.
pub fn extra_space_before_token(headers: &http::HeaderMap) -> bool {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return false;
    };
    let parts: Vec<&[u8]> = value
        .as_bytes()
        .trim_ascii()
        .split(|b| *b == b' ')
        .collect();
    parts.len() == 3 && parts[0].eq_ignore_ascii_case(b"bearer") && parts[1].is_empty()
}

/// Whether an `Authorization` value is `Bearer <token>` with a token (scheme in any case), as
/// kube-apiserver's bearer authenticator reads it.
fn is_bearer(value: &[u8]) -> bool {
    let value = value.trim_ascii();
    let mut parts = value.splitn(3, |b| *b == b' ');
    let scheme = parts.next().unwrap_or_default();
    let token = parts.next().unwrap_or_default();
    scheme.eq_ignore_ascii_case(b"bearer") && !token.is_empty()
}

#[cfg(test)]
mod tests;
