//! The built-in API resources, as kube-apiserver's aggregated discovery lists them, and the
//! resource-name resolution kubectl performs against them.
//!
//! The data are the two aggregated discovery documents (`/api` and `/apis`,
//! `apidiscovery.k8s.io/v2`) of a real kube-apiserver, kept next to this file. They are parsed
//! once; a unit test guarantees that they always parse.

use std::sync::LazyLock;

use serde::Deserialize;

/// The aggregated discovery document of `/api` (the core group), as a real kube-apiserver serves it.
pub const AGGREGATED_API_JSON: &str = include_str!("discovery/aggregated-api.json");
/// The aggregated discovery document of `/apis` (every named group).
pub const AGGREGATED_APIS_JSON: &str = include_str!("discovery/aggregated-apis.json");

/// One API resource kind in one group version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResource {
    /// The API group; empty for the core group.
    pub group: String,
    /// The version, e.g. `v1`.
    pub version: String,
    /// The plural resource name, e.g. `pods`.
    pub resource: String,
    /// The singular name, e.g. `pod`.
    pub singular: String,
    /// The kind, e.g. `Pod`.
    pub kind: String,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// The verbs the resource supports.
    pub verbs: Vec<String>,
    /// Short names, e.g. `po`.
    pub short_names: Vec<String>,
    /// Subresources, e.g. `log`, `status`.
    pub subresources: Vec<String>,
}

impl ApiResource {
    /// The group-qualified resource as Kubernetes prints it: `pods`, `deployments.apps`.
    pub fn group_resource(&self) -> String {
        if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }
}

/// A catalogue of API resources in discovery order (core group first, then the named groups in
/// the server's order, preferred version first).
#[derive(Debug, Clone, Default)]
pub struct ResourceCatalog {
    resources: Vec<ApiResource>,
}

/// The catalogue of the built-in resources.
pub fn builtin() -> &'static ResourceCatalog {
    static CATALOG: LazyLock<ResourceCatalog> = LazyLock::new(|| {
        let mut catalog = ResourceCatalog::default();
        for document in [AGGREGATED_API_JSON, AGGREGATED_APIS_JSON] {
            // The embedded documents are constants checked by `tests::builtin_documents_parse`.
            let list: wire::DiscoveryList =
                serde_json::from_str(document).expect("embedded discovery document parses");
            catalog.extend_from_discovery(list);
        }
        catalog
    });
    &CATALOG
}

impl ResourceCatalog {
    /// Parses an aggregated discovery document (`APIGroupDiscoveryList`) and appends its resources.
    pub fn extend_from_json(&mut self, document: &str) -> Result<(), serde_json::Error> {
        self.extend_from_discovery(serde_json::from_str(document)?);
        Ok(())
    }

    /// Adds one resource (e.g. from a CustomResourceDefinition).
    pub fn push(&mut self, resource: ApiResource) {
        self.resources.push(resource);
    }

    /// Every resource, in discovery order.
    pub fn iter(&self) -> impl Iterator<Item = &ApiResource> {
        self.resources.iter()
    }

    /// Resolves a kubectl resource argument (`po`, `pods`, `pod`, `deployments.apps`,
    /// `deployments.v1.apps`, `Pod`) to a resource, as kubectl's discovery RESTMapper with its
    /// short-name expander does: the argument is lower-cased; `res.version.group` is tried as a
    /// fully specified resource first, then `res.group`; the resource part matches the plural,
    /// singular or a short name; without a group the first match in discovery order wins.
    pub fn resolve(&self, argument: &str) -> Option<&ApiResource> {
        let argument = argument.to_lowercase();
        let mut dots = argument.splitn(3, '.');
        let resource = dots.next().unwrap_or_default();
        if let (Some(version), Some(group)) = (dots.next(), dots.next()) {
            let found = self.find(resource, Some(group), Some(version));
            if found.is_some() {
                return found;
            }
        }
        match argument.split_once('.') {
            Some((resource, group)) => self.find(resource, Some(group), None),
            None => self.find(&argument, None, None),
        }
    }

    /// Looks a resource up by its exact group and plural name (any version; the first listed
    /// version is the preferred one).
    pub fn get(&self, group: &str, resource: &str) -> Option<&ApiResource> {
        self.resources
            .iter()
            .find(|r| r.group == group && r.resource == resource)
    }

    fn find(&self, name: &str, group: Option<&str>, version: Option<&str>) -> Option<&ApiResource> {
        let in_scope = |r: &&ApiResource| {
            group.is_none_or(|g| r.group == g) && version.is_none_or(|v| r.version == v)
        };
        // Names take precedence over short names, as kubectl's expander only rewrites an
        // argument that is not already a resource name.
        self.resources
            .iter()
            .filter(in_scope)
            .find(|r| r.resource == name || r.singular == name)
            .or_else(|| {
                self.resources
                    .iter()
                    .filter(in_scope)
                    .find(|r| r.short_names.iter().any(|s| s == name))
            })
    }

    fn extend_from_discovery(&mut self, list: wire::DiscoveryList) {
        for group in list.items {
            for version in group.versions {
                for resource in version.resources {
                    let kind = resource.response_kind.map(|k| k.kind).unwrap_or_default();
                    self.resources.push(ApiResource {
                        group: group.metadata.name.clone(),
                        version: version.version.clone(),
                        singular: resource.singular_resource,
                        kind,
                        namespaced: resource.scope == "Namespaced",
                        verbs: resource.verbs,
                        short_names: resource.short_names,
                        subresources: resource
                            .subresources
                            .into_iter()
                            .map(|s| s.subresource)
                            .collect(),
                        resource: resource.resource,
                    });
                }
            }
        }
    }
}

/// The subset of `apidiscovery.k8s.io/v2` that the catalogue reads.
mod wire {
    use super::Deserialize;

    #[derive(Deserialize)]
    pub(super) struct DiscoveryList {
        #[serde(default)]
        pub(super) items: Vec<GroupDiscovery>,
    }

    #[derive(Deserialize)]
    pub(super) struct GroupDiscovery {
        #[serde(default)]
        pub(super) metadata: Metadata,
        #[serde(default)]
        pub(super) versions: Vec<VersionDiscovery>,
    }

    #[derive(Deserialize, Default)]
    pub(super) struct Metadata {
        #[serde(default)]
        pub(super) name: String,
    }

    #[derive(Deserialize)]
    pub(super) struct VersionDiscovery {
        pub(super) version: String,
        #[serde(default)]
        pub(super) resources: Vec<ResourceDiscovery>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct ResourceDiscovery {
        pub(super) resource: String,
        #[serde(default)]
        pub(super) response_kind: Option<Kind>,
        #[serde(default)]
        pub(super) scope: String,
        #[serde(default)]
        pub(super) singular_resource: String,
        #[serde(default)]
        pub(super) verbs: Vec<String>,
        #[serde(default)]
        pub(super) short_names: Vec<String>,
        #[serde(default)]
        pub(super) subresources: Vec<SubresourceDiscovery>,
    }

    #[derive(Deserialize)]
    pub(super) struct Kind {
        #[serde(default)]
        pub(super) kind: String,
    }

    #[derive(Deserialize)]
    pub(super) struct SubresourceDiscovery {
        pub(super) subresource: String,
    }
}

#[cfg(test)]
mod tests;
