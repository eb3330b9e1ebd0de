//! The authorizer: kube-apiserver's union of authorizers as this server runs it — the
//! `system:masters` group (allowed, no reason), then the configured mode (RBAC or AlwaysAllow).
//! The one place that asks the RBAC index for a decision; the authorization filter, the
//! impersonation filter, the access reviews and the RBAC and CSR admission checks ask it. Each
//! decision allowed by the configured mode is counted (`apiserver_authorization_decisions_total`;
//! RBAC has no opinion on what it does not allow, so it never denies).

use kubeward_core::attributes::Attributes;
use kubeward_rbac::Decision;

use crate::config::AuthorizationMode;
use crate::state::State;

/// The decision, with the authorizer's reason (what SubjectAccessReviews answer).
pub fn authorize(state: &State, attributes: &Attributes) -> Decision {
    if privileged(attributes) {
        return Decision::Allow {
            reason: String::new(),
        };
    }
    if state.config.authorization == AuthorizationMode::AlwaysAllow {
        state.metrics.allowed_by("AlwaysAllow", "alwaysallow");
        return Decision::Allow {
            reason: String::new(),
        };
    }
    let decision = state.policy().authorize(attributes);
    if matches!(decision, Decision::Allow { .. }) {
        state.metrics.allowed_by("RBAC", "rbac");
    }
    decision
}

/// Whether the request is allowed (no reason built: the hot path).
pub fn allowed(state: &State, attributes: &Attributes) -> bool {
    if privileged(attributes) {
        return true;
    }
    if state.config.authorization == AuthorizationMode::AlwaysAllow {
        state.metrics.allowed_by("AlwaysAllow", "alwaysallow");
        return true;
    }
    let allowed = state.policy().allows(attributes);
    if allowed {
        state.metrics.allowed_by("RBAC", "rbac");
    }
    allowed
}

/// `None` when the request is allowed, else the authorizer's reason (possibly empty). The
/// reason is only built for a denial.
pub fn denial(state: &State, attributes: &Attributes) -> Option<String> {
    if allowed(state, attributes) {
        return None;
    }
    match authorize(state, attributes) {
        Decision::Allow { .. } => None,
        Decision::NoOpinion { reason } => Some(reason),
    }
}

/// `system:masters` is allowed before any authorizer is asked (and not counted, as
/// kube-apiserver's privileged-group authorizer is not).
fn privileged(attributes: &Attributes) -> bool {
    attributes
        .user
        .groups
        .iter()
        .any(|g| g == kubeward_core::user::SYSTEM_PRIVILEGED_GROUP)
}
