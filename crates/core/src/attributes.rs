//! What an authorizer is asked, as `k8s.io/apiserver/pkg/authorization/authorizer.AttributesRecord`.

use crate::user::UserInfo;

/// One authorization question: may `user` perform `verb` on this resource or path?
///
/// For a resource request, `api_group`, `resource`, `subresource`, `namespace` and `name` describe
/// the object (empty strings mean "none"/"all"); for a non-resource request only `path` matters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attributes {
    /// The requester.
    pub user: UserInfo,
    /// The Kubernetes verb (`get`, `list`, `watch`, `create`, …, or `impersonate`, `bind`, …).
    pub verb: String,
    /// Whether this is a request for an API resource (as opposed to a path such as `/healthz`).
    pub resource_request: bool,
    /// The namespace; empty for cluster-scoped requests.
    pub namespace: String,
    /// The API group; empty for the core group.
    pub api_group: String,
    /// The API version (`v1`, …); informational, RBAC ignores it.
    pub api_version: String,
    /// The resource, e.g. `pods`.
    pub resource: String,
    /// The subresource, e.g. `log`; empty for none.
    pub subresource: String,
    /// The object name; empty when the request is not for one named object.
    pub name: String,
    /// The request path, for non-resource requests.
    pub path: String,
}

impl Attributes {
    /// A resource request.
    pub fn resource(
        user: UserInfo,
        verb: &str,
        api_group: &str,
        resource: &str,
        namespace: &str,
    ) -> Self {
        Self {
            user,
            verb: verb.to_string(),
            resource_request: true,
            namespace: namespace.to_string(),
            api_group: api_group.to_string(),
            resource: resource.to_string(),
            ..Self::default()
        }
    }

    /// A non-resource request for `path`.
    pub fn non_resource(user: UserInfo, verb: &str, path: &str) -> Self {
        Self {
            user,
            verb: verb.to_string(),
            path: path.to_string(),
            ..Self::default()
        }
    }

    /// Sets the subresource.
    pub fn with_subresource(mut self, subresource: &str) -> Self {
        self.subresource = subresource.to_string();
        self
    }

    /// Sets the object name.
    pub fn with_name(mut self, name: &str) -> Self {
        self.name = name.to_string();
        self
    }
}
