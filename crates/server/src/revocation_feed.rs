//! Following what the OIDC issuers revoked: for each configured issuer, a long-lived
//! `GET {issuer}/kubeward/revocations` (kubeward's identity provider answers it with
//! newline-delimited entries: a user's or a session's tokens issued before `notBefore` no
//! longer count), each entry applied to the authenticator's revocations as it arrives, so that
//! the next request with such a token is 401 — milliseconds after the change at the provider.
//! An issuer that does not serve the feed (404: not kubeward) is asked again every five
//! minutes; a broken or silent connection (no heartbeat for [`SILENCE`]) is opened again after
//! [`RETRY`]. Errors are logged with the issuer, never a token.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use kubeward_authn::oidc::OidcAuthenticator;
use kubeward_authn::revocation::{Entry, Revocations};

/// How long to wait before connecting again after the feed broke off.
pub const RETRY: Duration = Duration::from_secs(1);
/// How long to wait before asking an issuer that has no feed again.
pub const NO_FEED_RETRY: Duration = Duration::from_secs(300);
/// How long a connection may stay silent (the provider sends an empty line every 10 s).
pub const SILENCE: Duration = Duration::from_secs(30);
/// The longest line read.
const MAX_LINE: usize = 64 * 1024;

/// The path of the feed under an issuer's URL.
pub const PATH: &str = "/kubeward/revocations";

/// Follows every issuer's feed, forever.
pub async fn follow(oidc: Arc<OidcAuthenticator>, revocations: Arc<Revocations>) {
    let tasks: Vec<_> = oidc
        .issuers()
        .iter()
        .map(|issuer| {
            let url = issuer.url().to_string();
            let client = crate::oidc_keys::streaming_client(issuer);
            let revocations = revocations.clone();
            tokio::spawn(async move {
                match client {
                    Ok(client) => follow_one(&client, &url, &revocations).await,
                    Err(error) => {
                        tracing::warn!(issuer = %url, %error, "oidc: cannot follow revocations");
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
}

/// Why one connection ended.
enum Ended {
    /// The issuer has no feed.
    NoFeed,
    /// It broke off (the reason for the log).
    Broken(String),
}

async fn follow_one(client: &reqwest::Client, issuer: &str, revocations: &Revocations) {
    let url = format!("{}{PATH}", issuer.trim_end_matches('/'));
    loop {
        let wait = match connection(client, &url, issuer, revocations).await {
            Ended::NoFeed => {
                tracing::debug!(issuer, "oidc: the issuer has no revocation feed");
                NO_FEED_RETRY
            }
            Ended::Broken(reason) => {
                tracing::info!(issuer, %reason, "oidc: the revocation feed broke off; connecting again");
                RETRY
            }
        };
        tokio::time::sleep(wait).await;
    }
}

async fn connection(
    client: &reqwest::Client,
    url: &str,
    issuer: &str,
    revocations: &Revocations,
) -> Ended {
    let mut response = match client.get(url).send().await {
        Ok(response) => response,
        Err(error) => return Ended::Broken(kubeward_core::go::error_chain(&error)),
    };
    match response.status() {
        reqwest::StatusCode::OK => {}
        reqwest::StatusCode::NOT_FOUND => return Ended::NoFeed,
        status => return Ended::Broken(format!("status {status}")),
    }
    tracing::info!(issuer, "oidc: following the issuer's revocations");
    let mut pending: Vec<u8> = Vec::new();
    loop {
        let chunk = match tokio::time::timeout(SILENCE, response.chunk()).await {
            Err(_) => return Ended::Broken("silent for too long".into()),
            Ok(Err(error)) => return Ended::Broken(kubeward_core::go::error_chain(&error)),
            Ok(Ok(None)) => return Ended::Broken("the feed ended".into()),
            Ok(Ok(Some(chunk))) => chunk,
        };
        pending.extend_from_slice(&chunk);
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            apply(issuer, &line, revocations);
        }
        if pending.len() > MAX_LINE {
            return Ended::Broken("a line longer than 64 KiB".into());
        }
    }
}

/// Applies one line of the feed (empty lines are heartbeats).
fn apply(issuer: &str, line: &[u8], revocations: &Revocations) {
    let line = line.trim_ascii();
    if line.is_empty() {
        return;
    }
    match serde_json::from_slice::<Entry>(line) {
        Ok(entry) => {
            let now = crate::clock::system_now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            tracing::info!(issuer, reason = %entry.reason, "oidc: tokens revoked by the issuer");
            revocations.apply(issuer, &entry, now);
        }
        Err(error) => tracing::warn!(issuer, %error, "oidc: an unreadable revocation entry"),
    }
}
