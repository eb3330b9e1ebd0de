//! Kubernetes RBAC with kube-apiserver's exact semantics, answered from a subject index.
//!
//! Pure: data in, decision out. No tokio, no network, no filesystem, no clock.
//! The wire types of `k8s-openapi` are mapped to the domain types of [`model`] in [`from_k8s`].
#![forbid(unsafe_code)]

pub mod model;

pub use model::{Binding, LabelSelector, PolicyRule, Role, RoleRef, RoleRefKind, Subject};
pub mod aggregation;
pub mod bootstrap;
pub mod escalation;
pub mod from_k8s;
pub mod matching;
pub mod policy;

pub use matching::rule_allows;
pub use policy::{Decision, Grant, Policy, RulesReview};
