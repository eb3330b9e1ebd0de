//! `ComponentRepresentation` (user storage providers and their mappers) and its mapping to and
//! from the model; Keycloak's multi-valued config map, whose values may also be written as
//! single scalars.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::{Minter, fields, known};
use crate::model::{Component, LDAP_MAPPER, LDAP_PROVIDER, Realm, USER_STORAGE};

/// What the admin API shows instead of a secret, and what keeps the stored one when written.
pub const SECRET_MASK: &str = "**********";

/// The config keys that hold secrets.
const SECRET_KEYS: &[&str] = &["bindCredential"];

/// A component.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct ComponentRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    pub provider_id: String,
    pub provider_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    #[serde(deserialize_with = "multivalued")]
    pub config: BTreeMap<String, Vec<String>>,
    /// Fields Keycloak knows that kubeward does not keep.
    #[serde(flatten, skip_serializing)]
    pub other: BTreeMap<String, Value>,
}

known!(
    ComponentRepresentation,
    "ComponentRepresentation",
    fields::COMPONENT
);

/// A scalar's text (`true` is `"true"`); `None` for `null`.
fn scalar(v: Value) -> Result<Option<String>, String> {
    match v {
        Value::String(s) => Ok(Some(s)),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Null => Ok(None),
        other => Err(format!("expected a string, got {other}")),
    }
}

/// A multi-valued map: each value a list of scalars, or one scalar.
fn multivalued<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Vec<String>>, D::Error> {
    let map = Option::<BTreeMap<String, Value>>::deserialize(d)?.unwrap_or_default();
    let mut out = BTreeMap::new();
    for (k, v) in map {
        let values = match v {
            Value::Array(items) => items
                .into_iter()
                .map(scalar)
                .filter_map(Result::transpose)
                .collect::<Result<Vec<_>, _>>(),
            other => scalar(other).map(|s| s.into_iter().collect()),
        }
        .map_err(|e| serde::de::Error::custom(format!("config {k}: {e}")))?;
        out.insert(k, values);
    }
    Ok(out)
}

/// A component from its representation: a new id where it has none, `parent` where it names
/// no parent.
pub fn component_from(
    rep: &ComponentRepresentation,
    parent: &str,
    minter: &mut dyn Minter,
) -> Component {
    Component {
        id: rep.id.clone().unwrap_or_else(|| minter.id()),
        name: rep.name.clone(),
        provider_id: rep.provider_id.clone(),
        provider_type: rep.provider_type.clone(),
        parent_id: rep
            .parent_id
            .clone()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| parent.to_string()),
        sub_type: rep.sub_type.clone(),
        config: rep.config.clone(),
    }
}

/// Replaces a component's name and config with a representation's, as Keycloak's `PUT`; a
/// masked secret keeps the stored one.
pub fn update_component(component: &mut Component, rep: &ComponentRepresentation) {
    let mut config = rep.config.clone();
    for key in SECRET_KEYS {
        let masked = config
            .get(*key)
            .is_some_and(|v| v.first().map(String::as_str) == Some(SECRET_MASK));
        if masked {
            match component.config.get(*key) {
                Some(stored) => config.insert(key.to_string(), stored.clone()),
                None => config.remove(*key),
            };
        }
    }
    // kubeward's own bookkeeping survives a PUT that does not know it.
    if let Some(last) = component.config.get("lastSync") {
        config
            .entry("lastSync".into())
            .or_insert_with(|| last.clone());
    }
    if !rep.name.is_empty() {
        component.name = rep.name.clone();
    }
    if let Some(sub_type) = &rep.sub_type {
        component.sub_type = Some(sub_type.clone());
    }
    component.config = config;
}

/// The representation of a component; `mask` shows secrets as [`SECRET_MASK`] (the admin
/// API), without it they are written out (a realm export).
pub fn component_to(component: &Component, mask: bool) -> ComponentRepresentation {
    let mut config = component.config.clone();
    if mask {
        for key in SECRET_KEYS {
            if let Some(v) = config.get_mut(*key) {
                *v = vec![SECRET_MASK.to_string()];
            }
        }
    }
    ComponentRepresentation {
        id: Some(component.id.clone()),
        name: component.name.clone(),
        provider_id: component.provider_id.clone(),
        provider_type: component.provider_type.clone(),
        parent_id: Some(component.parent_id.clone()),
        sub_type: component.sub_type.clone(),
        config,
        other: BTreeMap::new(),
    }
}

/// A component as a realm export nests it (Keycloak's `ComponentExportRepresentation`): under
/// its provider type, with its sub-components (a provider's mappers) under theirs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct ComponentExportRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    pub provider_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    pub sub_components: BTreeMap<String, Vec<ComponentExportRepresentation>>,
    #[serde(deserialize_with = "multivalued")]
    pub config: BTreeMap<String, Vec<String>>,
}

/// The components under `parent`, by provider type, each with its own sub-components; secrets
/// as stored (a realm export holds them, as Keycloak's), kubeward's bookkeeping left out.
pub fn export_components(
    realm: &Realm,
    parent: &str,
) -> BTreeMap<String, Vec<ComponentExportRepresentation>> {
    let mut out: BTreeMap<String, Vec<ComponentExportRepresentation>> = BTreeMap::new();
    for c in realm.components.iter().filter(|c| c.parent_id == parent) {
        let mut config = c.config.clone();
        config.remove("lastSync");
        out.entry(c.provider_type.clone())
            .or_default()
            .push(ComponentExportRepresentation {
                id: Some(c.id.clone()),
                name: c.name.clone(),
                provider_id: c.provider_id.clone(),
                sub_type: c.sub_type.clone(),
                sub_components: export_components(realm, &c.id),
                config,
            });
    }
    out
}

/// The components of a realm file that kubeward keeps (LDAP user storage providers and their
/// mappers), flattened with their parents; others (Keycloak's key providers, policies) are left
/// out: kubeward keeps its own keys.
pub fn import_components(
    exported: &BTreeMap<String, Vec<ComponentExportRepresentation>>,
    realm_id: &str,
    minter: &mut dyn Minter,
) -> Vec<Component> {
    let mut out = Vec::new();
    import_under(exported, realm_id, true, minter, &mut out);
    out
}

/// The kept components of `exported` under `parent` (the realm at the `top`), with theirs.
fn import_under(
    exported: &BTreeMap<String, Vec<ComponentExportRepresentation>>,
    parent: &str,
    top: bool,
    minter: &mut dyn Minter,
    out: &mut Vec<Component>,
) {
    for (kind, list) in exported {
        for c in list {
            let kept = match top {
                true => kind == USER_STORAGE && c.provider_id == LDAP_PROVIDER,
                false => kind == LDAP_MAPPER,
            };
            if !kept {
                continue;
            }
            let component = Component {
                id: c.id.clone().unwrap_or_else(|| minter.id()),
                name: c.name.clone(),
                provider_id: c.provider_id.clone(),
                provider_type: kind.clone(),
                parent_id: parent.to_string(),
                sub_type: c.sub_type.clone(),
                config: c.config.clone(),
            };
            let id = component.id.clone();
            out.push(component);
            import_under(&c.sub_components, &id, false, minter, out);
        }
    }
}
