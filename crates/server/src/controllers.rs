//! What follows a write, as kube-controller-manager (and kube-apiserver's own controllers) do
//! it: each controller handles the store's events of the kinds it watches — the RBAC index,
//! ClusterRole aggregation, namespace deletion, default ServiceAccounts, `kube-root-ca.crt`,
//! legacy token Secrets, CSR signing, the IAM authenticator's mappings, the count of stored
//! objects. The driver feeds them the objects found at start, then
//! every event in revision order (`driver`); `bootstrap` puts the objects every cluster has in
//! place before it starts. Controllers write to the store directly, as privileged clients.
//! Nothing in the crate imports this module but the server's start-up.
//!
//! When several replicas share the store, every replica keeps its own RBAC index, IAM mappings
//! and object counts, and the controllers that act once per cluster run on the one replica
//! elected through a Lease (`leader`, deciding as `election` says), as kube-controller-manager
//! runs them.

pub mod aggregation;
pub mod api_services;
pub mod bootstrap;
pub mod controller;
pub mod crd_cleanup;
pub mod crds;
pub mod csr_signer;
pub mod driver;
pub mod election;
pub mod events;
pub mod garbage_collector;
pub mod iam_mappings;
pub mod leader;
pub mod namespaces;
pub mod object_counts;
pub mod rbac_index;
pub mod resource_quotas;
pub mod root_ca;
pub mod service_accounts;
pub mod token_secrets;
pub mod workloads;
pub mod writer;

use controller::Controller;

/// Every controller, in the order each event reaches them (the RBAC index first, so that what
/// the others do is authorized against the newest policy): what a server that is the only one
/// on its store runs.
pub fn all() -> Vec<Box<dyn Controller>> {
    let mut all = every_replica();
    all.extend(once_per_cluster());
    all
}

/// What every replica runs for itself: its RBAC index, the custom kinds it serves, the IAM
/// authenticator's mappings and the count of stored objects (what its own requests are answered
/// from).
pub fn every_replica() -> Vec<Box<dyn Controller>> {
    vec![
        Box::new(rbac_index::RbacIndex),
        Box::new(crds::CustomKinds),
        Box::new(iam_mappings::IamMappings),
        Box::new(object_counts::ObjectCounts),
    ]
}

/// What runs once per cluster, on the elected leader among replicas: ClusterRole aggregation,
/// namespace deletion, default ServiceAccounts, `kube-root-ca.crt`, legacy token Secrets, CSR
/// signing, Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs, ResourceQuota usage and the garbage collector (kube-controller-manager's
/// controllers), the cleanup of deleted CustomResourceDefinitions' objects and their APIServices.
pub fn once_per_cluster() -> Vec<Box<dyn Controller>> {
    vec![
        Box::new(aggregation::Aggregation::default()),
        Box::new(namespaces::NamespaceLifecycle),
        Box::new(service_accounts::DefaultServiceAccount),
        Box::new(root_ca::RootCaPublisher),
        Box::new(token_secrets::TokenSecrets),
        Box::new(csr_signer::CsrSigner),
        Box::new(crd_cleanup::CrdCleanup),
        Box::new(api_services::CustomApiServices),
        Box::new(workloads::deployments::Deployments),
        Box::new(workloads::replica_sets::ReplicaSets),
        Box::new(workloads::stateful_sets::StatefulSets),
        Box::new(workloads::daemon_sets::DaemonSets),
        Box::new(workloads::jobs::Jobs),
        Box::new(workloads::cron_jobs::CronJobs),
        Box::new(resource_quotas::ResourceQuotas),
        Box::new(garbage_collector::GarbageCollector::default()),
    ]
}
