//! The RBAC question for the explained user: `--verb VERB --resource RES[.GROUP]` answered by
//! the live cluster's SubjectAccessReview (through a kubeconfig that may create them), or offline
//! from `--from PATH…` manifests plus the bootstrap policy, with the RBAC engine that
//! `kubeward rbac can-i` uses (and `system:masters` first, as the API server).

use std::path::PathBuf;

use anyhow::Context as _;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
};
use kube::api::PostParams;
use kubeward_analysis::sources;
use kubeward_core::user::SYSTEM_PRIVILEGED_GROUP;
use kubeward_core::{Attributes, UserInfo};
use kubeward_rbac::Decision;

/// What to ask.
#[derive(Debug, Clone)]
pub(super) struct Question {
    /// The verb.
    pub verb: String,
    /// `RES` or `RES.GROUP`.
    pub resource: String,
    /// The namespace (empty: cluster-wide).
    pub namespace: String,
    /// The object name.
    pub name: String,
    /// The subresource.
    pub subresource: String,
}

impl Question {
    /// `resource` and `group` of `RES[.GROUP]`.
    fn resource_and_group(&self) -> (&str, &str) {
        self.resource
            .split_once('.')
            .unwrap_or((self.resource.as_str(), ""))
    }

    /// `list pods in namespace "default"`, for the report.
    pub fn describe(&self) -> String {
        let mut text = format!("{} {}", self.verb, self.resource);
        if !self.subresource.is_empty() {
            text.push_str(&format!("/{}", self.subresource));
        }
        if !self.name.is_empty() {
            text.push_str(&format!(" {:?}", self.name));
        }
        if self.namespace.is_empty() {
            text.push_str(" (cluster-wide)");
        } else {
            text.push_str(&format!(" in namespace {:?}", self.namespace));
        }
        text
    }
}

/// The answer.
#[derive(Debug, Clone)]
pub(super) struct Answer {
    /// Allowed or not.
    pub allowed: bool,
    /// The authorizer's reason (may be empty).
    pub reason: String,
    /// Who answered: `SubjectAccessReview` or `manifests`.
    pub via: &'static str,
}

/// Offline, from manifests and (unless `no_bootstrap`) the bootstrap policy.
pub(super) fn offline(
    user: &UserInfo,
    question: &Question,
    from: &[PathBuf],
    no_bootstrap: bool,
) -> anyhow::Result<Answer> {
    let manifests = sources::load_paths(from).context("cannot load the policy")?;
    let loaded = sources::build_policy(manifests, !no_bootstrap);
    for warning in &loaded.warnings {
        eprintln!("Warning: {warning}");
    }
    if user.groups.iter().any(|g| g == SYSTEM_PRIVILEGED_GROUP) {
        return Ok(Answer {
            allowed: true,
            reason: format!("{SYSTEM_PRIVILEGED_GROUP} may do anything"),
            via: "manifests",
        });
    }
    let (resource, group) = question.resource_and_group();
    let attributes = Attributes::resource(
        user.clone(),
        &question.verb,
        group,
        resource,
        &question.namespace,
    )
    .with_subresource(&question.subresource)
    .with_name(&question.name);
    Ok(match loaded.policy.authorize(&attributes) {
        Decision::Allow { reason } => Answer {
            allowed: true,
            reason,
            via: "manifests",
        },
        Decision::NoOpinion { reason } => Answer {
            allowed: false,
            reason,
            via: "manifests",
        },
    })
}

/// Through the cluster's SubjectAccessReview API.
pub(super) async fn live(
    client: kube::Client,
    user: &UserInfo,
    question: &Question,
) -> anyhow::Result<Answer> {
    let (resource, group) = question.resource_and_group();
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let review = SubjectAccessReview {
        spec: SubjectAccessReviewSpec {
            user: some(&user.name),
            uid: some(&user.uid),
            groups: Some(user.groups.clone()),
            extra: (!user.extra.is_empty()).then(|| user.extra.clone()),
            resource_attributes: Some(ResourceAttributes {
                verb: some(&question.verb),
                resource: some(resource),
                group: Some(group.to_string()),
                namespace: some(&question.namespace),
                name: some(&question.name),
                subresource: some(&question.subresource),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let api: kube::Api<SubjectAccessReview> = kube::Api::all(client);
    let answered = api
        .create(&PostParams::default(), &review)
        .await
        .context("SubjectAccessReview")?;
    let status = answered.status.unwrap_or_default();
    Ok(Answer {
        allowed: status.allowed,
        reason: status.reason.unwrap_or_default(),
        via: "SubjectAccessReview",
    })
}
