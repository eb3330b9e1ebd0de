//! `/admin/realms/{realm}/users/profile`: the realm's user profile (Keycloak 26's `UPConfig`),
//! read and replaced; the admin API's user writes follow its `unmanagedAttributePolicy`
//! (`model::user_profile`).

use axum::body::Bytes;
use serde_json::Value;

use super::access::{EditRealm, ReadRealm};
use super::answer::{Answer, bad_request, body, ok_json};
use crate::model::user_profile::{check, default_config};

/// `GET …/users/profile`.
pub(super) async fn get(ReadRealm(r): ReadRealm) -> Answer {
    ok_json(&r.user_profile.clone().unwrap_or_else(default_config))
}

/// `PUT …/users/profile`: 200 with the profile as stored.
pub(super) async fn put(at: EditRealm, bytes: Bytes) -> Answer {
    let config: Value = body(&bytes)?;
    check(&config).map_err(bad_request)?;
    let stored = config.clone();
    at.change(move |r| {
        r.user_profile = Some(config.clone());
        Ok::<_, crate::directory::DirectoryError>(())
    })
    .await?;
    ok_json(&stored)
}
