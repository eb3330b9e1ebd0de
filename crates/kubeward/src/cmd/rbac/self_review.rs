//! Asking the API server about the current user itself, as `kubectl auth can-i` does: a
//! SelfSubjectAccessReview per question, a SelfSubjectRulesReview per namespace. Every
//! authenticated user may ask them, so they answer where listing the cluster's RBAC objects is
//! forbidden. An access review is the server's own decision (complete); a rules review may be
//! incomplete (`status.incomplete`, with the server's `evaluationError`).

use k8s_openapi::api::authorization::v1::{
    NonResourceAttributes, ResourceAttributes, SelfSubjectAccessReview,
    SelfSubjectAccessReviewSpec, SelfSubjectRulesReview, SelfSubjectRulesReviewSpec,
};
use kube::Api;
use kube::api::PostParams;
use kubeward_analysis::matrix::{Cell, Matrix, MatrixRow};
use kubeward_core::Attributes;
use kubeward_core::discovery::ApiResource;
use kubeward_rbac::PolicyRule;
use tokio::task::JoinSet;

use crate::cmd::server_error::ServerError;

/// The server's answer to one access review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Access {
    /// `status.allowed`.
    pub allowed: bool,
    /// `status.reason`.
    pub reason: String,
    /// `status.evaluationError`.
    pub evaluation_error: String,
}

impl Access {
    /// kubectl's line: `yes`, or `no` with ` - reason` and ` - evaluationError` when given.
    pub fn line(&self) -> String {
        if self.allowed {
            return "yes".to_string();
        }
        let mut line = "no".to_string();
        for part in [&self.reason, &self.evaluation_error] {
            if !part.is_empty() {
                line.push_str(" - ");
                line.push_str(part);
            }
        }
        line
    }
}

/// The spec of a SelfSubjectAccessReview for `attributes` (whose user is not sent: the server
/// asks about the caller).
pub(super) fn spec(attributes: &Attributes) -> SelfSubjectAccessReviewSpec {
    if attributes.resource_request {
        let some = |s: &String| (!s.is_empty()).then(|| s.clone());
        SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                namespace: some(&attributes.namespace),
                verb: some(&attributes.verb),
                group: some(&attributes.api_group),
                resource: some(&attributes.resource),
                subresource: some(&attributes.subresource),
                name: some(&attributes.name),
                ..ResourceAttributes::default()
            }),
            ..SelfSubjectAccessReviewSpec::default()
        }
    } else {
        SelfSubjectAccessReviewSpec {
            non_resource_attributes: Some(NonResourceAttributes {
                verb: Some(attributes.verb.clone()),
                path: Some(attributes.path.clone()),
            }),
            ..SelfSubjectAccessReviewSpec::default()
        }
    }
}

/// Posts one SelfSubjectAccessReview.
pub(super) async fn access(
    client: &kube::Client,
    attributes: &Attributes,
) -> anyhow::Result<Access> {
    let review = SelfSubjectAccessReview {
        spec: spec(attributes),
        ..SelfSubjectAccessReview::default()
    };
    let answer = Api::<SelfSubjectAccessReview>::all(client.clone())
        .create(&PostParams::default(), &review)
        .await
        .map_err(ServerError::from_kube)?;
    let status = answer.status.unwrap_or_default();
    Ok(Access {
        allowed: status.allowed,
        reason: status.reason.unwrap_or_default(),
        evaluation_error: status.evaluation_error.unwrap_or_default(),
    })
}

/// The server's answer to a rules review.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct Rules {
    /// Resource rules, then non-resource rules, as kubectl converts them.
    pub rules: Vec<PolicyRule>,
    /// `status.incomplete`.
    pub incomplete: bool,
    /// `status.evaluationError`.
    pub evaluation_error: String,
}

/// Posts a SelfSubjectRulesReview for `namespace`.
pub(super) async fn rules(client: &kube::Client, namespace: &str) -> anyhow::Result<Rules> {
    let review = SelfSubjectRulesReview {
        spec: SelfSubjectRulesReviewSpec {
            namespace: Some(namespace.to_string()),
        },
        ..SelfSubjectRulesReview::default()
    };
    let answer = Api::<SelfSubjectRulesReview>::all(client.clone())
        .create(&PostParams::default(), &review)
        .await
        .map_err(ServerError::from_kube)?;
    let status = answer.status.unwrap_or_default();
    let mut rules: Vec<PolicyRule> = status
        .resource_rules
        .into_iter()
        .map(|r| PolicyRule {
            verbs: r.verbs,
            api_groups: r.api_groups.unwrap_or_default(),
            resources: r.resources.unwrap_or_default(),
            resource_names: r.resource_names.unwrap_or_default(),
            ..PolicyRule::default()
        })
        .collect();
    rules.extend(status.non_resource_rules.into_iter().map(|r| PolicyRule {
        verbs: r.verbs,
        non_resource_urls: r.non_resource_urls.unwrap_or_default(),
        ..PolicyRule::default()
    }));
    Ok(Rules {
        rules,
        incomplete: status.incomplete,
        evaluation_error: status.evaluation_error.unwrap_or_default(),
    })
}

/// access-matrix's resources × verbs for the caller, one access review per cell (all sent at
/// once): every allowed or denied cell is the server's own decision. A verb a resource does not
/// support is `n/a`, as in the offline matrix.
pub(super) async fn matrix(
    client: &kube::Client,
    resources: &[&ApiResource],
    verbs: &[String],
    namespace: &str,
) -> anyhow::Result<Matrix> {
    let mut questions = JoinSet::new();
    for (row, resource) in resources.iter().enumerate() {
        for (column, verb) in verbs.iter().enumerate() {
            if !resource.verbs.iter().any(|v| v == verb) {
                continue;
            }
            let attributes = Attributes::resource(
                kubeward_core::UserInfo::default(),
                verb,
                &resource.group,
                &resource.resource,
                namespace,
            );
            let client = client.clone();
            questions.spawn(async move {
                access(&client, &attributes)
                    .await
                    .map(|answer| (row, column, answer.allowed))
            });
        }
    }
    let mut rows: Vec<MatrixRow> = resources
        .iter()
        .map(|resource| MatrixRow {
            name: resource.group_resource(),
            kind: None,
            namespace: None,
            cells: vec![Cell::NotApplicable; verbs.len()],
        })
        .collect();
    while let Some(answer) = questions.join_next().await {
        let (row, column, allowed) = answer??;
        rows[row].cells[column] = if allowed { Cell::Allowed } else { Cell::Denied };
    }
    Ok(Matrix {
        verbs: verbs.to_vec(),
        rows,
    })
}

#[cfg(test)]
mod tests;
