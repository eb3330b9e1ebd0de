//! What follows a write, as kube-controller-manager (and kube-apiserver's own controllers) do
//! it: each controller handles the store's events of the kinds it watches — the RBAC index,
//! ClusterRole aggregation, namespace deletion, default ServiceAccounts, `kube-root-ca.crt`,
//! legacy token Secrets, CSR signing, the IAM authenticator's mappings, the count of stored
//! objects. The driver feeds them the objects found at start, then
//! every event in revision order (`driver`); `bootstrap` puts the objects every cluster has in
//! place before it starts. Controllers write to the store directly, as privileged clients.
//! Nothing in the crate imports this module but the server's start-up.

pub mod aggregation;
pub mod bootstrap;
pub mod controller;
pub mod csr_signer;
pub mod driver;
pub mod iam_mappings;
pub mod namespaces;
pub mod object_counts;
pub mod rbac_index;
pub mod root_ca;
pub mod service_accounts;
pub mod token_secrets;

use controller::Controller;

/// Every controller, in the order each event reaches them (the RBAC index first, so that what
/// the others do is authorized against the newest policy).
pub fn all() -> Vec<Box<dyn Controller>> {
    vec![
        Box::new(rbac_index::RbacIndex),
        Box::new(aggregation::Aggregation::default()),
        Box::new(namespaces::NamespaceLifecycle),
        Box::new(service_accounts::DefaultServiceAccount),
        Box::new(root_ca::RootCaPublisher),
        Box::new(token_secrets::TokenSecrets),
        Box::new(csr_signer::CsrSigner),
        Box::new(iam_mappings::IamMappings),
        Box::new(object_counts::ObjectCounts),
    ]
}
