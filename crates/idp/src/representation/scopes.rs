//! Client scopes (`ClientScopeRepresentation`), protocol mappers with their ids, and the scope
//! mappings of realm exports (`scopeMappings`, `clientScopeMappings`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::strings::lenient_strings;
use super::{Minter, ProtocolMapperRepresentation, fields, known};
use crate::model::{ClientScope, ProtocolMapper, Realm, RoleMappings};

/// A client scope.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct ClientScopeRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(deserialize_with = "lenient_strings")]
    pub attributes: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_mappers: Option<Vec<ProtocolMapperRepresentation>>,
    /// Fields Keycloak knows that kubeward does not keep.
    #[serde(flatten, skip_serializing)]
    pub other: BTreeMap<String, Value>,
}

known!(
    ClientScopeRepresentation,
    "ClientScopeRepresentation",
    fields::CLIENT_SCOPE
);

/// One entry of a realm export's `scopeMappings` / `clientScopeMappings`: the roles a client
/// scope (`clientScope`) or a client (`client`) lets into tokens.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct ScopeMappingRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_scope: Option<String>,
    pub roles: Vec<String>,
}

/// A protocol mapper from its representation (a new id where it has none).
pub fn mapper_from(rep: &ProtocolMapperRepresentation, minter: &mut dyn Minter) -> ProtocolMapper {
    ProtocolMapper {
        id: rep.id.clone().unwrap_or_else(|| minter.id()),
        name: rep.name.clone(),
        protocol_mapper: rep.protocol_mapper.clone(),
        config: rep.config.clone(),
    }
}

/// A protocol mapper's representation.
pub fn mapper_to(m: &ProtocolMapper, protocol: &str) -> ProtocolMapperRepresentation {
    ProtocolMapperRepresentation {
        id: Some(m.id.clone()),
        name: m.name.clone(),
        protocol: protocol.to_string(),
        protocol_mapper: m.protocol_mapper.clone(),
        config: m.config.clone(),
        other: BTreeMap::new(),
    }
}

/// A client scope from its representation.
pub fn scope_from(rep: &ClientScopeRepresentation, minter: &mut dyn Minter) -> ClientScope {
    let mut scope = ClientScope {
        id: rep.id.clone().unwrap_or_else(|| minter.id()),
        name: String::new(),
        description: None,
        protocol: "openid-connect".to_string(),
        attributes: BTreeMap::new(),
        protocol_mappers: Vec::new(),
        scope_mappings: RoleMappings::default(),
    };
    update_scope(&mut scope, rep, minter);
    scope
}

/// Applies a representation's fields to a client scope (mappers only when it names them).
pub fn update_scope(
    scope: &mut ClientScope,
    rep: &ClientScopeRepresentation,
    minter: &mut dyn Minter,
) {
    if !rep.name.is_empty() {
        scope.name = rep.name.clone();
    }
    if rep.description.is_some() {
        scope.description = rep.description.clone();
    }
    if let Some(p) = &rep.protocol {
        scope.protocol = p.clone();
    }
    scope.attributes = rep.attributes.clone();
    if let Some(mappers) = &rep.protocol_mappers {
        scope.protocol_mappers = mappers.iter().map(|m| mapper_from(m, minter)).collect();
    }
}

/// A client scope's representation.
pub fn scope_to(scope: &ClientScope) -> ClientScopeRepresentation {
    ClientScopeRepresentation {
        id: Some(scope.id.clone()),
        name: scope.name.clone(),
        description: scope.description.clone(),
        protocol: Some(scope.protocol.clone()),
        attributes: scope.attributes.clone(),
        protocol_mappers: (!scope.protocol_mappers.is_empty()).then(|| {
            scope
                .protocol_mappers
                .iter()
                .map(|m| mapper_to(m, &scope.protocol))
                .collect()
        }),
        other: BTreeMap::new(),
    }
}

/// The `scopeMappings` and `clientScopeMappings` of a realm export.
pub fn export_scope_mappings(
    realm: &Realm,
) -> (
    Vec<ScopeMappingRepresentation>,
    BTreeMap<String, Vec<ScopeMappingRepresentation>>,
) {
    let mut realm_level = Vec::new();
    let mut client_level: BTreeMap<String, Vec<ScopeMappingRepresentation>> = BTreeMap::new();
    let holders = realm
        .client_scopes
        .iter()
        .map(|s| (None, Some(s.name.clone()), &s.scope_mappings))
        .chain(
            realm
                .clients
                .iter()
                .map(|c| (Some(c.client_id.clone()), None, &c.scope_mappings)),
        );
    for (client, client_scope, mappings) in holders {
        if !mappings.realm.is_empty() {
            realm_level.push(ScopeMappingRepresentation {
                client: client.clone(),
                client_scope: client_scope.clone(),
                roles: mappings.realm.clone(),
            });
        }
        for (owner, roles) in &mappings.client {
            client_level
                .entry(owner.clone())
                .or_default()
                .push(ScopeMappingRepresentation {
                    client: client.clone(),
                    client_scope: client_scope.clone(),
                    roles: roles.clone(),
                });
        }
    }
    (realm_level, client_level)
}

/// Applies a realm export's scope mappings (to client scopes and clients it names).
pub fn import_scope_mappings(
    realm: &mut Realm,
    realm_level: &[ScopeMappingRepresentation],
    client_level: &BTreeMap<String, Vec<ScopeMappingRepresentation>>,
) {
    let entries = realm_level.iter().map(|e| (None, e)).chain(
        client_level
            .iter()
            .flat_map(|(owner, list)| list.iter().map(move |e| (Some(owner.as_str()), e))),
    );
    for (owner, entry) in entries {
        let mappings = if let Some(name) = &entry.client_scope {
            realm
                .client_scopes
                .iter_mut()
                .find(|s| s.name == *name)
                .map(|s| &mut s.scope_mappings)
        } else if let Some(id) = &entry.client {
            realm
                .clients
                .iter_mut()
                .find(|c| c.client_id == *id)
                .map(|c| &mut c.scope_mappings)
        } else {
            None
        };
        if let Some(mappings) = mappings {
            for role in &entry.roles {
                mappings.add(owner, role);
            }
        }
    }
}
