//! The configured authorizer chain (`--authorization-mode` or `--authorization-config`), built
//! once at start, and kube-apiserver's union over it: asked in order, the first allow or deny
//! decides; when none does, the request gets no opinion with every reason given, one per line,
//! and every error met. RBAC is handed in by the caller (the index lives in the state).

use std::time::SystemTime;

use kubeward_core::attributes::Attributes;
use kubeward_webhook::{Decision, Verdict};

use crate::config::Authorizer;
use crate::webhooks::access::WebhookAuthorizer;

/// The chain after `system:masters`.
#[derive(Debug, Default)]
pub struct Chain {
    steps: Vec<Step>,
}

#[derive(Debug)]
enum Step {
    Rbac,
    AlwaysAllow,
    AlwaysDeny,
    Node,
    Webhook(Box<WebhookAuthorizer>),
}

/// RBAC's answer, as the caller computes it.
pub type Rbac<'a> = &'a (dyn Fn(&Attributes) -> kubeward_rbac::Decision + Sync);

impl Chain {
    /// The chain of `authorizers`.
    pub fn new(authorizers: &[Authorizer]) -> Result<Self, String> {
        let steps = authorizers
            .iter()
            .map(|authorizer| {
                Ok(match authorizer {
                    Authorizer::Rbac => Step::Rbac,
                    Authorizer::AlwaysAllow => Step::AlwaysAllow,
                    Authorizer::AlwaysDeny => Step::AlwaysDeny,
                    Authorizer::Node => Step::Node,
                    Authorizer::Webhook(config) => {
                        Step::Webhook(Box::new(WebhookAuthorizer::new(config)?))
                    }
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Self { steps })
    }

    /// Whether a webhook is in the chain (its rules cannot be listed).
    pub fn has_webhooks(&self) -> bool {
        self.steps.iter().any(|s| matches!(s, Step::Webhook(_)))
    }

    /// The union's decision, with the reasons and errors.
    pub async fn authorize(
        &self,
        attributes: &Attributes,
        rbac: Rbac<'_>,
        now: SystemTime,
    ) -> Verdict {
        let mut reasons: Vec<String> = Vec::new();
        let mut errors: Vec<String> = Vec::new();
        for step in &self.steps {
            let verdict = match step {
                Step::Rbac => match rbac(attributes) {
                    kubeward_rbac::Decision::Allow { reason } => {
                        Verdict::new(Decision::Allow, reason)
                    }
                    kubeward_rbac::Decision::NoOpinion { reason } => {
                        Verdict::new(Decision::NoOpinion, reason)
                    }
                },
                Step::AlwaysAllow => Verdict::new(Decision::Allow, ""),
                // kube-apiserver's AlwaysDeny has no opinion (with its reason): what follows may
                // still allow.
                Step::AlwaysDeny => Verdict::new(Decision::NoOpinion, "Everything is forbidden."),
                Step::Node => Verdict::new(Decision::NoOpinion, ""),
                Step::Webhook(webhook) => webhook.authorize(attributes, now).await,
            };
            if let Some(error) = verdict.error {
                errors.push(error);
            }
            if verdict.decision != Decision::NoOpinion {
                return Verdict {
                    decision: verdict.decision,
                    reason: verdict.reason,
                    error: error_of(errors),
                };
            }
            if !verdict.reason.is_empty() {
                reasons.push(verdict.reason);
            }
        }
        Verdict {
            decision: Decision::NoOpinion,
            reason: reasons.join("\n"),
            error: error_of(errors),
        }
    }

    /// Whether the request is allowed when no webhook needs to be asked (`None`: one does);
    /// `rbac_allows` answers without building a reason.
    pub fn allowed_now(
        &self,
        attributes: &Attributes,
        rbac_allows: &dyn Fn(&Attributes) -> bool,
    ) -> Option<bool> {
        for step in &self.steps {
            match step {
                Step::Rbac => {
                    if rbac_allows(attributes) {
                        return Some(true);
                    }
                }
                Step::AlwaysAllow => return Some(true),
                Step::AlwaysDeny | Step::Node => {}
                Step::Webhook(_) => return None,
            }
        }
        Some(false)
    }
}

fn error_of(errors: Vec<String>) -> Option<String> {
    (!errors.is_empty()).then(|| kubeward_core::status::aggregate(errors))
}

#[cfg(test)]
mod tests;
