//! Authorization: the request's attributes asked of the authorizer; a denial is kube-apiserver's
//! 403 with its exact words. An audited request records the decision and the authorizer's reason
//! (`authorization.k8s.io/decision` and `reason`).

use kubeward_core::UserInfo;
use kubeward_core::request_info::RequestInfo;
use kubeward_core::status::{self, Status};

use kubeward_rbac::Decision;

use crate::auditing::Record;
use crate::authorizer;
use crate::state::State;

/// `Ok` when `user` may do what `info` asks, else the 403 to answer.
pub fn authorize(
    state: &State,
    info: &RequestInfo,
    user: &UserInfo,
    audit: Option<&Record>,
) -> Result<(), Status> {
    let attributes = info.to_attributes(user.clone());
    let denial = match audit {
        // Only an audited request needs the reason of an allowed one.
        Some(record) => match authorizer::authorize(state, &attributes) {
            Decision::Allow { reason } => {
                record.authorized(true, &reason);
                None
            }
            Decision::NoOpinion { reason } => {
                record.authorized(false, &reason);
                Some(reason)
            }
        },
        None => authorizer::denial(state, &attributes),
    };
    match denial {
        None => Ok(()),
        Some(reason) => {
            tracing::debug!(user = %user.name, verb = %attributes.verb, "forbidden");
            Err(status::forbidden(&attributes, &reason))
        }
    }
}

#[cfg(test)]
mod tests;
