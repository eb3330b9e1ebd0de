//! Pure apimachinery shared by every kubeward crate.
//!
//! This crate parses requests the way kube-apiserver does ([`request_info`]), describes who is
//! asking ([`user`]) and what they ask for ([`attributes`]), and builds the `Status` bodies that
//! Kubernetes answers with ([`status`]). It performs no I/O: no tokio, no network, no filesystem.
#![forbid(unsafe_code)]

pub mod attributes;
pub mod user;

pub use attributes::Attributes;
pub use user::UserInfo;
