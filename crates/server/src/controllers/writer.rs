//! How a controller writes: as its own ServiceAccount, through the registry (defaults,
//! validation, admission), as kube-controller-manager's clients write through kube-apiserver,
//! and with the field manager kube-apiserver records for them (their User-Agent's prefix).

use kubeward_core::UserInfo;
use kubeward_core::status::Status;
use kubeward_store::{ObjectKey, StoreError, StoreExt as _};
use serde_json::Value;

use crate::registry::kinds::{Admission, Kind};
use crate::registry::{field_manager, generic, objects};
use crate::state::State;

/// The field manager of kube-controller-manager's writes (its clients' User-Agent is
/// `kube-controller-manager/<version> (…) kubernetes/<commit>/<controller>`).
pub const CONTROLLER_MANAGER: &str = "kube-controller-manager";

/// The field manager of kube-apiserver's own writes (the bootstrap objects).
pub const API_SERVER: &str = "kube-apiserver";

/// Records in `next`'s `metadata.managedFields` the Update by `manager` of `subresource`
/// (`""` or `status`) of `kind` that turns `live` (`None`: a create) into `next`, as
/// kube-apiserver's field manager records a client's write.
pub fn record(
    kind: &Kind,
    manager: &str,
    subresource: &str,
    live: Option<&Value>,
    next: &mut Value,
) {
    let api_version = kind.api_version();
    let now = objects::timestamp(crate::clock::now());
    let writer = generic::field_writer(kind, &api_version, subresource, manager, &now);
    field_manager::record_update(&writer, live, next);
}

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
        manager: Some(CONTROLLER_MANAGER),
    };
    generic::create(&admission, kind, namespace, object, false)
}

/// `StoreExt::modify` of `key`, an object of `kind`, by kube-controller-manager: `change` makes
/// the next object from the stored one, and the write is recorded as its Update of
/// `subresource` (`""` or `status`).
pub fn modify<E: From<StoreError>>(
    state: &State,
    kind: &Kind,
    key: &ObjectKey,
    subresource: &str,
    mut change: impl FnMut(Value) -> Result<Value, E>,
) -> Result<Value, E> {
    state.store.modify(key, |current| {
        let live = current.clone();
        let mut next = change(current)?;
        record(
            kind,
            CONTROLLER_MANAGER,
            subresource,
            Some(&live),
            &mut next,
        );
        Ok(next)
    })
}
