//! The review kinds: create-only, answered from the request and never stored
//! (`handlers::reviews` answers them).

use kubeward_core::validation::NameRule;

use k8s_openapi::api::{authentication::v1 as authn, authorization::v1 as authz};

use super::{DEFAULT_COLUMNS, Kind, Plain, Serving, TypeSchema, default_cells, published_only};

const fn review(
    group: &'static str,
    version: &'static str,
    resource: &'static str,
    kind: &'static str,
    namespaced: bool,
    schema: Option<TypeSchema>,
) -> Kind {
    Kind {
        group,
        version,
        resource,
        kind,
        namespaced,
        serving: Serving::Review,
        subresources: &[],
        name_rule: NameRule::Any,
        columns: DEFAULT_COLUMNS,
        cells: default_cells,
        schema,
        field_labels: None,
        strategy: &Plain,
    }
}

/// The review kinds of `authentication.k8s.io` and `authorization.k8s.io`.
pub const KINDS: &[Kind] = &[
    review(
        "authentication.k8s.io",
        "v1",
        "selfsubjectreviews",
        "SelfSubjectReview",
        false,
        Some(published_only::<authn::SelfSubjectReview>()),
    ),
    review(
        "authentication.k8s.io",
        "v1beta1",
        "selfsubjectreviews",
        "SelfSubjectReview",
        false,
        None,
    ),
    review(
        "authentication.k8s.io",
        "v1",
        "tokenreviews",
        "TokenReview",
        false,
        Some(published_only::<authn::TokenReview>()),
    ),
    review(
        "authorization.k8s.io",
        "v1",
        "subjectaccessreviews",
        "SubjectAccessReview",
        false,
        Some(published_only::<authz::SubjectAccessReview>()),
    ),
    review(
        "authorization.k8s.io",
        "v1",
        "selfsubjectaccessreviews",
        "SelfSubjectAccessReview",
        false,
        Some(published_only::<authz::SelfSubjectAccessReview>()),
    ),
    review(
        "authorization.k8s.io",
        "v1",
        "localsubjectaccessreviews",
        "LocalSubjectAccessReview",
        true,
        Some(published_only::<authz::LocalSubjectAccessReview>()),
    ),
    review(
        "authorization.k8s.io",
        "v1",
        "selfsubjectrulesreviews",
        "SelfSubjectRulesReview",
        false,
        Some(published_only::<authz::SelfSubjectRulesReview>()),
    ),
];
