//! `/admin/realms/{realm}/groups`: the group tree, subgroups and members.

use axum::body::Bytes;
use axum::extract::Path;

use super::access::{EditRealm, ReadRealm};
use super::answer::{Answer, body, created, no_content, not_found, ok_json};
use crate::model::{Group, ModelError};
use crate::provider::new_id;
use crate::representation::{self, GroupRepresentation, UserRepresentation};

/// Keycloak's words for a missing group.
pub(super) const GROUP_NOT_FOUND: &str = "Could not find group by id";

/// `GET …/groups`: the top-level groups with their subgroups.
pub(super) async fn list(ReadRealm(r): ReadRealm) -> Answer {
    let list: Vec<GroupRepresentation> = r
        .groups
        .iter()
        .filter(|g| g.parent.is_none())
        .map(|g| representation::group_to(&r, g))
        .collect();
    ok_json(&list)
}

/// Creates a group under `parent` (or at the top).
async fn add(at: EditRealm, parent: Option<String>, bytes: &[u8]) -> Answer {
    let rep: GroupRepresentation = body(bytes)?;
    let id = new_id();
    let id2 = id.clone();
    at.change(move |r| {
        if let Some(p) = &parent
            && r.group(p).is_none()
        {
            return Err(ModelError::NotFound("Could not find parent group").into());
        }
        r.add_group(Group {
            attributes: rep.attributes.clone(),
            ..Group::new(id2, &rep.name, parent.as_deref())
        })?;
        Ok(())
    })
    .await?;
    created(at.location(&format!("groups/{id}")))
}

/// `POST …/groups`.
pub(super) async fn create(at: EditRealm, bytes: Bytes) -> Answer {
    add(at, None, &bytes).await
}

/// `POST …/groups/{id}/children`.
pub(super) async fn create_child(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    add(at, Some(id), &bytes).await
}

/// `GET …/groups/{id}`.
pub(super) async fn get(ReadRealm(r): ReadRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    let g = r.group(&id).ok_or_else(|| not_found(GROUP_NOT_FOUND))?;
    ok_json(&representation::group_to(&r, g))
}

/// `PUT …/groups/{id}`: a new name.
pub(super) async fn update(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let rep: GroupRepresentation = body(&bytes)?;
    at.change(move |r| {
        let g = r
            .groups
            .iter_mut()
            .find(|g| g.id == id)
            .ok_or(ModelError::NotFound(GROUP_NOT_FOUND))?;
        if !rep.name.is_empty() {
            g.name = rep.name.clone();
        }
        Ok(())
    })
    .await?;
    no_content()
}

/// `DELETE …/groups/{id}`: with its subgroups, and the memberships in them.
pub(super) async fn delete(at: EditRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    at.change(move |r| {
        if r.group(&id).is_none() {
            return Err(ModelError::NotFound(GROUP_NOT_FOUND).into());
        }
        r.remove_group(&id);
        Ok(())
    })
    .await?;
    no_content()
}

/// `GET …/groups/{id}/members`.
pub(super) async fn members(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    if r.group(&id).is_none() {
        return Err(not_found(GROUP_NOT_FOUND));
    }
    let list: Vec<UserRepresentation> = r
        .users
        .iter()
        .filter(|u| u.groups.contains(&id))
        .map(representation::user_to)
        .collect();
    ok_json(&list)
}
