//! The store's integration tests: one conformance suite that both backends pass (the embedded
//! redb file, and etcd: a real 3-member cluster started per test from Debian's `etcd-server`),
//! and what only etcd has: kube-apiserver's key layout, replicas on one etcd, the loss of a
//! member, TLS, an unreachable cluster, the compactor.

mod conformance;
mod etcd_cluster;
mod etcd_replicas;
mod gateway;
mod support;
