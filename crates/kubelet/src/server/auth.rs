//! Who calls the kubelet API and whether they may: the client certificate (verified against
//! the cluster CA by TLS) names the user, and a SubjectAccessReview to the API server decides,
//! as the kubelet's webhook authorizer does (`nodes/proxy` for exec, attach, port-forward and
//! container logs), with answers cached as the kubelet caches them (5 minutes allowed, 30
//! seconds denied).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
};
use kube::Api;
use kube::api::PostParams;

/// The user a client certificate names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct User {
    /// The subject's CN.
    pub name: String,
    /// The subject's O values.
    pub groups: Vec<String>,
}

/// The user of a verified client certificate (DER), as kube-apiserver's x509 authenticator
/// reads it.
pub fn user_of(certificate: &[u8]) -> Option<User> {
    let (_, parsed) = x509_parser::parse_x509_certificate(certificate).ok()?;
    let subject = parsed.subject();
    let name = subject
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())?
        .to_string();
    let groups = subject
        .iter_organization()
        .filter_map(|o| o.as_str().ok().map(str::to_string))
        .collect();
    Some(User { name, groups })
}

/// The verb of an HTTP method (the kubelet's `nodeAuthorizerAttributesGetter`).
pub fn verb(method: &http::Method) -> &'static str {
    match *method {
        http::Method::POST => "create",
        http::Method::GET => "get",
        http::Method::PUT => "update",
        http::Method::PATCH => "patch",
        http::Method::DELETE => "delete",
        _ => "",
    }
}

/// The kubelet's 403 text.
pub fn forbidden_message(user: &User, verb: &str, subresource: &str) -> String {
    format!(
        "Forbidden (user={}, verb={verb}, resource=nodes, subresource={subresource})",
        user.name
    )
}

type Key = (User, String, String);

/// Asks the API server, through the node's client.
pub struct Authorizer {
    client: kube::Client,
    node: String,
    cache: Mutex<HashMap<Key, (bool, Instant)>>,
}

impl Authorizer {
    /// An authorizer for `node`.
    pub fn new(client: kube::Client, node: String) -> Self {
        Self {
            client,
            node,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `user` may `verb` `nodes/<subresource>` of this node.
    pub async fn allowed(
        &self,
        user: &User,
        verb: &str,
        subresource: &str,
    ) -> Result<bool, String> {
        let key = (user.clone(), verb.to_string(), subresource.to_string());
        if let Some((allowed, until)) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            && *until > Instant::now()
        {
            return Ok(*allowed);
        }
        let review = SubjectAccessReview {
            spec: SubjectAccessReviewSpec {
                user: Some(user.name.clone()),
                groups: Some(user.groups.clone()),
                resource_attributes: Some(ResourceAttributes {
                    verb: Some(verb.to_string()),
                    resource: Some("nodes".to_string()),
                    subresource: Some(subresource.to_string()),
                    name: Some(self.node.clone()),
                    version: Some("v1".to_string()),
                    ..ResourceAttributes::default()
                }),
                ..SubjectAccessReviewSpec::default()
            },
            ..SubjectAccessReview::default()
        };
        let reviews: Api<SubjectAccessReview> = Api::all(self.client.clone());
        let answer = reviews
            .create(&PostParams::default(), &review)
            .await
            .map_err(|e| e.to_string())?;
        let allowed = answer.status.is_some_and(|s| s.allowed);
        let ttl = if allowed {
            Duration::from_secs(300)
        } else {
            Duration::from_secs(30)
        };
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, (allowed, Instant::now() + ttl));
        Ok(allowed)
    }
}

#[cfg(test)]
mod tests;
