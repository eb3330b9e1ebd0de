//! Authorization: the request's attributes asked of the authorizer; a denial is kube-apiserver's
//! 403 with its exact words.

use kubeward_core::UserInfo;
use kubeward_core::request_info::RequestInfo;
use kubeward_core::status::{self, Status};

use crate::authorizer;
use crate::state::State;

/// `Ok` when `user` may do what `info` asks, else the 403 to answer.
pub async fn authorize(state: &State, info: &RequestInfo, user: &UserInfo) -> Result<(), Status> {
    let attributes = info.to_attributes(user.clone());
    match authorizer::denial(state, &attributes).await {
        None => Ok(()),
        Some(reason) => {
            tracing::debug!(user = %user.name, verb = %attributes.verb, "forbidden");
            Err(status::forbidden(&attributes, &reason))
        }
    }
}

#[cfg(test)]
mod tests;
