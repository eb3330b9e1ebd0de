//! The resources this server serves, and how: stored objects with the generic REST verbs, or
//! create-only reviews that are answered and never stored.

use kubeward_core::validation::NameRule;

/// How a resource is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serving {
    /// Stored objects: get, list, watch, create, update, patch, delete, deletecollection.
    Stored,
    /// A review: create only, answered from the request, never stored.
    Review,
}

/// One served resource in one group version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceDef {
    /// The API group (`""` for core).
    pub group: &'static str,
    /// The version.
    pub version: &'static str,
    /// The plural resource name.
    pub resource: &'static str,
    /// The kind.
    pub kind: &'static str,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// Stored or review.
    pub serving: Serving,
    /// Subresources served on top of the generic verbs.
    pub subresources: &'static [&'static str],
    /// How object names of this kind are checked.
    pub name_rule: NameRule,
}

impl ResourceDef {
    /// `apiVersion` of the objects: `v1` or `group/version`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

const fn stored(
    group: &'static str,
    resource: &'static str,
    kind: &'static str,
    namespaced: bool,
    subresources: &'static [&'static str],
    name_rule: NameRule,
) -> ResourceDef {
    ResourceDef {
        group,
        version: "v1",
        resource,
        kind,
        namespaced,
        serving: Serving::Stored,
        subresources,
        name_rule,
    }
}

const fn review(
    group: &'static str,
    version: &'static str,
    resource: &'static str,
    kind: &'static str,
    namespaced: bool,
) -> ResourceDef {
    ResourceDef {
        group,
        version,
        resource,
        kind,
        namespaced,
        serving: Serving::Review,
        subresources: &[],
        name_rule: NameRule::Any,
    }
}

/// The API group of RBAC.
pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
/// The API group of CertificateSigningRequests.
pub const CERTIFICATES_GROUP: &str = "certificates.k8s.io";

/// The name rule of most kinds.
const SUBDOMAIN: NameRule = NameRule::Dns1123Subdomain;

/// Every served resource.
pub const RESOURCES: &[ResourceDef] = &[
    stored(
        "",
        "namespaces",
        "Namespace",
        false,
        &["status"],
        NameRule::Dns1123Label,
    ),
    stored(
        "",
        "serviceaccounts",
        "ServiceAccount",
        true,
        &["token"],
        SUBDOMAIN,
    ),
    stored("", "secrets", "Secret", true, &[], SUBDOMAIN),
    stored("", "configmaps", "ConfigMap", true, &[], SUBDOMAIN),
    stored("", "pods", "Pod", true, &["status"], SUBDOMAIN),
    stored(
        "",
        "services",
        "Service",
        true,
        &["status"],
        NameRule::Dns1035Label,
    ),
    stored("", "nodes", "Node", false, &["status"], SUBDOMAIN),
    stored("", "events", "Event", true, &[], SUBDOMAIN),
    stored(
        "apps",
        "deployments",
        "Deployment",
        true,
        &["status"],
        SUBDOMAIN,
    ),
    stored(
        RBAC_GROUP,
        "roles",
        "Role",
        true,
        &[],
        NameRule::PathSegment,
    ),
    stored(
        RBAC_GROUP,
        "rolebindings",
        "RoleBinding",
        true,
        &[],
        NameRule::PathSegment,
    ),
    stored(
        RBAC_GROUP,
        "clusterroles",
        "ClusterRole",
        false,
        &[],
        NameRule::PathSegment,
    ),
    stored(
        RBAC_GROUP,
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
        &[],
        NameRule::PathSegment,
    ),
    stored(
        CERTIFICATES_GROUP,
        "certificatesigningrequests",
        "CertificateSigningRequest",
        false,
        &["approval", "status"],
        NameRule::Any,
    ),
    review(
        "authentication.k8s.io",
        "v1",
        "selfsubjectreviews",
        "SelfSubjectReview",
        false,
    ),
    review(
        "authentication.k8s.io",
        "v1beta1",
        "selfsubjectreviews",
        "SelfSubjectReview",
        false,
    ),
    review(
        "authentication.k8s.io",
        "v1",
        "tokenreviews",
        "TokenReview",
        false,
    ),
    review(
        "authorization.k8s.io",
        "v1",
        "subjectaccessreviews",
        "SubjectAccessReview",
        false,
    ),
    review(
        "authorization.k8s.io",
        "v1",
        "selfsubjectaccessreviews",
        "SelfSubjectAccessReview",
        false,
    ),
    review(
        "authorization.k8s.io",
        "v1",
        "localsubjectaccessreviews",
        "LocalSubjectAccessReview",
        true,
    ),
    review(
        "authorization.k8s.io",
        "v1",
        "selfsubjectrulesreviews",
        "SelfSubjectRulesReview",
        false,
    ),
];

/// The served resource at `group/version/resource`.
pub fn find(group: &str, version: &str, resource: &str) -> Option<&'static ResourceDef> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.resource == resource)
}

/// The stored resources (those a namespace deletion empties, when namespaced).
pub fn stored_resources() -> impl Iterator<Item = &'static ResourceDef> {
    RESOURCES.iter().filter(|r| r.serving == Serving::Stored)
}
