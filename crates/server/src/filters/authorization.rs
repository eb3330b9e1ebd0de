//! Authorization: the request's attributes asked of the authorizer; a denial is kube-apiserver's
//! 403 with its exact words. An audited request records the decision and the authorizer's reason
//! (`authorization.k8s.io/decision` and `reason`).

use kubeward_core::UserInfo;
use kubeward_core::request_info::RequestInfo;
use kubeward_core::status::{self, Status};

use kubeward_webhook::Decision;

use crate::auditing::Record;
use crate::authorizer;
use crate::state::State;

/// `Ok` when `user` may do what `info` asks, else the 403 to answer.
pub async fn authorize(
    state: &State,
    info: &RequestInfo,
    user: &UserInfo,
    audit: Option<&Record>,
) -> Result<(), Status> {
    let attributes = info.to_attributes(user.clone());
    let denial = match audit {
        // Only an audited request needs the reason of an allowed one.
        Some(record) => {
            let verdict = authorizer::authorize(state, &attributes).await;
            let allowed = verdict.decision == Decision::Allow;
            record.authorized(allowed, &verdict.reason);
            (!allowed).then_some(verdict.reason)
        }
        None => authorizer::denial(state, &attributes).await,
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
