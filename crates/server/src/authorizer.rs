//! The authorizer: kube-apiserver's union of authorizers as this server runs it — the
//! `system:masters` group (allowed, no reason), then the configured mode (RBAC or AlwaysAllow).
//! The one place that asks the RBAC index for a decision; the authorization filter, the
//! impersonation filter, the access reviews and the RBAC and CSR admission checks ask it.

use kubeward_core::attributes::Attributes;
use kubeward_rbac::Decision;

use crate::config::AuthorizationMode;
use crate::state::State;

/// The decision, with the authorizer's reason (what SubjectAccessReviews answer).
pub fn authorize(state: &State, attributes: &Attributes) -> Decision {
    if unconditionally_allowed(state, attributes) {
        return Decision::Allow {
            reason: String::new(),
        };
    }
    state.policy().authorize(attributes)
}

/// Whether the request is allowed (no reason built: the hot path).
pub fn allowed(state: &State, attributes: &Attributes) -> bool {
    unconditionally_allowed(state, attributes) || state.policy().allows(attributes)
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

/// `system:masters` (and `--authorization-mode=AlwaysAllow`) are allowed before RBAC is asked.
fn unconditionally_allowed(state: &State, attributes: &Attributes) -> bool {
    state.config.authorization == AuthorizationMode::AlwaysAllow
        || attributes
            .user
            .groups
            .iter()
            .any(|g| g == kubeward_core::user::SYSTEM_PRIVILEGED_GROUP)
}
