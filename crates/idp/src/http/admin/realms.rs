//! `/admin/realms` and `/admin/realms/{realm}`: list, create, read, update, delete realms.

use axum::body::Bytes;

use super::super::blocking;
use super::access::{Admin, EditRealm, ReadRealm};
use super::answer::{
    AdminError, Answer, bad_request, created, location, no_content, ok_json, strict,
};
use crate::bootstrap::MASTER;
use crate::model::Realm;
use crate::provider::RandomMinter;
use crate::representation::{self, RealmRepresentation};

/// `GET /admin/realms`.
pub(super) async fn list(Admin(ctx): Admin) -> Answer {
    let list: Vec<RealmRepresentation> = ctx
        .provider
        .directory()
        .realms()
        .iter()
        .map(|r| summary(r))
        .collect();
    ok_json(&list)
}

/// A realm without its users, clients, groups, roles and scopes.
fn summary(realm: &Realm) -> RealmRepresentation {
    representation::realm_summary(realm)
}

/// `POST /admin/realms`: a realm representation, imported whole.
pub(super) async fn create(Admin(ctx): Admin, bytes: Bytes) -> Answer {
    let rep: RealmRepresentation = strict(&bytes)?;
    if rep.realm.is_empty() {
        return Err(bad_request("Realm name cannot be empty"));
    }
    let provider = ctx.provider.clone();
    let name = rep.realm.clone();
    blocking(move || -> Result<(), AdminError> {
        let realm = representation::import(&rep, &mut RandomMinter)
            .map_err(|e| bad_request(e.to_string()))?;
        provider.directory().create_realm(realm)?;
        Ok(())
    })
    .await?;
    created(location(&ctx, &name))
}

/// `GET /admin/realms/{realm}`.
pub(super) async fn get(ReadRealm(r): ReadRealm) -> Answer {
    ok_json(&summary(&r))
}

/// `PUT /admin/realms/{realm}`: the settings a representation sets, and a new name.
pub(super) async fn update(at: EditRealm, bytes: Bytes) -> Answer {
    let rep: RealmRepresentation = strict(&bytes)?;
    at.change(move |r| {
        representation::apply_settings(r, &rep);
        if !rep.realm.is_empty() {
            r.name = rep.realm.clone();
        }
        Ok(())
    })
    .await?;
    no_content()
}

/// `DELETE /admin/realms/{realm}` (never `master`).
pub(super) async fn delete(at: EditRealm) -> Answer {
    if at.name == MASTER {
        return Err(bad_request("Cannot delete the master realm"));
    }
    let provider = at.ctx.provider.clone();
    blocking(move || provider.directory().delete_realm(&at.name)).await?;
    no_content()
}
