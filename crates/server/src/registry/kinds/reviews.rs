//! The review kinds: create-only, answered from the request and never stored
//! (`handlers::reviews` answers them).

use kubeward_core::validation::NameRule;

use super::{DEFAULT_COLUMNS, Kind, Plain, Serving, default_cells};

const fn review(
    group: &'static str,
    version: &'static str,
    resource: &'static str,
    kind: &'static str,
    namespaced: bool,
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
        schema: None,
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
