//! The authorizer: kube-apiserver's union of authorizers as this server runs it — the
//! `system:masters` group (allowed, no reason), then the configured chain (`authorizers`).
//! The one place that asks the RBAC index or a webhook for a decision; the authorization
//! filter, the impersonation filter, the access reviews and the RBAC and CSR admission checks
//! ask it. Each decision an authorizer allows is counted
//! (`apiserver_authorization_decisions_total`).
//!
//! A webhook whose call fails decides what its failure policy says; with no opinion the chain
//! goes on, and if nothing allows, the request is denied (kube-apiserver answers 500 there:
//! kubeward keeps the 403 and logs the webhook's error).

use kubeward_core::attributes::Attributes;
use kubeward_webhook::{Decision, Verdict};

use crate::metrics::AllowedBy;
use crate::state::State;

/// The decision, with the authorizers' reasons and errors (what SubjectAccessReviews answer).
pub async fn authorize(state: &State, attributes: &Attributes) -> Verdict {
    if privileged(attributes) {
        return Verdict::new(Decision::Allow, "");
    }
    let counted = std::sync::atomic::AtomicBool::new(false);
    let rbac = |attributes: &Attributes| {
        let decision = state.policy().authorize(attributes);
        if matches!(decision, kubeward_rbac::Decision::Allow { .. }) {
            counted.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        decision
    };
    let verdict = state
        .authorizers
        .authorize(attributes, &rbac, crate::clock::system_now())
        .await;
    if verdict.decision == Decision::Allow {
        count(state, counted.load(std::sync::atomic::Ordering::Relaxed));
    }
    verdict
}

/// Counts an allowed decision: by RBAC, else AlwaysAllow or a webhook.
fn count(state: &State, by_rbac: bool) {
    if by_rbac {
        state.metrics.allowed_by(AllowedBy::Rbac);
    } else if state
        .config
        .authorization
        .iter()
        .any(|a| matches!(a, crate::config::Authorizer::AlwaysAllow))
    {
        state.metrics.allowed_by(AllowedBy::AlwaysAllow);
    } else {
        state.metrics.allowed_by(AllowedBy::Webhook);
    }
}

/// Whether the request is allowed, asked on a blocking thread (the registry's admission
/// checks): without webhooks no reason is built; a webhook is waited for on the runtime that
/// spawned the thread.
pub fn allowed_blocking(state: &State, attributes: &Attributes) -> bool {
    match allowed_now(state, attributes) {
        Some(allowed) => allowed,
        None => {
            tokio::runtime::Handle::current()
                .block_on(authorize(state, attributes))
                .decision
                == Decision::Allow
        }
    }
}

/// The answer when no webhook needs to be asked (`None`: one does).
fn allowed_now(state: &State, attributes: &Attributes) -> Option<bool> {
    if privileged(attributes) {
        return Some(true);
    }
    let counted = std::sync::atomic::AtomicBool::new(false);
    let rbac_allows = |attributes: &Attributes| {
        let allowed = state.policy().allows(attributes);
        counted.store(allowed, std::sync::atomic::Ordering::Relaxed);
        allowed
    };
    let allowed = state.authorizers.allowed_now(attributes, &rbac_allows);
    if allowed == Some(true) && !privileged(attributes) {
        count(state, counted.load(std::sync::atomic::Ordering::Relaxed));
    }
    allowed
}

/// `None` when the request is allowed, else the reasons (possibly empty). The reasons are only
/// built for a refusal; an authorizer's error is logged.
pub async fn denial(state: &State, attributes: &Attributes) -> Option<String> {
    if allowed_now(state, attributes) == Some(true) {
        return None;
    }
    let verdict = authorize(state, attributes).await;
    if verdict.decision == Decision::Allow {
        return None;
    }
    if let Some(error) = &verdict.error {
        tracing::warn!(user = %attributes.user.name, %error, "authorization: an authorizer failed");
    }
    Some(verdict.reason)
}

/// [`denial`] for an impersonation: a gateway asks the upstream (whose RBAC decides who may
/// impersonate whom), a server its own chain.
pub async fn impersonation_denial(state: &State, attributes: &Attributes) -> Option<String> {
    let Some(chain) = &state.impersonation else {
        return denial(state, attributes).await;
    };
    if privileged(attributes) {
        return None;
    }
    let rbac = |attributes: &Attributes| state.policy().authorize(attributes);
    let verdict = chain
        .authorize(attributes, &rbac, crate::clock::system_now())
        .await;
    if verdict.decision == Decision::Allow {
        return None;
    }
    if let Some(error) = &verdict.error {
        tracing::warn!(user = %attributes.user.name, %error, "impersonation: the upstream could not be asked");
    }
    Some(verdict.reason)
}

/// `system:masters` is allowed before the chain is asked.
fn privileged(attributes: &Attributes) -> bool {
    attributes
        .user
        .groups
        .iter()
        .any(|g| g == kubeward_core::user::SYSTEM_PRIVILEGED_GROUP)
}
