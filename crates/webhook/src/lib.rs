//! Kubernetes' authentication and authorization webhooks, pure: what kube-apiserver sends a
//! webhook and how it reads the answer, and what a webhook receives and answers.
//!
//! - [`token_review`]: TokenReview both ways (audiences, `status.error`);
//! - [`access_review`]: SubjectAccessReview both ways (`allowed`, `denied` versus no opinion,
//!   `evaluationError`), the decision cache key;
//! - [`authorization_config`]: `AuthorizationConfiguration` (`--authorization-config`) and the
//!   legacy `--authorization-mode`/`--authorization-webhook-*` flags, validated with
//!   kube-apiserver's field errors, as one ordered list of authorizers;
//! - [`match_conditions`]: the CEL `matchConditions` of an authorization webhook;
//! - [`cache`]: the decision caches (time-limited, bounded);
//! - [`retry`]: when and after how long kube-apiserver calls a webhook again;
//! - [`kubeconfig`]: the kubeconfig file that says where a webhook is;
//! - [`review`]: the reviews' kinds and groups, and reading a review's JSON;
//! - [`duration`]: Go durations as configuration files write them; [`version`]: `v1`/`v1beta1`.
//!
//! Pure: bodies in, values out. No network, no filesystem, no clock (callers pass `now`).
#![forbid(unsafe_code)]

pub mod access_review;
pub mod authorization_config;
pub mod cache;
pub mod duration;
pub mod kubeconfig;
pub mod match_conditions;
pub mod retry;
pub mod review;
pub mod token_review;
pub mod version;
pub mod wire;

pub use access_review::{Decision, Verdict};
pub use review::{
    GROUP_AUTHENTICATION, GROUP_AUTHORIZATION, ReadError, SUBJECT_ACCESS_REVIEW, TOKEN_REVIEW,
};
pub use version::Version;
