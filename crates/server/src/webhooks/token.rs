//! The token webhook (`--authentication-token-webhook-config-file`), asked after the other token
//! authenticators turn a bearer token down: a TokenReview for the API audiences, read as
//! kube-apiserver reads it, kept for the cache TTL (a success, or a plain "not authenticated";
//! an answer with `status.error` and a failed call are not kept). A webhook that cannot be
//! reached makes the request 401, never a server error.

use std::time::SystemTime;

use kubeward_authn::TokenUser;
use kubeward_authn::cache::{CacheKey, key};
use kubeward_webhook::Version;
use kubeward_webhook::cache::ExpiringCache;
use kubeward_webhook::token_review::{self, TokenAnswer};

use super::client::WebhookClient;
use crate::config::TokenWebhook;

/// Answers kept at most.
const CAPACITY: usize = 32_768;
/// kube-apiserver's limit on a webhook call (a kubeconfig cannot set one).
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The token webhook.
#[derive(Debug)]
pub struct TokenWebhookAuthenticator {
    client: WebhookClient,
    version: Version,
    cache: ExpiringCache<CacheKey, TokenAnswer>,
    ttl: std::time::Duration,
    api_audiences: Vec<String>,
}

impl TokenWebhookAuthenticator {
    /// The webhook of `config`, for a server whose API audiences are `api_audiences`.
    pub fn new(config: &TokenWebhook, api_audiences: &[String]) -> Result<Self, String> {
        Ok(Self {
            client: WebhookClient::new(&config.connection, TIMEOUT)?,
            version: config.version,
            cache: ExpiringCache::new(CAPACITY),
            ttl: config.cache_ttl,
            api_audiences: api_audiences.to_vec(),
        })
    }

    /// The user of `token` (`Ok(None)`: not authenticated), or why the webhook could not say
    /// (for the log).
    pub async fn authenticate(
        &self,
        token: &str,
        now: SystemTime,
    ) -> Result<Option<TokenUser>, String> {
        let wanted = (!self.api_audiences.is_empty()).then_some(self.api_audiences.as_slice());
        let audiences = self.api_audiences.join("\n");
        let cache_key = key("webhook-token", &[token.as_bytes(), audiences.as_bytes()]);
        let answer = match self.cache.get(&cache_key, now) {
            Some(answer) => answer,
            None => {
                let body = token_review::request_body(self.version, token, &self.api_audiences);
                let bytes = self.client.post(&body).await?;
                let answer = token_review::read_answer(&bytes, wanted, &self.api_audiences)
                    .map_err(|e| format!("{}: {e}", self.client.url()))?;
                if !matches!(answer, TokenAnswer::Unauthenticated { error: Some(_) }) {
                    self.cache.insert(cache_key, answer.clone(), self.ttl, now);
                }
                answer
            }
        };
        match answer {
            TokenAnswer::Authenticated(found) => Ok(Some(found)),
            TokenAnswer::Unauthenticated { error: None } => Ok(None),
            TokenAnswer::Unauthenticated { error: Some(error) } => Err(error),
        }
    }
}
