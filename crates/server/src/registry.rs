//! What the server knows of each kind it serves, and the generic reads and writes that every
//! stored kind goes through (kube-apiserver's `pkg/registry`): the kind descriptions (`kinds`),
//! the generic registry (`generic`), object metadata (`objects`), field validation
//! (`field_validation`), Tables (`printing`), label and field selectors (`selectors`), PATCH
//! (`patch`) and managed fields with server-side apply (`field_manager`).

pub mod custom;
pub mod field_manager;
pub mod field_validation;
pub mod generic;
pub mod jsonpath;
pub mod kinds;
pub mod lookups;
pub mod objects;
pub mod patch;
pub mod printing;
pub mod quota;
pub mod quota_admission;
pub mod selectors;
