//! A SubjectAccessReview webhook in the authorizer chain, as kube-apiserver's
//! `WebhookAuthorizer`: its match conditions decide whether it is asked; answers are kept per
//! request spec (an allow for `authorizedTTL`, anything else for `unauthorizedTTL`); a call
//! that fails — unreachable, an error status, an answer that is not a review — or a match
//! condition that cannot be evaluated decides what the failure policy says (no opinion by
//! default), with the error for the log and for a SubjectAccessReview's `evaluationError`.

use std::time::SystemTime;

use kubeward_core::attributes::Attributes;
use kubeward_webhook::authorization_config::FailurePolicy;
use kubeward_webhook::cache::ExpiringCache;
use kubeward_webhook::match_conditions::MatchConditions;
use kubeward_webhook::wire::AccessReviewStatus;
use kubeward_webhook::{Decision, Verdict, Version, access_review};

use super::client::WebhookClient;
use crate::config::WebhookAuthorizer as Config;

/// Answers kept at most (kube-apiserver's LRU holds 8192).
const CAPACITY: usize = 8192;

/// An authorization webhook.
#[derive(Debug)]
pub struct WebhookAuthorizer {
    name: String,
    client: WebhookClient,
    version: Version,
    cache: ExpiringCache<String, AccessReviewStatus>,
    authorized_ttl: std::time::Duration,
    unauthorized_ttl: std::time::Duration,
    on_failure: Decision,
    conditions: MatchConditions,
}

impl WebhookAuthorizer {
    /// The webhook of `config`.
    pub fn new(config: &Config) -> Result<Self, String> {
        let spec = &config.spec;
        let conditions =
            MatchConditions::compile(&spec.match_conditions, "").map_err(|errors| {
                kubeward_core::status::aggregate(errors.iter().map(ToString::to_string))
            })?;
        Ok(Self {
            name: spec.name.clone(),
            client: WebhookClient::new(&config.connection, spec.timeout)
                .map_err(|e| format!("authorization webhook {:?}: {e}", spec.name))?,
            version: spec.version,
            cache: ExpiringCache::new(CAPACITY),
            authorized_ttl: spec.authorized_ttl,
            unauthorized_ttl: spec.unauthorized_ttl,
            on_failure: match spec.failure_policy {
                FailurePolicy::NoOpinion => Decision::NoOpinion,
                FailurePolicy::Deny => Decision::Deny,
            },
            conditions,
        })
    }

    /// The webhook's decision on `attributes`.
    pub async fn authorize(&self, attributes: &Attributes, now: SystemTime) -> Verdict {
        match self.conditions.matches(&access_review::spec(attributes)) {
            Ok(true) => {}
            Ok(false) => return Verdict::new(Decision::NoOpinion, ""),
            Err(error) => return self.failed(error),
        }
        let request = access_review::request(self.version, attributes);
        if let Some(status) = self.cache.get(&request.cache_key, now) {
            return access_review::verdict(&status);
        }
        let status = match self.client.post(&request.body).await {
            Ok(bytes) => match access_review::read_status(&bytes) {
                Ok(status) => status,
                Err(e) => return self.failed(format!("{}: {e}", self.client.url())),
            },
            Err(error) => return self.failed(error),
        };
        if request.cacheable {
            let ttl = if status.allowed {
                self.authorized_ttl
            } else {
                self.unauthorized_ttl
            };
            self.cache
                .insert(request.cache_key, status.clone(), ttl, now);
        }
        access_review::verdict(&status)
    }

    fn failed(&self, error: String) -> Verdict {
        tracing::warn!(webhook = %self.name, %error, "Failed to make webhook authorizer request");
        Verdict::failed(self.on_failure, error)
    }
}
