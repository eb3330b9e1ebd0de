//! TokenReview (`authentication.k8s.io`, `v1` or `v1beta1`) both ways:
//!
//! - as kube-apiserver's token webhook authenticator sends it and reads the answer
//!   ([`request_body`], [`read_answer`]: the audience check of `WebhookTokenAuthenticator`, an
//!   unauthenticated answer's `status.error`);
//! - as a webhook receives it and answers ([`read_request`], [`answer_body`]).

use kubeward_authn::TokenUser;
use kubeward_core::UserInfo;

use crate::review::{self, GROUP_AUTHENTICATION, ReadError, TOKEN_REVIEW};
use crate::version::Version;
use crate::wire::{self, TokenReview, TokenReviewSpec, TokenReviewStatus};

/// What a token webhook answered, as kube-apiserver takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenAnswer {
    /// The token is the user's (kube-apiserver's group adder has not run yet), valid for
    /// `audiences` (the wanted audiences it may be used for; empty when none were wanted).
    Authenticated(TokenUser),
    /// Not a token the webhook knows; `error` is its `status.error`, if any.
    Unauthenticated {
        /// The webhook's `status.error`.
        error: Option<String>,
    },
}

/// The body kube-apiserver posts to a token webhook for `token`, asking for `audiences` (the
/// API audiences, empty when it has none).
pub fn request_body(version: Version, token: &str, audiences: &[String]) -> Vec<u8> {
    let review = TokenReview {
        kind: TOKEN_REVIEW.to_string(),
        api_version: format!("{GROUP_AUTHENTICATION}/{}", version.as_str()),
        metadata: Some(wire::Metadata::default()),
        spec: Some(TokenReviewSpec {
            token: token.to_string(),
            audiences: audiences.to_vec(),
        }),
        status: TokenReviewStatus::default(),
    };
    serde_json::to_vec(&review).unwrap_or_default()
}

/// Reads a webhook's answer as `WebhookTokenAuthenticator.AuthenticateToken` does. `wanted`:
/// the audiences the request was limited to (`None` when the server has no API audiences);
/// `implicit`: the server's API audiences, assumed when the answer names none.
pub fn read_answer(
    body: &[u8],
    wanted: Option<&[String]>,
    implicit: &[String],
) -> Result<TokenAnswer, ReadError> {
    let review: TokenReview = review::decode(body, TOKEN_REVIEW, GROUP_AUTHENTICATION)?;
    let status = review.status;
    let mut audiences = Vec::new();
    if let Some(wanted) = wanted {
        let got = if status.audiences.is_empty() {
            implicit
        } else {
            &status.audiences[..]
        };
        audiences = wanted.iter().filter(|a| got.contains(a)).cloned().collect();
        if audiences.is_empty() {
            return Ok(TokenAnswer::Unauthenticated { error: None });
        }
    }
    if !status.authenticated {
        let error = (!status.error.is_empty()).then_some(status.error);
        return Ok(TokenAnswer::Unauthenticated { error });
    }
    let wire::UserInfo {
        username,
        uid,
        groups,
        extra,
    } = status.user;
    let mut user = UserInfo::new(username, groups);
    user.uid = uid;
    user.extra = extra;
    Ok(TokenAnswer::Authenticated(TokenUser { user, audiences }))
}

/// A TokenReview a webhook received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenReviewRequest {
    /// The version it came in (the answer's).
    pub version: Version,
    /// `spec.token`.
    pub token: String,
    /// `spec.audiences`.
    pub audiences: Vec<String>,
}

/// Reads the TokenReview a webhook is posted; a review without a token is refused as
/// kube-apiserver refuses it.
pub fn read_request(body: &[u8]) -> Result<TokenReviewRequest, ReadError> {
    let (version, review): (Version, TokenReview) =
        review::decode_request(body, TOKEN_REVIEW, GROUP_AUTHENTICATION)?;
    let spec = review.spec.unwrap_or_default();
    if spec.token.is_empty() {
        return Err(ReadError::Invalid(
            "token is required for TokenReview in authentication".to_string(),
        ));
    }
    Ok(TokenReviewRequest {
        version,
        token: spec.token,
        audiences: spec.audiences,
    })
}

/// The answer to a review in `version`: the user and the audiences the token is valid for, or
/// `authenticated: false` with `error` (for kube-apiserver's log; never the token).
pub fn answer_body(version: Version, result: &Result<TokenUser, String>) -> Vec<u8> {
    let status = match result {
        Ok(found) => TokenReviewStatus {
            authenticated: true,
            user: wire::UserInfo {
                username: found.user.name.clone(),
                uid: found.user.uid.clone(),
                groups: found.user.groups.clone(),
                extra: found.user.extra.clone(),
            },
            audiences: found.audiences.clone(),
            error: String::new(),
        },
        Err(error) => TokenReviewStatus {
            error: error.clone(),
            ..TokenReviewStatus::default()
        },
    };
    let review = TokenReview {
        kind: TOKEN_REVIEW.to_string(),
        api_version: format!("{GROUP_AUTHENTICATION}/{}", version.as_str()),
        metadata: None,
        spec: None,
        status,
    };
    serde_json::to_vec(&review).unwrap_or_default()
}

#[cfg(test)]
mod tests;
