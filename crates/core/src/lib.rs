//! Pure apimachinery shared by every kubeward crate.
//!
//! This crate parses requests the way kube-apiserver does ([`request_info`]), describes who is
//! asking ([`user`]) and what they ask for ([`attributes`]), builds the `Status` bodies that
//! Kubernetes answers with ([`status`]), names resources as Kubernetes prints them
//! ([`resources`]) and knows the built-in API resources of discovery ([`discovery`]). It performs
//! no I/O: no tokio, no network, no filesystem, no clock.
#![forbid(unsafe_code)]

pub mod attributes;
pub mod discovery;
pub mod go;
pub mod json;
pub mod protobuf;
pub mod request_info;
pub mod resources;
pub mod selectors;
pub mod status;
pub mod user;
pub mod validation;

pub use attributes::Attributes;
pub use request_info::{RequestInfo, RequestInfoError, RequestInfoResolver};
pub use resources::{GroupKind, GroupResource};
pub use status::{FieldError, Status};
pub use user::UserInfo;

#[cfg(test)]
mod fuzz;
