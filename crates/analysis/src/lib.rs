//! RBAC analysis: the questions people ask of a policy, answered from an RBAC snapshot.
//!
//! The engines ([`rules_table`], [`who_can`], [`tabwriter`]) are pure: a policy in, an answer
//! out. [`sources`] is the only I/O here: it reads Kubernetes manifests from files into a
//! [`kubeward_rbac::Policy`]; a live cluster source joins it later.
#![forbid(unsafe_code)]

pub mod rules_table;
pub mod sources;
pub mod tabwriter;
pub mod who_can;
