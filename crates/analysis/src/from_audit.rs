//! `rbac from-audit`: the least-privilege roles of one subject, from what an audit log shows it
//! did (liggitt's audit2rbac, and beyond it).
//!
//! Each request of the subject becomes the question the RBAC authorizer was asked
//! ([`requests`]); questions the default policy already answers for every user (discovery,
//! self-reviews) and, unless asked for, questions the authorizer refused are left out; the rest
//! become Roles (per namespace) and a ClusterRole, each bound to the subject ([`generate`]),
//! written as manifests ([`manifests`]). [`held`] compares them with what the subject holds
//! today, so that over-granted permissions show.
//!
//! Unlike audit2rbac, `resourceNames` are only written where Kubernetes honours them: never for
//! the `create` of an object (its name is in the body, not the question), nor `deletecollection`;
//! for `list` and `watch` only when the request named its object through a `metadata.name` field
//! selector (as `kubectl get NAME --watch` does), which the authorizer does honour. API groups
//! are exact and never merged, subresources are written as `resource/subresource`, non-resource
//! paths go to the ClusterRole, and requests made by impersonating another user grant that user
//! nothing but grant the impersonator the `impersonate` rules kube-apiserver checked.

pub mod generate;
pub mod held;
pub mod manifests;
pub mod requests;

use kubeward_audit::Event;
use kubeward_core::UserInfo;
use kubeward_rbac::{Policy, Subject, bootstrap};

pub use generate::Generated;
pub use requests::{Tally, UsedRequest};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// The subject (a User, or a ServiceAccount).
    pub subject: Subject,
    /// Only requests in this namespace.
    pub namespace: Option<String>,
    /// Also grant requests the authorizer refused.
    pub include_denied: bool,
    /// The name of the generated roles and bindings.
    pub name: String,
}

/// Why nothing can be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FromAuditError {
    /// No event of the log is about the subject (audit2rbac's message).
    #[error("No audit events matched user {user}{}", .namespace.as_ref().map(|ns| format!(" in namespace {ns}")).unwrap_or_default())]
    NoEvents {
        /// The user name looked for.
        user: String,
        /// The namespace filter.
        namespace: Option<String>,
    },
    /// Only User and ServiceAccount subjects make requests.
    #[error("a group makes no requests: give --user or --serviceaccount")]
    GroupSubject,
}

/// The outcome of reading a log for one subject.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The subject's user name.
    pub user: UserInfo,
    /// Every question the subject asked, with its outcomes.
    pub requests: Vec<(UsedRequest, Tally)>,
    /// The questions the generated roles allow.
    pub granted: Vec<UsedRequest>,
    /// Questions the default policy already allows to the subject.
    pub already_allowed: Vec<UsedRequest>,
    /// Questions the authorizer refused, left out (without `include_denied`).
    pub denied: Vec<UsedRequest>,
    /// The roles and bindings.
    pub generated: Generated,
}

/// The user name a subject makes requests as.
pub fn user_name(subject: &Subject) -> Result<String, FromAuditError> {
    match subject {
        Subject::User(name) => Ok(name.clone()),
        Subject::ServiceAccount { namespace, name } => Ok(
            kubeward_core::user::service_account_username(namespace, name),
        ),
        Subject::Group(_) => Err(FromAuditError::GroupSubject),
    }
}

/// Reads `events` for the subject of `options` and generates its roles.
pub fn analyze(events: &[Event], options: &Options) -> Result<Analysis, FromAuditError> {
    let name = user_name(&options.subject)?;
    let found = requests::find(events, &name, options.namespace.as_deref());
    if found.requests.is_empty() {
        return Err(FromAuditError::NoEvents {
            user: name,
            namespace: options.namespace.clone(),
        });
    }
    let user = UserInfo::new(name, found.groups.clone());
    let defaults = default_policy();
    let mut analysis = Analysis {
        user,
        requests: Vec::new(),
        granted: Vec::new(),
        already_allowed: Vec::new(),
        denied: Vec::new(),
        generated: Generated::default(),
    };
    for (request, tally) in found.requests {
        if defaults.allows(&request.attributes(analysis.user.clone())) {
            analysis.already_allowed.push(request.clone());
        } else if tally.ever_allowed() || options.include_denied {
            analysis.granted.push(request.clone());
        } else {
            analysis.denied.push(request.clone());
        }
        analysis.requests.push((request, tally));
    }
    analysis.generated = generate::generate(&analysis.granted, &options.subject, &options.name);
    Ok(analysis)
}

/// The bootstrap policy: what every cluster grants before anyone writes a binding.
fn default_policy() -> Policy {
    let mut policy = Policy::new();
    let (roles, bindings) = bootstrap::policy();
    for role in roles {
        policy.upsert_role(role);
    }
    for binding in bindings {
        policy.upsert_binding(binding);
    }
    policy
}

#[cfg(test)]
mod tests;
