//! Object validation as apimachinery and Kubernetes' API validation do it: the string formats
//! (`content`), each kind's name rule (`names`), object metadata on create and update
//! (`object_meta`) and the kind-specific checks of the kinds kubeward stores (`kinds`). The
//! results are [`FieldError`](crate::status::FieldError)s, which `status::invalid` turns into
//! kube-apiserver's 422 body.

pub mod content;
pub mod kinds;
pub mod names;
pub mod object_meta;

pub use names::NameRule;
