//! RBAC analysis: the questions people ask of a policy, answered from an RBAC snapshot.
//!
//! The engines are pure: a [`kubeward_rbac::Policy`] in, an answer out: `can-i --list` tables
//! ([`rules_table`]), who may do what ([`who_can`]), rolesum's [`summary`], access-matrix's
//! [`matrix`], rbac-tool's [`lookup`] and [`policy_rules`], risky grants ([`lint`]), why a request
//! is allowed or not ([`explain`]), what changed between two policies ([`diff`]), an
//! interactive graph ([`viz`]) and the least-privilege roles of what an audit log shows a subject
//! did ([`from_audit`]). [`sources`] is the only I/O: manifests on disk, or a live cluster
//! through `kube::Client`.
#![forbid(unsafe_code)]

pub mod boxless;
pub mod diff;
pub mod explain;
pub mod from_audit;
pub mod lint;
pub mod lookup;
pub mod matrix;
pub mod paint;
pub mod policy_rules;
pub mod rules_table;
pub mod sources;
pub mod subject;
pub mod summary;
pub mod tabwriter;
pub mod viz;
pub mod who_can;

/// Serializes a subject as `{kind, name, namespace?}`.
pub(crate) fn serde_subject<S: serde::Serializer>(
    subject: &kubeward_rbac::Subject,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap as _;
    let mut map = serializer.serialize_map(None)?;
    map.serialize_entry("kind", &subject::kind_of(subject))?;
    map.serialize_entry("name", subject::name_of(subject))?;
    if let kubeward_rbac::Subject::ServiceAccount { namespace, .. } = subject {
        map.serialize_entry("namespace", namespace)?;
    }
    map.end()
}
