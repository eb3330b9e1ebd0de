//! `/admin/realms/{realm}/components` (LDAP user storage providers and their mappers; a new
//! LDAP provider gets Keycloak's default mappers), and where a change of a federated user goes
//! (its provider's `editMode`).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};

use super::access::{EditRealm, ReadRealm};
use super::answer::{
    AdminError, Answer, bad_request, created, no_content, not_found, ok_json, strict,
};
use crate::flows::ldap::{self, GROUP_MAPPER, USER_ATTRIBUTE_MAPPER};
use crate::http::respond;
use crate::model::{Component, LDAP_MAPPER, LDAP_PROVIDER, ModelError, Realm, USER_STORAGE};
use crate::provider::RandomMinter;
use crate::representation::components::{
    ComponentRepresentation, component_from, component_to, update_component,
};

/// Keycloak's 404 for an unknown component.
const COMPONENT_NOT_FOUND: &str = "Could not find component";

/// `GET …/components` (`type`, `parent`, `name`).
pub(super) async fn list(ReadRealm(r): ReadRealm, RawQuery(raw): RawQuery) -> Answer {
    let q = respond::query(raw.as_deref());
    let wanted = |key: &str, value: &str| q.get(key).is_none_or(|v| v.is_empty() || v == value);
    let list: Vec<ComponentRepresentation> = r
        .components
        .iter()
        .filter(|c| {
            wanted("type", &c.provider_type)
                && wanted("parent", &c.parent_id)
                && wanted("name", &c.name)
        })
        .map(|c| component_to(c, true))
        .collect();
    ok_json(&list)
}

/// The checks Keycloak's factories make of a component: kubeward keeps LDAP providers and
/// their attribute and group mappers (other user storage types are refused).
fn validate(r: &Realm, c: &Component) -> Result<(), ModelError> {
    let invalid = |m: String| Err(ModelError::Invalid(m));
    match c.provider_type.as_str() {
        USER_STORAGE if c.provider_id == LDAP_PROVIDER => {
            let s = ldap::settings(c).map_err(|e| ModelError::Invalid(e.to_string()))?;
            ldap::check_custom_filter(s.custom_filter.as_deref())
                .map_err(|e| ModelError::Invalid(e.to_string()))
        }
        USER_STORAGE => invalid(format!(
            "Could not find provider {} of type {USER_STORAGE}",
            c.provider_id
        )),
        LDAP_MAPPER => {
            let parent_is_ldap = r.component(&c.parent_id).is_some_and(Component::is_ldap);
            if !parent_is_ldap {
                return invalid("The mapper's parent is not an LDAP provider".into());
            }
            match c.provider_id.as_str() {
                USER_ATTRIBUTE_MAPPER => {
                    if c.config("ldap.attribute").is_none()
                        || c.config("user.model.attribute").is_none()
                    {
                        return invalid(
                            "ldap.attribute and user.model.attribute are required".into(),
                        );
                    }
                    Ok(())
                }
                GROUP_MAPPER => ldap::group_settings(&[c])
                    .map(|_| ())
                    .map_err(|e| ModelError::Invalid(e.to_string())),
                other => invalid(format!(
                    "LDAP mapper type {other} is not supported (user-attribute-ldap-mapper, group-ldap-mapper)"
                )),
            }
        }
        other => invalid(format!("Component type {other} is not supported")),
    }
}

/// The default mappers of a new LDAP provider, as Keycloak's `onCreate` adds them.
fn default_mappers(provider: &Component) -> Vec<Component> {
    let Ok(s) = ldap::settings(provider) else {
        return Vec::new();
    };
    ldap::default_mappers(&s)
        .into_iter()
        .map(|(name, attribute, model, read_only)| {
            let config = [
                ("ldap.attribute", attribute),
                ("user.model.attribute", model.to_string()),
                ("read.only", read_only.to_string()),
                (
                    "always.read.value.from.ldap",
                    (model != "username").to_string(),
                ),
                ("is.mandatory.in.ldap", (model == "username").to_string()),
            ];
            Component {
                id: crate::provider::new_id(),
                name: name.to_string(),
                provider_id: USER_ATTRIBUTE_MAPPER.to_string(),
                provider_type: LDAP_MAPPER.to_string(),
                parent_id: provider.id.clone(),
                sub_type: None,
                config: config
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), vec![v]))
                    .collect(),
            }
        })
        .collect()
}

/// `POST …/components`.
pub(super) async fn create(at: EditRealm, bytes: Bytes) -> Answer {
    let rep: ComponentRepresentation = strict(&bytes)?;
    let id = at
        .change(move |r| {
            let c = component_from(&rep, &r.id, &mut RandomMinter);
            if r.component(&c.id).is_some() {
                return Err(
                    ModelError::Exists(format!("Component {} already exists", c.id)).into(),
                );
            }
            validate(r, &c)?;
            let id = c.id.clone();
            let defaults = if c.is_ldap() {
                default_mappers(&c)
            } else {
                Vec::new()
            };
            r.components.push(c);
            r.components.extend(defaults);
            Ok(id)
        })
        .await?;
    created(at.location(&format!("components/{id}")))
}

/// `GET …/components/{id}`.
pub(super) async fn get(ReadRealm(r): ReadRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    let c = r
        .component(&id)
        .ok_or_else(|| not_found(COMPONENT_NOT_FOUND))?;
    ok_json(&component_to(c, true))
}

/// `PUT …/components/{id}`.
pub(super) async fn update(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let rep: ComponentRepresentation = strict(&bytes)?;
    at.change(move |r| {
        let i = r
            .components
            .iter()
            .position(|c| c.id == id)
            .ok_or(ModelError::NotFound(COMPONENT_NOT_FOUND))?;
        let mut c = r.components[i].clone();
        update_component(&mut c, &rep);
        validate(r, &c)?;
        r.components[i] = c;
        Ok(())
    })
    .await?;
    no_content()
}

/// `DELETE …/components/{id}`: its mappers go too, and a user storage provider's users.
pub(super) async fn delete(at: EditRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    at.change(move |r| {
        r.component(&id)
            .ok_or(ModelError::NotFound(COMPONENT_NOT_FOUND))?;
        r.components.retain(|c| c.id != id && c.parent_id != id);
        r.users
            .retain(|u| u.federation_link.as_deref() != Some(id.as_str()));
        Ok(())
    })
    .await?;
    no_content()
}

/// Where a change of a user's LDAP-mapped fields or password goes: `Ok(false)` kubeward's copy
/// alone (a local user, or an `UNSYNCED` provider's), `Ok(true)` LDAP first (`WRITABLE`);
/// refused with Keycloak's `message` for a `READ_ONLY` provider's user.
pub(super) fn writes_ldap(r: &Realm, user_id: &str, message: &str) -> Result<bool, AdminError> {
    let Some(link) = r.user(user_id).and_then(|u| u.federation_link.as_deref()) else {
        return Ok(false);
    };
    match r
        .component(link)
        .and_then(|c| ldap::settings(c).ok())
        .map(|s| s.edit_mode)
    {
        Some(ldap::EditMode::Unsynced) => Ok(false),
        Some(ldap::EditMode::Writable) => Ok(true),
        _ => Err(bad_request(message)),
    }
}
