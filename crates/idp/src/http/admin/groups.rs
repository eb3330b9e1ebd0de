//! `/admin/realms/{realm}/groups`: the group tree as Keycloak 26 pages it (top-level groups with
//! their `subGroupCount`, children under `…/children`), `count`, `group-by-path`, members, and
//! moving a group by posting it under another parent.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use serde_json::json;

use super::access::{EditRealm, ReadRealm};
use super::answer::{Answer, Page, brief, created, no_content, not_found, ok_json, strict};
use crate::http::respond;
use crate::model::{Group, ModelError, Realm};
use crate::provider::new_id;
use crate::representation::{self, GroupRepresentation, UserRepresentation};

/// Keycloak's words for a missing group.
pub(super) const GROUP_NOT_FOUND: &str = "Could not find group by id";

/// How many children each group has, by id.
fn child_counts(r: &Realm) -> HashMap<&str, usize> {
    let mut counts = HashMap::new();
    for g in &r.groups {
        if let Some(p) = &g.parent {
            *counts.entry(p.as_str()).or_insert(0) += 1;
        }
    }
    counts
}

/// A group without its subgroups (Keycloak 23+ lists them under `…/children`), with its
/// `subGroupCount`; brief leaves out attributes and role mappings.
fn flat(r: &Realm, g: &Group, counts: &HashMap<&str, usize>, brief: bool) -> GroupRepresentation {
    let mut rep = GroupRepresentation {
        id: Some(g.id.clone()),
        name: g.name.clone(),
        path: Some(r.group_path(g)),
        parent_id: g.parent.clone(),
        sub_group_count: counts.get(g.id.as_str()).copied().unwrap_or(0),
        ..GroupRepresentation::default()
    };
    if !brief {
        rep.attributes = g.attributes.clone();
        rep.realm_roles = g.roles.realm.clone();
        rep.client_roles = g.roles.client.clone();
    }
    rep
}

/// Whether a group's name contains `search` (case-insensitive), or `exact` equals it.
fn matches(g: &Group, search: &str, exact: bool) -> bool {
    if exact {
        g.name == search
    } else {
        g.name.to_lowercase().contains(&search.to_lowercase())
    }
}

/// The ids of a group and of its ancestors.
fn with_ancestors<'r>(r: &'r Realm, g: &'r Group) -> Vec<&'r str> {
    let mut ids = vec![g.id.as_str()];
    let mut parent = g.parent.as_deref();
    while let Some(p) = parent.and_then(|id| r.group(id)) {
        if ids.contains(&p.id.as_str()) {
            break;
        }
        ids.push(p.id.as_str());
        parent = p.parent.as_deref();
    }
    ids
}

/// A group with the subgroups on the way to matches of a search (Keycloak's search answer).
fn pruned(
    r: &Realm,
    g: &Group,
    keep: &[&str],
    counts: &HashMap<&str, usize>,
) -> GroupRepresentation {
    let mut rep = flat(r, g, counts, true);
    rep.sub_groups = r
        .groups
        .iter()
        .filter(|c| c.parent.as_deref() == Some(g.id.as_str()) && keep.contains(&c.id.as_str()))
        .map(|c| pruned(r, c, keep, counts))
        .collect();
    rep
}

/// `GET …/groups[?first=&max=&search=&exact=&briefRepresentation=]`.
pub(super) async fn list(ReadRealm(r): ReadRealm, RawQuery(raw): RawQuery) -> Answer {
    let q = respond::query(raw.as_deref());
    let counts = child_counts(&r);
    let page = Page::of(&q, None);
    let brief = brief(&q, true);
    let top = r.groups.iter().filter(|g| g.parent.is_none());
    let search = q.get("search").filter(|s| !s.is_empty());
    let list: Vec<GroupRepresentation> = match search {
        None => page
            .apply(top)
            .map(|g| flat(&r, g, &counts, brief))
            .collect(),
        Some(s) => {
            let exact = q
                .get("exact")
                .is_some_and(|v| v.eq_ignore_ascii_case("true"));
            let keep: Vec<&str> = r
                .groups
                .iter()
                .filter(|g| matches(g, s, exact))
                .flat_map(|g| with_ancestors(&r, g))
                .collect();
            page.apply(top.filter(|g| keep.contains(&g.id.as_str())))
                .map(|g| pruned(&r, g, &keep, &counts))
                .collect()
        }
    };
    ok_json(&list)
}

/// `GET …/groups/count[?search=&top=]`: `{"count": n}`.
pub(super) async fn count(ReadRealm(r): ReadRealm, RawQuery(raw): RawQuery) -> Answer {
    let q = respond::query(raw.as_deref());
    let top = q.get("top").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let search = q.get("search").filter(|s| !s.is_empty());
    let n = r
        .groups
        .iter()
        .filter(|g| !top || g.parent.is_none())
        .filter(|g| search.is_none_or(|s| matches(g, s, false)))
        .count();
    ok_json(&json!({ "count": n }))
}

