//! How a controller writes: as its own ServiceAccount, through the registry (defaults,
//! validation, admission), as kube-controller-manager's clients write through kube-apiserver.

use kubeward_core::UserInfo;
use kubeward_core::status::Status;
use serde_json::Value;

use crate::registry::generic;
use crate::registry::kinds::{Admission, Kind};
use crate::state::State;

/// The user a controller writes as (`system:serviceaccount:kube-system:<name>`).
pub fn controller_user(name: &str) -> UserInfo {
    UserInfo::new(
        format!("system:serviceaccount:kube-system:{name}"),
        vec![
            "system:serviceaccounts".to_string(),
            "system:serviceaccounts:kube-system".to_string(),
            "system:authenticated".to_string(),
        ],
    )
}

/// Creates `object` of `kind` in `namespace` through the registry (defaults, validation,
/// admission) as controller `user`.
pub fn create(
    state: &State,
    user: &UserInfo,
    kind: &Kind,
    namespace: &str,
    object: Value,
) -> Result<Value, Status> {
    let admission = Admission {
        state,
        user,
        subresource: "",
        manager: None,
    };
    generic::create(&admission, kind, namespace, object, false)
}
