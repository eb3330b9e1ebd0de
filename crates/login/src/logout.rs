//! `logout`: revoke the cached refresh token at the issuer (RFC 7009, the discovery document's
//! `revocation_endpoint`) and remove the cache entry: a server-side logout for CLI sessions.

use crate::cache::{CacheError, CacheKey, TokenCache};
use crate::http::{self, HttpError, TlsOptions};
use crate::session::{Provider, Session, SessionError};
use crate::token;

/// Why logout did not fully succeed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogoutError {
    /// The cache could not be read or removed.
    #[error("token cache: {0}")]
    Cache(#[from] CacheError),
    /// The issuer could not be reached or discovered (the cache entry was kept).
    #[error("could not reach the issuer, the token cache was kept: {0}")]
    Session(#[from] SessionError),
    /// The issuer refused the revocation (the cache entry was kept).
    #[error("could not revoke the refresh token, the token cache was kept: {0}")]
    Revoke(HttpError),
}

/// What logout did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// There was no cache entry.
    NothingCached,
    /// The refresh token was revoked and the entry removed.
    Revoked,
    /// The entry was removed; there was no refresh token to revoke.
    NoRefreshToken,
    /// The entry was removed; the issuer has no revocation endpoint.
    NoRevocationEndpoint,
}

/// Revokes and removes the entry of `key`.
pub async fn logout(
    provider: &Provider,
    tls: &TlsOptions,
    cache: &TokenCache,
    key: &CacheKey,
) -> Result<Outcome, LogoutError> {
    let _lock = cache.lock(key)?;
    let Some(tokens) = cache.load(key)? else {
        return Ok(Outcome::NothingCached);
    };
    let Some(refresh_token) = tokens.refresh_token else {
        cache.remove(key)?;
        return Ok(Outcome::NoRefreshToken);
    };
    let session = Session::open(provider, tls).await?;
    let Some(endpoint) = session.metadata.revocation_endpoint.as_deref() else {
        cache.remove(key)?;
        return Ok(Outcome::NoRevocationEndpoint);
    };
    let mut form = vec![
        ("token", refresh_token),
        ("token_type_hint", "refresh_token".to_string()),
    ];
    let request = token::authenticate(session.http.post(endpoint), &provider.client(), &mut form);
    let (status, url, body) = http::send(request.form(&form))
        .await
        .map_err(LogoutError::Revoke)?;
    if !(200..300).contains(&status) {
        return Err(LogoutError::Revoke(http::error_from(status, url, &body)));
    }
    cache.remove(key)?;
    Ok(Outcome::Revoked)
}