/// Creates a group under `parent` (or at the top), or moves the existing group the body names
/// by `id` there.
async fn add(at: EditRealm, parent: Option<String>, bytes: &[u8]) -> Answer {
    let rep: GroupRepresentation = strict(bytes)?;
    let fresh = new_id();
    let id = at
        .change(move |r| {
            if let Some(p) = &parent
                && r.group(p).is_none()
            {
                return Err(ModelError::NotFound("Could not find parent group").into());
            }
            let taken = r.groups.iter().any(|g| {
                g.name == rep.name && g.parent == parent && Some(&g.id) != rep.id.as_ref()
            });
            if taken {
                return Err(ModelError::Exists(match parent {
                    None => format!("Top level group named '{}' already exists.", rep.name),
                    Some(_) => format!("Sibling group named '{}' already exists.", rep.name),
                })
                .into());
            }
            if let Some(id) = &rep.id
                && let Some(i) = r.groups.iter().position(|g| g.id == *id)
            {
                let cycle = parent
                    .as_deref()
                    .and_then(|p| r.group(p))
                    .is_some_and(|p| with_ancestors(r, p).contains(&id.as_str()));
                if cycle {
                    return Err(ModelError::Invalid("Cannot move group into itself".into()).into());
                }
                r.groups[i].parent = parent.clone();
                return Ok((id.clone(), false));
            }
            let mut group = Group::new(fresh.clone(), &rep.name, parent.as_deref());
            group.attributes = rep.attributes.clone();
            r.add_group(group)?;
            Ok((fresh.clone(), true))
        })
        .await?;
    match id {
        (id, true) => created(at.location(&format!("groups/{id}"))),
        (_, false) => no_content(),
    }
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

/// `GET …/groups/{id}/children[?first=&max=&briefRepresentation=]`.
pub(super) async fn children(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Answer {
    if r.group(&id).is_none() {
        return Err(not_found(GROUP_NOT_FOUND));
    }
    let q = respond::query(raw.as_deref());
    let counts = child_counts(&r);
    let brief = brief(&q, true);
    let children = r
        .groups
        .iter()
        .filter(|g| g.parent.as_deref() == Some(id.as_str()));
    let list: Vec<GroupRepresentation> = Page::of(&q, None)
        .apply(children)
        .map(|g| flat(&r, g, &counts, brief))
        .collect();
    ok_json(&list)
}

/// `GET …/groups/{id}`.
pub(super) async fn get(ReadRealm(r): ReadRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    let g = r.group(&id).ok_or_else(|| not_found(GROUP_NOT_FOUND))?;
    ok_json(&flat(&r, g, &child_counts(&r), false))
}

/// `GET …/group-by-path/{path}`.
pub(super) async fn by_path(
    ReadRealm(r): ReadRealm,
    Path((_, path)): Path<(String, String)>,
) -> Answer {
    let path = format!("/{}", path.trim_start_matches('/'));
    let g = r
        .groups
        .iter()
        .find(|g| r.group_path(g) == path)
        .ok_or_else(|| not_found("Group path does not exist"))?;
    ok_json(&flat(&r, g, &child_counts(&r), false))
}

/// `PUT …/groups/{id}`: name and attributes.
pub(super) async fn update(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let rep: GroupRepresentation = strict(&bytes)?;
    let has_attributes = serde_json::from_slice::<serde_json::Value>(&bytes)
        .is_ok_and(|v| v.get("attributes").is_some());
    at.change(move |r| {
        let i = r
            .groups
            .iter()
            .position(|g| g.id == id)
            .ok_or(ModelError::NotFound(GROUP_NOT_FOUND))?;
        let parent = r.groups[i].parent.clone();
        if !rep.name.is_empty()
            && r.groups
                .iter()
                .any(|g| g.name == rep.name && g.parent == parent && g.id != id)
        {
            return Err(ModelError::Exists(format!(
                "Sibling group named '{}' already exists.",
                rep.name
            ))
            .into());
        }
        let g = &mut r.groups[i];
        if !rep.name.is_empty() {
            g.name = rep.name.clone();
        }
        if has_attributes {
            g.attributes = rep.attributes.clone();
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

/// `GET …/groups/{id}/members[?first=&max=&briefRepresentation=]`.
pub(super) async fn members(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Answer {
    if r.group(&id).is_none() {
        return Err(not_found(GROUP_NOT_FOUND));
    }
    let q = respond::query(raw.as_deref());
    let brief = brief(&q, false);
    let members = r.users.iter().filter(|u| u.groups.contains(&id));
    let list: Vec<UserRepresentation> = Page::of(&q, Some(100))
        .apply(members)
        .map(|u| representation::user_brief(u, brief))
        .collect();
    ok_json(&list)
}
